package scan

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseReportRealTrivyOutput(t *testing.T) {
	t.Parallel()
	r, err := ReadReportFile(filepath.Join("testdata", "reports", "backend-image.json"))
	if err != nil {
		t.Fatal(err)
	}
	if r.ArtifactName != "backend.tar" || r.ArtifactType != "container_image" || len(r.Results) != 1 {
		t.Fatalf("report header = %q %q, %d results", r.ArtifactName, r.ArtifactType, len(r.Results))
	}
	res := r.Results[0]
	if res.Target != "Node.js" || res.Class != "lang-pkgs" || res.Type != "node-pkg" {
		t.Errorf("result = %q %q %q", res.Target, res.Class, res.Type)
	}
	got := map[string]Vulnerability{}
	for _, v := range res.Vulnerabilities {
		got[v.VulnerabilityID] = v
	}
	want := Vulnerability{
		VulnerabilityID: "CVE-2099-0001", PkgName: "lodash", PkgPath: "app/node_modules/lodash/package.json",
		InstalledVersion: "4.17.20", FixedVersion: "4.17.21", Status: "fixed", Severity: SeverityHigh,
		Title: "lodash: prototype pollution in zipObjectDeep", PrimaryURL: "https://avd.aquasec.com/nvd/cve-2099-0001",
	}
	if !reflect.DeepEqual(got["CVE-2099-0001"], want) {
		t.Errorf("CVE-2099-0001 = %+v\nwant %+v", got["CVE-2099-0001"], want)
	}
	if v := got["CVE-2099-0002"]; v.HasFix() || v.Status != "affected" {
		t.Errorf("CVE-2099-0002 = %+v, want unfixed (affected)", v)
	}
	if v := got["CVE-2099-0003"]; v.FixedVersion != "1.2.6, 0.2.4" || v.Severity != SeverityCritical {
		t.Errorf("CVE-2099-0003 = %+v", v)
	}
	if len(got) != 5 {
		t.Errorf("got %d vulnerabilities, want 5", len(got))
	}
}

func TestParseReportSourceScan(t *testing.T) {
	t.Parallel()
	r, err := ReadReportFile(filepath.Join("testdata", "reports", "source-fs.json"))
	if err != nil {
		t.Fatal(err)
	}
	var secrets []Secret
	var misconfs []Misconfiguration
	for _, res := range r.Results {
		secrets = append(secrets, res.Secrets...)
		misconfs = append(misconfs, res.Misconfigurations...)
	}
	if len(secrets) != 2 || secrets[0].RuleID != "aws-access-key-id" || secrets[0].Severity != SeverityCritical || secrets[0].StartLine != 2 {
		t.Errorf("secrets = %+v", secrets)
	}
	if strings.Contains(secrets[0].Match, "AKIA") {
		t.Errorf("Trivy did not mask the match: %q", secrets[0].Match)
	}
	if len(misconfs) != 2 || misconfs[0].ID != "DS-0002" || !misconfs[0].Failed() || misconfs[0].Severity != SeverityHigh {
		t.Errorf("misconfigurations = %+v", misconfs)
	}
}

func TestParseReportCleanArtifacts(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"clean-rootfs.json", "empty-rootfs.json"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r, err := ReadReportFile(filepath.Join("testdata", "reports", name))
			if err != nil {
				t.Fatalf("a clean report is not an error: %v", err)
			}
			for _, res := range r.Results {
				if len(res.Vulnerabilities)+len(res.Secrets)+len(res.Misconfigurations) != 0 {
					t.Errorf("clean report has findings: %+v", res)
				}
			}
		})
	}
}

func TestParseReport(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		doc     string
		wantErr error
		check   func(t *testing.T, r *Report)
	}{
		{name: "minimal", doc: `{"SchemaVersion":2,"ArtifactName":"x"}`},
		{name: "clean target without Vulnerabilities key",
			doc: `{"SchemaVersion":2,"ArtifactName":"x","Results":[{"Target":"Node.js","Class":"lang-pkgs"}]}`,
			check: func(t *testing.T, r *Report) {
				if len(r.Results) != 1 || r.Results[0].Vulnerabilities != nil {
					t.Errorf("results = %+v", r.Results)
				}
			}},
		{name: "null results", doc: `{"SchemaVersion":2,"ArtifactName":"x","Results":null}`},
		{name: "missing severity is UNKNOWN",
			doc: `{"SchemaVersion":2,"ArtifactName":"x","Results":[{"Target":"t","Vulnerabilities":[{"VulnerabilityID":"CVE-1"}],"Secrets":[{"RuleID":"r","Severity":""}],"Misconfigurations":[{"ID":"m","Status":"FAIL","Severity":null}]}]}`,
			check: func(t *testing.T, r *Report) {
				res := r.Results[0]
				if res.Vulnerabilities[0].Severity != SeverityUnknown || res.Secrets[0].Severity != SeverityUnknown || res.Misconfigurations[0].Severity != SeverityUnknown {
					t.Errorf("severities = %+v", res)
				}
			}},
		{name: "lower-case severity", doc: `{"SchemaVersion":2,"ArtifactName":"x","Results":[{"Vulnerabilities":[{"Severity":"high"}]}]}`,
			check: func(t *testing.T, r *Report) {
				if r.Results[0].Vulnerabilities[0].Severity != SeverityHigh {
					t.Errorf("severity = %v", r.Results[0].Vulnerabilities[0].Severity)
				}
			}},
		{name: "unknown fields ignored", doc: `{"SchemaVersion":2,"ArtifactName":"x","Trivy":{"Version":"0.74.0"},"Metadata":{"OS":{"Family":"alpine"}}}`},
		{name: "empty", doc: ``, wantErr: ErrNotReport},
		{name: "whitespace", doc: " \n\t", wantErr: ErrNotReport},
		{name: "not JSON", doc: `Total: 0 (UNKNOWN: 0)`, wantErr: ErrNotReport},
		{name: "table output", doc: "\nNode.js (node-pkg)\n==================\n", wantErr: ErrNotReport},
		{name: "array", doc: `[{"SchemaVersion":2}]`, wantErr: ErrNotReport},
		{name: "SARIF", doc: `{"version":"2.1.0","runs":[]}`, wantErr: ErrNotReport},
		{name: "CycloneDX", doc: `{"bomFormat":"CycloneDX","specVersion":"1.6"}`, wantErr: ErrNotReport},
		{name: "no ArtifactName", doc: `{"SchemaVersion":2,"Resources":[]}`, wantErr: ErrNotReport},
		{name: "empty ArtifactName", doc: `{"SchemaVersion":2,"ArtifactName":""}`, wantErr: ErrNotReport},
		{name: "schema 1", doc: `{"SchemaVersion":1,"ArtifactName":"x"}`, wantErr: ErrUnsupportedSchema},
		{name: "schema 3", doc: `{"SchemaVersion":3,"ArtifactName":"x","Results":"new shape"}`, wantErr: ErrUnsupportedSchema},
		{name: "schema as string", doc: `{"SchemaVersion":"2","ArtifactName":"x"}`, wantErr: ErrNotReport},
		{name: "schema null", doc: `{"SchemaVersion":null,"ArtifactName":"x"}`, wantErr: ErrNotReport},
		{name: "truncated", doc: `{"SchemaVersion":2,"ArtifactName":"x","Results":[`, wantErr: ErrNotReport},
		{name: "trailing data", doc: `{"SchemaVersion":2,"ArtifactName":"x"} {}`, wantErr: ErrNotReport},
		{name: "results wrong type", doc: `{"SchemaVersion":2,"ArtifactName":"x","Results":{}}`, wantErr: ErrNotReport},
		{name: "bad severity", doc: `{"SchemaVersion":2,"ArtifactName":"x","Results":[{"Vulnerabilities":[{"Severity":"SEVERE"}]}]}`, wantErr: ErrNotReport},
		{name: "numeric severity", doc: `{"SchemaVersion":2,"ArtifactName":"x","Results":[{"Vulnerabilities":[{"Severity":4}]}]}`, wantErr: ErrNotReport},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := ParseReport([]byte(tt.doc))
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("ParseReport error = %v, want %v", err, tt.wantErr)
				}
				if !strings.HasPrefix(err.Error(), "parsing trivy report: ") {
					t.Errorf("error %q does not name the operation", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseReport: %v", err)
			}
			if tt.check != nil {
				tt.check(t, r)
			}
		})
	}
}

func TestReadReportFileErrorsNameTheFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "frontend.json")
	if err := os.WriteFile(bad, []byte("Total: 0"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadReportFile(bad)
	if !errors.Is(err, ErrNotReport) || !strings.Contains(err.Error(), bad) {
		t.Errorf("error = %v, want ErrNotReport naming %s", err, bad)
	}
	_, err = ReadReportFile(filepath.Join(dir, "missing.json"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file error = %v", err)
	}
}

func TestReportLabel(t *testing.T) {
	t.Parallel()
	r := &Report{ArtifactName: "/tmp/frontend.tar"}
	if r.Label() != "/tmp/frontend.tar" {
		t.Errorf("Label = %q", r.Label())
	}
	r.Name = "frontend image"
	if r.Label() != "frontend image" {
		t.Errorf("Label = %q", r.Label())
	}
}

func FuzzParseReport(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "reports", "*.json"))
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(compactSeed(f, b))
	}
	for _, s := range []string{
		`{"SchemaVersion":2,"ArtifactName":"x","Results":[{"Target":"t","Vulnerabilities":[{"VulnerabilityID":"CVE-1","Severity":"HIGH"}],"Secrets":[{"RuleID":"r","Severity":"low","StartLine":3}],"Misconfigurations":[{"ID":"DS-0002","Status":"FAIL"}]}]}`,
		`{"SchemaVersion":1}`, `[]`, `null`, `{}`, "",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseReport(data)
		if err != nil {
			if !errors.Is(err, ErrNotReport) && !errors.Is(err, ErrUnsupportedSchema) {
				t.Fatalf("error wraps neither sentinel: %v", err)
			}
			return
		}
		if r.SchemaVersion != SchemaVersion || r.ArtifactName == "" {
			t.Fatalf("accepted report with SchemaVersion %d, ArtifactName %q", r.SchemaVersion, r.ArtifactName)
		}
		for _, res := range r.Results {
			for _, v := range res.Vulnerabilities {
				if !v.Severity.Valid() {
					t.Fatalf("invalid severity %d kept", v.Severity)
				}
			}
			for _, s := range res.Secrets {
				if !s.Severity.Valid() {
					t.Fatalf("invalid severity %d kept", s.Severity)
				}
			}
			for _, m := range res.Misconfigurations {
				if !m.Severity.Valid() {
					t.Fatalf("invalid severity %d kept", m.Severity)
				}
			}
		}
		// What was accepted survives a round trip unchanged.
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatalf("re-encoding an accepted report: %v", err)
		}
		r2, err := ParseReport(b)
		if err != nil {
			t.Fatalf("re-parsing %s: %v", b, err)
		}
		if !reflect.DeepEqual(r, r2) {
			t.Fatalf("round trip changed the report:\n%+v\n%+v", r, r2)
		}
		// The gate accepts whatever the parser accepts.
		if _, err := Evaluate(Policy{}, r); err != nil {
			t.Fatalf("Evaluate: %v", err)
		}
	})
}

// compactSeed drops the bulky parts of a real report that the parser does
// not read (package lists, layers, code excerpts), so that the fuzzer
// mutates and minimises small inputs.
func compactSeed(tb testing.TB, b []byte) []byte {
	tb.Helper()
	var doc any
	if err := json.Unmarshal(b, &doc); err != nil {
		tb.Fatal(err)
	}
	var prune func(v any)
	prune = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for _, k := range []string{"Packages", "Layer", "PkgIdentifier", "DataSource", "VendorSeverity", "CauseMetadata", "Code", "Metadata", "References", "Description", "Fingerprint", "MisconfSummary", "Query", "Resolution", "Namespace"} {
				delete(v, k)
			}
			for _, c := range v {
				prune(c)
			}
		case []any:
			for _, c := range v {
				prune(c)
			}
		}
	}
	prune(doc)
	out, err := json.Marshal(doc)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

func BenchmarkParseReport(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("testdata", "reports", "backend-image.json"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseReport(data); err != nil {
			b.Fatal(err)
		}
	}
}
