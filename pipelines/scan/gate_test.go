package scan

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

var testNow = time.Date(2027, 6, 1, 12, 0, 0, 0, time.UTC)

// imageReport is an image with lodash (HIGH, fixed), qs (HIGH, unfixed),
// minimist (CRITICAL, fixed) and express (LOW, unfixed).
func imageReport() *Report {
	return &Report{SchemaVersion: 2, ArtifactName: "/tmp/backend.tar", ArtifactType: "container_image", Name: "backend image",
		Results: []Result{{Target: "Node.js", Class: "lang-pkgs", Type: "node-pkg", Vulnerabilities: []Vulnerability{
			{VulnerabilityID: "CVE-2099-0001", PkgName: "lodash", InstalledVersion: "4.17.20", FixedVersion: "4.17.21", Status: "fixed", Severity: SeverityHigh, Title: "lodash: prototype pollution"},
			{VulnerabilityID: "CVE-2099-0005", PkgName: "qs", InstalledVersion: "6.11.0", Status: "affected", Severity: SeverityHigh, Title: "qs: unfixed | pollution"},
			{VulnerabilityID: "CVE-2099-0003", PkgName: "minimist", InstalledVersion: "1.2.5", FixedVersion: "1.2.6, 0.2.4", Status: "fixed", Severity: SeverityCritical, Title: "minimist: prototype pollution"},
			{VulnerabilityID: "GHSA-xxxx-yyyy-zzzz", PkgName: "express", InstalledVersion: "4.18.2", Status: "affected", Severity: SeverityLow, Title: "express: open redirect"},
		}}}}
}

// sourceReport is the source scan: an AWS key (CRITICAL), a failed and a
// passed Dockerfile check.
func sourceReport() *Report {
	return &Report{SchemaVersion: 2, ArtifactName: "/src", ArtifactType: "filesystem", Name: "source",
		Results: []Result{
			{Target: "Dockerfile", Class: "config", Type: "dockerfile", Misconfigurations: []Misconfiguration{
				{ID: "DS-0002", AVDID: "AVD-DS-0002", Title: "Image user should not be 'root'", Severity: SeverityHigh, Status: "FAIL", Message: "Specify at least 1 USER command"},
				{ID: "DS-0026", Title: "No HEALTHCHECK defined", Severity: SeverityLow, Status: "FAIL"},
				{ID: "DS-0001", Title: "':latest' tag used", Severity: SeverityMedium, Status: "PASS"},
			}},
			{Target: "src/config.js", Class: "secret", Secrets: []Secret{
				{RuleID: "aws-access-key-id", Category: "AWS", Severity: SeverityCritical, Title: "AWS Access Key ID", StartLine: 2},
			}},
		}}
}

func ids(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.ID)
	}
	return out
}

func TestEvaluate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		policy       Policy
		reports      []*Report
		wantPassed   bool
		wantBlocking []string
		wantReasons  map[string]Disposition
	}{
		{
			name: "default threshold HIGH blocks HIGH and CRITICAL", policy: Policy{Now: testNow},
			reports:      []*Report{imageReport()},
			wantBlocking: []string{"CVE-2099-0003", "CVE-2099-0001", "CVE-2099-0005"},
			wantReasons:  map[string]Disposition{"GHSA-xxxx-yyyy-zzzz": BelowThreshold},
		},
		{
			name: "threshold CRITICAL", policy: Policy{Threshold: SeverityCritical, Now: testNow},
			reports: []*Report{imageReport()}, wantBlocking: []string{"CVE-2099-0003"},
			wantReasons: map[string]Disposition{"CVE-2099-0001": BelowThreshold, "CVE-2099-0005": BelowThreshold},
		},
		{
			name: "threshold LOW", policy: Policy{Threshold: SeverityLow, Now: testNow},
			reports:      []*Report{imageReport()},
			wantBlocking: []string{"CVE-2099-0003", "CVE-2099-0001", "CVE-2099-0005", "GHSA-xxxx-yyyy-zzzz"},
		},
		{
			name: "ignore-unfixed lets the unfixed HIGH pass", policy: Policy{IgnoreUnfixed: true, Now: testNow},
			reports: []*Report{imageReport()}, wantBlocking: []string{"CVE-2099-0003", "CVE-2099-0001"},
			wantReasons: map[string]Disposition{"CVE-2099-0005": Unfixed},
		},
		{
			name: "ignored and unfixed: everything waived passes",
			policy: Policy{IgnoreUnfixed: true, Now: testNow, Ignore: IgnoreList{
				{ID: "CVE-2099-0001", Line: 1}, {ID: "CVE-2099-0003", Expires: day("2027-07-01"), Line: 2, Comment: "upstream"}}},
			reports: []*Report{imageReport()}, wantPassed: true,
			wantReasons: map[string]Disposition{"CVE-2099-0001": Ignored, "CVE-2099-0003": Ignored, "CVE-2099-0005": Unfixed},
		},
		{
			name: "expired ignore entry blocks again",
			policy: Policy{Threshold: SeverityCritical, Now: testNow, Ignore: IgnoreList{
				{ID: "CVE-2099-0003", Expires: day("2027-06-01"), Line: 1}}},
			reports: []*Report{imageReport()}, wantBlocking: []string{"CVE-2099-0003"},
		},
		{
			name: "source: secret and failed check block; passed check is no finding", policy: Policy{Now: testNow},
			reports: []*Report{sourceReport()}, wantBlocking: []string{"aws-access-key-id", "DS-0002"},
			wantReasons: map[string]Disposition{"DS-0026": BelowThreshold},
		},
		{
			name:    "misconfiguration ignored by its AVD ID; secret by rule ID",
			policy:  Policy{Now: testNow, Ignore: IgnoreList{{ID: "AVD-DS-0002", Line: 1}, {ID: "aws-access-key-id", Line: 2}}},
			reports: []*Report{sourceReport()}, wantPassed: true,
			wantReasons: map[string]Disposition{"DS-0002": Ignored, "aws-access-key-id": Ignored},
		},
		{
			name: "an active alias entry wins over an expired ID entry",
			policy: Policy{Now: testNow, Ignore: IgnoreList{
				{ID: "DS-0002", Expires: day("2027-01-01"), Line: 1}, {ID: "AVD-DS-0002", Line: 2}, {ID: "aws-access-key-id", Line: 3}}},
			reports: []*Report{sourceReport()}, wantPassed: true,
			wantReasons: map[string]Disposition{"DS-0002": Ignored},
		},
		{
			name: "a finding built without severity is UNKNOWN", policy: Policy{Threshold: SeverityUnknown, Now: testNow},
			reports:      []*Report{{ArtifactName: "x", Results: []Result{{Vulnerabilities: []Vulnerability{{VulnerabilityID: "CVE-1"}}}}}},
			wantBlocking: []string{"CVE-1"},
		},
		{
			name: "ignore-unfixed does not apply to secrets", policy: Policy{IgnoreUnfixed: true, Now: testNow},
			reports: []*Report{sourceReport()}, wantBlocking: []string{"aws-access-key-id", "DS-0002"},
		},
		{
			name:    "below threshold wins over an ignore entry",
			policy:  Policy{Now: testNow, Ignore: IgnoreList{{ID: "GHSA-xxxx-yyyy-zzzz", Line: 1}}},
			reports: []*Report{imageReport()}, wantBlocking: []string{"CVE-2099-0003", "CVE-2099-0001", "CVE-2099-0005"},
			wantReasons: map[string]Disposition{"GHSA-xxxx-yyyy-zzzz": BelowThreshold},
		},
		{
			name: "clean reports pass", policy: Policy{Now: testNow},
			reports:    []*Report{{SchemaVersion: 2, ArtifactName: "a"}, {SchemaVersion: 2, ArtifactName: "b", Results: []Result{{Target: "Node.js"}}}},
			wantPassed: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v, err := Evaluate(tt.policy, tt.reports...)
			if err != nil {
				t.Fatal(err)
			}
			if v.Passed != tt.wantPassed {
				t.Errorf("Passed = %v, want %v", v.Passed, tt.wantPassed)
			}
			if got := ids(v.Blocking); !slices.Equal(got, tt.wantBlocking) {
				t.Errorf("blocking = %v, want %v", got, tt.wantBlocking)
			}
			for _, f := range v.Blocking {
				if f.Disposition != Blocking {
					t.Errorf("%s in Blocking has disposition %s", f.ID, f.Disposition)
				}
			}
			got := map[string]Disposition{}
			for _, f := range v.NonBlocking {
				got[f.ID] = f.Disposition
				if f.Disposition == Blocking {
					t.Errorf("%s is blocking but listed as non-blocking", f.ID)
				}
			}
			for id, want := range tt.wantReasons {
				if got[id] != want {
					t.Errorf("%s disposition = %q, want %q", id, got[id], want)
				}
			}
		})
	}
}

func TestEvaluateCountsAndIgnores(t *testing.T) {
	t.Parallel()
	ignore := IgnoreList{
		{ID: "CVE-2099-0001", File: ".trivyignore", Line: 1, Comment: "no exploit path"},
		{ID: "CVE-2099-0003", Expires: day("2027-01-01"), File: ".trivyignore", Line: 2},
		{ID: "CVE-0000-0000", File: ".trivyignore", Line: 3},
	}
	v, err := Evaluate(Policy{Now: testNow, Ignore: ignore}, imageReport(), sourceReport())
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Artifacts) != 2 || v.Artifacts[0].Name != "backend image" || v.Artifacts[1].Name != "source" {
		t.Fatalf("artifacts = %+v", v.Artifacts)
	}
	img, src := v.Artifacts[0], v.Artifacts[1]
	if img.Counts != (Counts{Critical: 1, High: 2, Low: 1}) || img.Vulnerabilities != 4 || img.Blocking != 2 || img.Ignored != 1 {
		t.Errorf("image row = %+v", img)
	}
	if src.Counts != (Counts{Critical: 1, High: 1, Low: 1}) || src.Secrets != 1 || src.Misconfigurations != 2 || src.Blocking != 2 {
		t.Errorf("source row = %+v (a passed check must not count)", src)
	}
	if tot := v.Totals(); tot.Total() != 7 || tot.Of(SeverityCritical) != 2 || tot.Of(Severity(0)) != 0 {
		t.Errorf("totals = %+v", tot)
	}
	if len(v.ExpiredIgnores) != 1 || v.ExpiredIgnores[0].ID != "CVE-2099-0003" {
		t.Errorf("expired = %+v", v.ExpiredIgnores)
	}
	if len(v.UnusedIgnores) != 1 || v.UnusedIgnores[0].ID != "CVE-0000-0000" {
		t.Errorf("unused = %+v", v.UnusedIgnores)
	}
	var minimist Finding
	for _, f := range v.Blocking {
		if f.ID == "CVE-2099-0003" {
			minimist = f
		}
	}
	if minimist.ExpiredIgnore == nil || !strings.Contains(minimist.Reason(), "expired on 2027-01-01") {
		t.Errorf("minimist reason = %q", minimist.Reason())
	}
	// The verdict does not alias the caller's ignore list.
	ignore[0].Comment = "changed"
	for _, f := range v.NonBlocking {
		if f.Ignore != nil && f.Ignore.Comment == "changed" {
			t.Error("verdict shares ignore entries with the policy")
		}
	}
}

func TestEvaluateOrderIsDeterministic(t *testing.T) {
	t.Parallel()
	r := &Report{SchemaVersion: 2, ArtifactName: "x", Results: []Result{{Target: "b", Vulnerabilities: []Vulnerability{
		{VulnerabilityID: "CVE-2", PkgName: "b", Severity: SeverityHigh},
		{VulnerabilityID: "CVE-1", PkgName: "z", Severity: SeverityHigh},
		{VulnerabilityID: "CVE-1", PkgName: "a", Severity: SeverityHigh},
		{VulnerabilityID: "CVE-9", PkgName: "a", Severity: SeverityCritical},
		{VulnerabilityID: "CVE-0", PkgName: "a", Severity: SeverityLow},
	}}}}
	v, err := Evaluate(Policy{Threshold: SeverityLow}, r)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range v.Blocking {
		got = append(got, f.ID+"/"+f.Package)
	}
	want := []string{"CVE-9/a", "CVE-1/a", "CVE-1/z", "CVE-2/b", "CVE-0/a"}
	if !slices.Equal(got, want) {
		t.Errorf("order = %v, want %v", got, want)
	}
}

func TestEvaluateErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		policy  Policy
		reports []*Report
		want    string
	}{
		{"no reports", Policy{}, nil, "no reports"},
		{"nil report", Policy{}, []*Report{nil}, "report 0 is nil"},
		{"bad threshold", Policy{Threshold: 7}, []*Report{imageReport()}, "threshold"},
		{"duplicate labels", Policy{}, []*Report{{ArtifactName: "a"}, {ArtifactName: "a"}}, `two reports are labelled "a"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Evaluate(tt.policy, tt.reports...)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "evaluating scan gate: ") {
				t.Errorf("error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestEvaluateDefaults(t *testing.T) {
	t.Parallel()
	before := time.Now()
	v, err := Evaluate(Policy{}, imageReport())
	if err != nil {
		t.Fatal(err)
	}
	if v.Threshold != SeverityHigh || v.Now.Before(before) {
		t.Errorf("defaults: threshold %v, now %v", v.Threshold, v.Now)
	}
}

func TestWriteMarkdownGolden(t *testing.T) {
	t.Parallel()
	ignore := IgnoreList{
		{ID: "CVE-2099-0001", Expires: day("2027-12-31"), File: ".trivyignore", Line: 2, Comment: "no exploit path in our use"},
		{ID: "CVE-2099-0003", Expires: day("2027-01-01"), File: ".trivyignore", Line: 3, Comment: "was waiting for 1.2.6"},
		{ID: "CVE-0000-0000", File: ".trivyignore", Line: 4},
	}
	many := &Report{SchemaVersion: 2, ArtifactName: "frontend.tar", ArtifactType: "container_image", Name: "frontend image"}
	res := Result{Target: "alpine 3.20"}
	for i := range MaxNonBlockingRows + 3 {
		res.Vulnerabilities = append(res.Vulnerabilities, Vulnerability{
			VulnerabilityID: "CVE-2098-" + string(rune('A'+i/26)) + string(rune('a'+i%26)), PkgName: "busybox", InstalledVersion: "1.36.1-r0", Severity: SeverityLow})
	}
	many.Results = []Result{res}
	tests := []struct {
		name    string
		policy  Policy
		reports []*Report
	}{
		{"failed", Policy{Now: testNow, Ignore: ignore}, []*Report{imageReport(), sourceReport()}},
		{"passed", Policy{Threshold: SeverityCritical, IgnoreUnfixed: true, Now: testNow,
			Ignore: IgnoreList{{ID: "CVE-2099-0003", File: ".trivyignore", Line: 1}, {ID: "aws-access-key-id", File: ".trivyignore", Line: 2, Comment: "test fixture key"}}},
			[]*Report{imageReport(), sourceReport()}},
		{"clean", Policy{Now: testNow}, []*Report{{SchemaVersion: 2, ArtifactName: "backend.tar", ArtifactType: "container_image"}}},
		{"many", Policy{Now: testNow}, []*Report{many}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v, err := Evaluate(tt.policy, tt.reports...)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := v.WriteMarkdown(&buf); err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("testdata", "summary-"+tt.name+".md"), buf.Bytes())
		})
	}
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading golden file (run `go test -run %s -update`): %v", t.Name(), err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run with -update to accept):\n--- got ---\n%s\n--- want ---\n%s", path, got, want)
	}
}

func BenchmarkEvaluate(b *testing.B) {
	r := &Report{SchemaVersion: 2, ArtifactName: "big"}
	res := Result{Target: "debian 12"}
	for i := range 5000 {
		res.Vulnerabilities = append(res.Vulnerabilities, Vulnerability{
			VulnerabilityID: "CVE-2099-" + string(rune('a'+i%26)), PkgName: "pkg" + string(rune('a'+i%17)),
			Severity: Severity(1 + i%5), FixedVersion: map[bool]string{true: "1.0"}[i%2 == 0]})
	}
	r.Results = []Result{res}
	ignore := IgnoreList{{ID: "CVE-2099-a"}, {ID: "CVE-2099-b", Expires: day("2000-01-01")}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Evaluate(Policy{IgnoreUnfixed: true, Ignore: ignore, Now: testNow}, r); err != nil {
			b.Fatal(err)
		}
	}
}
