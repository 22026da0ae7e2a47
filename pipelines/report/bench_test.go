package report_test

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stack-ci/stack/pipelines/report"
	"github.com/stack-ci/stack/pipelines/scan"
)

// bigReport is a failed scan with n blocking findings and a 1 MB build log,
// the largest report a run plausibly makes.
func bigReport(b *testing.B, n int) *report.Report {
	var vulns []scan.Vulnerability
	for i := range n {
		vulns = append(vulns, scan.Vulnerability{VulnerabilityID: fmt.Sprintf("CVE-2099-%05d", i), PkgName: fmt.Sprintf("pkg-%d", i),
			InstalledVersion: "1.0.0", FixedVersion: "1.0.1", Status: "fixed", Severity: scan.SeverityCritical,
			Title: "a title | with a pipe and <html>", PrimaryURL: "https://avd.aquasec.com/nvd/cve"})
	}
	v, err := scan.Evaluate(scan.Policy{}, &scan.Report{SchemaVersion: 2, ArtifactName: "img", Name: "backend image",
		Results: []scan.Result{{Target: "Node.js", Vulnerabilities: vulns}}})
	if err != nil {
		b.Fatal(err)
	}
	bld := report.New(report.Source{App: "app"}, report.WithStages(report.StageBuild, report.StageScan))
	bld.AddBuild([]report.Image{{Name: "web", Error: strings.Repeat("npm ERR! some build output with a URL https://registry.npmjs.org/x and TOKEN=abc\n", 12000)}}, time.Second)
	bld.AddScan(v, time.Second)
	return bld.Report()
}

func BenchmarkWriteMarkdown(b *testing.B) {
	r := bigReport(b, 1000)
	b.ReportAllocs()
	for b.Loop() {
		if err := r.WriteMarkdown(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSecretLike(b *testing.B) {
	r := bigReport(b, 1000)
	b.ReportAllocs()
	for b.Loop() {
		_ = r.SecretLike()
	}
}

func BenchmarkRedact(b *testing.B) {
	r := bigReport(b, 1000)
	b.ReportAllocs()
	for b.Loop() {
		_ = r.Redact("abc-secret-value", "another")
	}
}
