package gha_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sethvargo/go-githubactions"

	"github.com/stack-ci/stack/pipelines/gha"
	"github.com/stack-ci/stack/pipelines/report"
	"github.com/stack-ci/stack/pipelines/report/reporttest"
	"github.com/stack-ci/stack/pipelines/scan"
)

// action is a go-githubactions Action writing to a buffer, with env as its
// environment.
func action(env map[string]string) (*githubactions.Action, *bytes.Buffer) {
	var out bytes.Buffer
	return githubactions.New(githubactions.WithWriter(&out), githubactions.WithGetenv(func(k string) string { return env[k] })), &out
}

// manyFindings is a failed scan with n blocking findings.
func manyFindings(n int) *report.Report {
	var vulns []scan.Vulnerability
	for i := range n {
		vulns = append(vulns, scan.Vulnerability{VulnerabilityID: fmt.Sprintf("CVE-2099-%05d", i), PkgName: "pkg", InstalledVersion: "1.0",
			FixedVersion: "1.1", Status: "fixed", Severity: scan.SeverityHigh})
	}
	v, err := scan.Evaluate(scan.Policy{Now: reporttest.Start}, &scan.Report{SchemaVersion: 2, ArtifactName: "img", Name: "backend image",
		Results: []scan.Result{{Target: "Node.js", Vulnerabilities: vulns}}})
	if err != nil {
		panic(err)
	}
	b := report.New(report.Source{App: "app"}, report.WithStages(report.StageScan, report.StageSmoke))
	b.AddScan(v, time.Second)
	b.AddError(report.StageSmoke, errors.New("services did not start"), time.Second)
	return b.Report()
}

func TestAnnotationsCapped(t *testing.T) {
	t.Parallel()
	tests := []struct {
		findings, limit int
		wantErrors      int
		wantLast        string
	}{
		{findings: 10, limit: 50, wantErrors: 11, wantLast: "HIGH CVE-2099-00009 in pkg (backend image)"},
		{findings: 49, limit: 50, wantErrors: 50, wantLast: "HIGH CVE-2099-00048 in pkg (backend image)"},
		{findings: 50, limit: 50, wantErrors: 50, wantLast: "… and 2 more errors"},
		{findings: 300, limit: 50, wantErrors: 50, wantLast: "… and 252 more errors"},
		{findings: 3, limit: 1, wantErrors: 1, wantLast: "… and 4 more errors"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d findings, limit %d", tt.findings, tt.limit), func(t *testing.T) {
			t.Parallel()
			as := gha.Annotations(manyFindings(tt.findings), tt.limit)
			if len(as) != tt.wantErrors {
				t.Fatalf("%d annotations, want %d", len(as), tt.wantErrors)
			}
			if tt.limit > 1 && as[0].Title != "smoke could not run" {
				t.Errorf("first annotation %q, want the stage error before the findings", as[0].Title)
			}
			if last := as[len(as)-1]; last.Title != tt.wantLast || last.Level != gha.LevelError {
				t.Errorf("last annotation %s %q, want error %q", last.Level, last.Title, tt.wantLast)
			}
		})
	}
}

func TestEmitWithMaxAnnotations(t *testing.T) {
	t.Parallel()
	a, out := action(map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": filepath.Join(t.TempDir(), "o"), "GITHUB_STEP_SUMMARY": filepath.Join(t.TempDir(), "s")})
	if err := gha.Emit(a, manyFindings(120), gha.WithMaxAnnotations(5)); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out.String(), "\n::error "); n != 5 {
		t.Errorf("%d error annotations, want 5", n)
	}
	if !strings.Contains(out.String(), "::error title=… and 117 more errors::117 more not shown as annotations; the job summary and report.md list them all.\n") {
		t.Errorf("no final \"and N more\" annotation:\n%s", out.String())
	}
}

// A line of build output that reads like a workflow command stays text.
func TestEmitStopsCommandsAroundReportText(t *testing.T) {
	t.Parallel()
	b := report.New(report.Source{App: "app"}, report.WithStages(report.StageBuild))
	b.AddBuild([]report.Image{{Name: "web", Error: "npm run build\n::add-path::/tmp/evil\n::set-output name=passed::true\n::endgroup::"}}, time.Second)
	a, out := action(map[string]string{"GITHUB_ACTIONS": "true"})
	if err := gha.Emit(a, b.Report()); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	start, end := strings.Index(s, "::group::Errors\n::stop-commands::"), strings.Index(s, "::group::Images")
	if start < 0 || end < start {
		t.Fatalf("no Errors group:\n%s", s)
	}
	group := s[start:end]
	lines := strings.Split(strings.TrimSuffix(group, "\n"), "\n")
	token := strings.TrimPrefix(lines[1], "::stop-commands::")
	if len(token) != 32 || lines[len(lines)-2] != "::"+token+"::" || lines[len(lines)-1] != "::endgroup::" {
		t.Fatalf("the Errors group is not wrapped in stop-commands:\n%s", group)
	}
	if !strings.Contains(group, "\n  ::add-path::/tmp/evil\n") {
		t.Errorf("the hostile line is not inside the stopped block:\n%s", group)
	}
	// The annotation's message is escaped onto one line.
	if !strings.Contains(s, "::error title=web did not build::npm run build%0A::add-path::/tmp/evil%0A::set-output name=passed::true%0A::endgroup::\n") {
		t.Errorf("annotation not escaped:\n%s", s)
	}
}

func TestOutputsImageNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		images  []string
		want    []string
		wantErr string
	}{
		{[]string{"frontend", "backend"}, []string{"backend-digest", "frontend-digest"}, ""},
		{[]string{"API Server", "worker_2"}, []string{"api-server-digest", "worker_2-digest"}, ""},
		{[]string{"three", "one", "two"}, []string{"one-digest", "three-digest", "two-digest"}, ""},
		{[]string{"Web", "web"}, nil, `naming the outputs of image "web": image "Web" gives the same output names (web-digest…); rename one`},
		{[]string{"ü"}, nil, `naming the outputs of image "ü": no letter or digit in the name`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.images, ","), func(t *testing.T) {
			t.Parallel()
			b := report.New(report.Source{}, report.WithStages(report.StageBuild))
			var ims []report.Image
			for _, n := range tt.images {
				ims = append(ims, report.Image{Name: n, Digest: "sha256:" + n})
			}
			b.AddBuild(ims, time.Second)
			outs, err := gha.Outputs(b.Report())
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, o := range outs {
				if strings.HasSuffix(o.Name, "-digest") {
					got = append(got, o.Name)
				}
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("digest outputs %q, want %q", got, tt.want)
			}
		})
	}
}

func TestOutputsRefuseTheDelimiter(t *testing.T) {
	t.Parallel()
	b := report.New(report.Source{App: "x\n_GitHubActionsFileCommandDelimeter_\npassed<<EOF"}, report.WithStages(report.StageBuild))
	b.AddBuild([]report.Image{{Name: "web", Digest: "sha256:1"}}, time.Second)
	_, err := gha.Outputs(b.Report())
	if err == nil || !strings.Contains(err.Error(), `setting output "summary": the value holds the line delimiter`) {
		t.Errorf("error %v, want a refusal of the summary output", err)
	}
}

func TestEmitCutsAHugeSummary(t *testing.T) {
	t.Parallel()
	b := report.New(report.Source{App: "app"}, report.WithStages(report.StageBuild))
	b.AddBuild([]report.Image{{Name: "web", Error: strings.Repeat("npm ERR! a long line of build output, again and again\n", 40000)}}, time.Second)
	summary := filepath.Join(t.TempDir(), "summary")
	a, _ := action(map[string]string{"GITHUB_STEP_SUMMARY": summary})
	if err := gha.Emit(a, b.Report()); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(summary)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) > gha.MaxSummaryBytes+1 || !strings.HasSuffix(string(got), "report.md has all of it.\n\n") {
		t.Errorf("summary of %d bytes ends %q", len(got), got[max(0, len(got)-80):])
	}
}
