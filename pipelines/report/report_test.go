package report_test

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stack-ci/stack/pipelines/budget"
	"github.com/stack-ci/stack/pipelines/report"
	"github.com/stack-ci/stack/pipelines/report/reporttest"
	"github.com/stack-ci/stack/pipelines/smoke"
	"github.com/stack-ci/stack/pipelines/tags"
)

func TestPassedIsDerivedFromStages(t *testing.T) {
	t.Parallel()
	st := func(name string, s report.Status, blockedBy ...string) report.Stage {
		return report.Stage{Name: name, Status: s, BlockedBy: blockedBy}
	}
	tests := []struct {
		name   string
		stages []report.Stage
		want   bool
	}{
		{"no stages", nil, false},
		{"all passed", []report.Stage{st("build", report.StatusPassed), st("scan", report.StatusPassed)}, true},
		{"skipped, not asked for", []report.Stage{st("build", report.StatusPassed), st("publish", report.StatusSkipped)}, true},
		{"skipped, blocked by a failure", []report.Stage{st("build", report.StatusPassed), st("smoke", report.StatusSkipped, "scan")}, false},
		{"one failed", []report.Stage{st("build", report.StatusPassed), st("scan", report.StatusFailed)}, false},
		{"one error", []report.Stage{st("build", report.StatusPassed), st("scan", report.StatusError)}, false},
		{"only skipped", []report.Stage{st("publish", report.StatusSkipped)}, true},
		{"unknown status", []report.Stage{st("build", "green")}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := &report.Report{Stages: tt.stages}
			if got := r.Passed(); got != tt.want {
				t.Errorf("Passed() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestFixtureStatuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		r      *report.Report
		passed bool
		want   string
	}{
		{"passing", reporttest.Passing(), true, "build=passed scan=passed budget=passed policy=passed smoke=passed publish=passed"},
		{"build failed", reporttest.BuildFailed(), false, "build=failed scan=error budget=skipped(build) policy=skipped(build) smoke=skipped(build) publish=skipped"},
		{"gates failed", reporttest.GatesFailed(), false, "build=passed scan=failed budget=failed policy=failed smoke=failed publish=skipped(scan,budget,policy,smoke)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got []string
			for _, s := range tt.r.Stages {
				g := s.Name + "=" + string(s.Status)
				if len(s.BlockedBy) > 0 {
					g += "(" + strings.Join(s.BlockedBy, ",") + ")"
				}
				got = append(got, g)
			}
			if g := strings.Join(got, " "); g != tt.want {
				t.Errorf("stages:\n got %s\nwant %s", g, tt.want)
			}
			if tt.r.Passed() != tt.passed {
				t.Errorf("Passed() = %v, want %v", tt.r.Passed(), tt.passed)
			}
		})
	}
}

func TestBuilderConcurrentStages(t *testing.T) {
	t.Parallel()
	// Every stage reports from its own goroutine, in any order; the report
	// comes out the same, in pipeline order.
	for range 20 {
		b := report.New(report.Source{App: "app"})
		var wg sync.WaitGroup
		wg.Go(func() {
			b.AddBuild([]report.Image{{Name: "frontend", Digest: "sha256:aa"}, {Name: "backend", Digest: "sha256:bb"}}, time.Second)
		})
		wg.Go(func() {
			b.AddSmoke(smoke.Results{{Name: "spa-index", Passed: true}}, time.Second)
		})
		wg.Go(func() {
			m := map[string]*budget.Measurement{"frontend": {Uncompressed: 10 * budget.MB}, "backend": {Uncompressed: 20 * budget.MB}}
			b.AddBudget(budget.Evaluate(budget.DefaultBudgets(budget.Uncompressed), m), m, time.Second)
		})
		wg.Go(func() { b.AddError(report.StageScan, errors.New("trivy failed"), time.Second) })
		wg.Go(func() { b.Skip(report.StagePublish, "") })
		wg.Go(func() { b.Block(report.StagePolicy, report.StageScan) })
		wg.Go(func() { b.Note("a note") })
		wg.Wait()
		r := b.Report()
		var names []string
		for _, s := range r.Stages {
			names = append(names, s.Name+"="+string(s.Status))
		}
		if got, want := strings.Join(names, " "), "build=passed scan=error budget=passed policy=skipped smoke=passed publish=skipped"; got != want {
			t.Fatalf("stages:\n got %s\nwant %s", got, want)
		}
		if len(r.Images) != 2 || r.Images[0].Name != "backend" || r.Images[0].Uncompressed != 20*budget.MB || r.Images[1].Digest != "sha256:aa" {
			t.Fatalf("images not merged: %+v", r.Images)
		}
		if r.Passed() {
			t.Fatal("a run with a scan error passed")
		}
	}
}

func TestBuilderExpectedStageMissing(t *testing.T) {
	t.Parallel()
	b := report.New(report.Source{App: "app"})
	b.AddBuild([]report.Image{{Name: "web", Digest: "sha256:aa"}}, time.Second)
	r := b.Report()
	if r.Passed() {
		t.Fatal("a run whose scan, budget, policy, smoke and publish never reported passed")
	}
	s, ok := r.Stage(report.StageSmoke)
	if !ok || s.Status != report.StatusError || !strings.Contains(s.Error, "never reported") {
		t.Errorf("smoke = %+v, %v; want an error saying it never reported", s, ok)
	}

	b = report.New(report.Source{App: "app"}, report.WithStages(report.StageBuild))
	b.AddBuild([]report.Image{{Name: "web", Digest: "sha256:aa"}}, time.Second)
	if r := b.Report(); !r.Passed() || len(r.Stages) != 1 {
		t.Errorf("WithStages(build): passed=%v stages=%+v, want passed with one stage", r.Passed(), r.Stages)
	}
}

func TestBuilderStageReportedTwice(t *testing.T) {
	t.Parallel()
	b := report.New(report.Source{}, report.WithStages(report.StageSmoke))
	b.AddSmoke(smoke.Results{{Name: "a", Passed: false}}, time.Second)
	b.AddSmoke(smoke.Results{{Name: "a", Passed: true}}, time.Second)
	r := b.Report()
	if !r.Passed() {
		t.Error("the last result (passed) was not kept")
	}
	if len(r.Notes) != 1 || !strings.Contains(r.Notes[0], "reported twice") {
		t.Errorf("notes = %q, want one saying the stage reported twice", r.Notes)
	}
}

func TestBuilderStageResults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		add         func(b *report.Builder)
		stage       string
		wantStatus  report.Status
		wantSummary string
	}{
		{"build with no images", func(b *report.Builder) { b.AddBuild(nil, time.Second) }, report.StageBuild, report.StatusError, "no images were built"},
		{"one image failed", func(b *report.Builder) {
			b.AddBuild([]report.Image{{Name: "a", Digest: "sha256:1"}, {Name: "b", Error: "exit 1"}}, time.Second)
		}, report.StageBuild, report.StatusFailed, "b failed to build; built: a"},
		{"no smoke checks", func(b *report.Builder) { b.AddSmoke(nil, time.Second) }, report.StageSmoke, report.StatusFailed, "no checks ran"},
		{"nothing pushed", func(b *report.Builder) { b.AddPublish(reporttestTags(), nil, time.Second) }, report.StagePublish, report.StatusError, "nothing was pushed"},
		{"a push failed", func(b *report.Builder) {
			b.AddPublish(reporttestTags(), []report.Pushed{{Image: "a", Refs: []string{"r/a:1"}}, {Image: "b", Error: "denied: permission_denied\nmore"}}, time.Second)
		}, report.StagePublish, report.StatusFailed, "b could not be pushed"},
		{"error without an error", func(b *report.Builder) { b.AddError(report.StageScan, nil, time.Second) }, report.StageScan, report.StatusError, "the stage failed without saying why"},
		{"multi-line error", func(b *report.Builder) { b.AddError(report.StageScan, errors.New("line one\nline two"), time.Second) }, report.StageScan, report.StatusError, "line one …"},
		{"long error", func(b *report.Builder) {
			b.AddError(report.StageScan, errors.New(strings.Repeat("x", 300)), time.Second)
		}, report.StageScan, report.StatusError, strings.Repeat("x", report.MaxSummary-1) + "…"},
		{"custom stage, invalid status", func(b *report.Builder) { b.AddStage(report.Stage{Name: "sbom", Status: "ok"}) }, "sbom", report.StatusError, `reported with an invalid status "ok"`},
		{"no policy reports", func(b *report.Builder) { b.AddPolicy(nil, time.Second) }, report.StagePolicy, report.StatusFailed, "no image was checked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := report.New(report.Source{}, report.WithStages())
			tt.add(b)
			s, ok := b.Report().Stage(tt.stage)
			if !ok {
				t.Fatalf("stage %s missing", tt.stage)
			}
			if s.Status != tt.wantStatus || s.Summary != tt.wantSummary {
				t.Errorf("got %s %q, want %s %q", s.Status, s.Summary, tt.wantStatus, tt.wantSummary)
			}
		})
	}
}

func TestJSONRoundTrip(t *testing.T) {
	t.Parallel()
	for name, r := range fixtures() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			if err := r.WriteJSON(&buf); err != nil {
				t.Fatal(err)
			}
			got, err := report.Read(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatalf("Read(WriteJSON(r)): %v", err)
			}
			if !reflect.DeepEqual(got, r) {
				t.Errorf("round trip changed the report:\n got %+v\nwant %+v", got, r)
			}
			if got.Passed() != r.Passed() {
				t.Errorf("passed %v after the round trip, %v before", got.Passed(), r.Passed())
			}
		})
	}
}

func TestReadRejects(t *testing.T) {
	t.Parallel()
	var good bytes.Buffer
	if err := reporttest.GatesFailed().WriteJSON(&good); err != nil {
		t.Fatal(err)
	}
	edit := func(old, new string) string {
		if !strings.Contains(good.String(), old) {
			t.Fatalf("fixture has no %q", old)
		}
		return strings.Replace(good.String(), old, new, 1)
	}
	tests := []struct {
		name    string
		in      string
		want    error
		message string
	}{
		{"empty", "", report.ErrNotReport, "empty input"},
		{"spaces", " \n\t", report.ErrNotReport, "empty input"},
		{"array", "[1,2]", report.ErrNotReport, "not a JSON object"},
		{"not JSON", "PASSED hivemind", report.ErrNotReport, "not a JSON object"},
		{"truncated", `{"schema_version": 1, "stages": [`, report.ErrNotReport, "unexpected end of JSON input"},
		{"trailing data", `{"schema_version": 1, "stages": []} {}`, report.ErrNotReport, "invalid character"},
		{"a Trivy report", `{"SchemaVersion": 2, "ArtifactName": "backend.tar", "Results": []}`, report.ErrNotReport, "no schema_version or stages"},
		{"no stages", `{"schema_version": 1}`, report.ErrNotReport, "no schema_version or stages"},
		{"another schema", `{"schema_version": 2, "stages": []}`, report.ErrUnsupportedSchema, "schema_version 2, this tool reads 1"},
		{"schema as string", `{"schema_version": "1", "stages": []}`, report.ErrNotReport, "cannot unmarshal string"},
		{"unknown status", edit(`"status": "passed"`, `"status": "green"`), report.ErrInvalid, `stage "build" has status "green"`},
		{"passed that the stages deny", edit(`"passed": false,`, `"passed": true,`), report.ErrInvalid, "says passed=true but its stages say false"},
		{"stage twice", edit(`"name": "scan",`, `"name": "build",`), report.ErrInvalid, `stage "build" appears twice`},
		{"image without a name", edit(`"name": "backend",`, `"name": "",`), report.ErrInvalid, "image 1 has no name"},
		{"negative duration", edit(`"duration_ms": 88730`, `"duration_ms": -1`), report.ErrInvalid, "duration_ms -1 is out of range"},
		{"blocked but passed", edit(`"status": "passed"`, `"status": "passed", "blocked_by": ["x"]`), report.ErrInvalid, `stage "build" is passed but blocked by [x]`},
		{"wrong type", edit(`"images": [`, `"images": "x", "ignored": [`), report.ErrInvalid, "cannot unmarshal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := report.Read(strings.NewReader(tt.in))
			if err == nil {
				t.Fatalf("Read accepted it: %+v", r)
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("error %q does not wrap %q", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.message) || !strings.HasPrefix(err.Error(), "reading report: ") {
				t.Errorf("error %q, want it to start with %q and say %q", err, "reading report: ", tt.message)
			}
		})
	}
}

func TestReadIgnoresUnknownFields(t *testing.T) {
	t.Parallel()
	r, err := report.Read(strings.NewReader(`{"schema_version": 1, "stages": [{"name": "build", "status": "passed", "duration_ms": 5, "summary": "ok", "new_field": 3}], "sbom": {}}`))
	if err != nil {
		t.Fatal(err)
	}
	if !r.Passed() || r.Stages[0].Duration != 5*time.Millisecond {
		t.Errorf("got %+v", r)
	}
}

func TestReadFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	missing := filepath.Join(dir, "out", "report.json")
	_, err := report.ReadFile(missing)
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("ReadFile(missing) = %v, want a not-exist error naming the path", err)
	}
	notReport := filepath.Join(dir, "trivy.json")
	if err := os.WriteFile(notReport, []byte(`{"SchemaVersion": 2, "ArtifactName": "x"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = report.ReadFile(notReport)
	if want := fmt.Sprintf("reading report %q: no schema_version or stages field: not a pipeline report", notReport); err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("ReadFile(trivy.json) = %v, want %q…", err, want)
	}
	good := filepath.Join(dir, "report.json")
	var buf bytes.Buffer
	if err := reporttest.Passing().WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(good, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if r, err := report.ReadFile(good); err != nil || !r.Passed() {
		t.Errorf("ReadFile(good) = %v, %v", r, err)
	}
}

func TestHeadline(t *testing.T) {
	t.Parallel()
	tests := []struct {
		r    *report.Report
		want string
	}{
		{reporttest.Passing(), "hivemind passed: 6 passed in 3m12s"},
		{reporttest.BuildFailed(), "hivemind failed (build failed, scan error): 1 failed, 1 error, 4 skipped in 2m05s"},
		{&report.Report{}, "pipeline failed: no stages"},
	}
	for _, tt := range tests {
		if got := tt.r.Headline(); got != tt.want {
			t.Errorf("Headline() = %q, want %q", got, tt.want)
		}
	}
}

func TestRedact(t *testing.T) {
	t.Parallel()
	r := reporttest.GatesFailed()
	secrets := r.SecretLike()
	if want := []string{reporttest.DatabasePassword}; !reflect.DeepEqual(secrets, want) {
		t.Fatalf("SecretLike() = %q, want %q", secrets, want)
	}
	red := r.Redact(append(secrets, "", "Xj3kQ9zR2b\nsecond line")...)
	var before, after bytes.Buffer
	if err := r.WriteJSON(&before); err != nil {
		t.Fatal(err)
	}
	if err := red.WriteJSON(&after); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(before.String(), reporttest.DatabasePassword) {
		t.Fatal("Redact changed the original report")
	}
	for _, s := range []string{reporttest.DatabasePassword, "Xj3kQ9zR2b"} {
		if strings.Contains(after.String(), s) {
			t.Errorf("redacted report still holds %q", s)
		}
	}
	if !strings.Contains(after.String(), "postgres://app:***@postgres:5432/app") {
		t.Errorf("redacted report does not show the URL with *** in place of the password")
	}
	if red.Passed() != r.Passed() || len(red.Stages) != len(r.Stages) || red.Started != r.Started {
		t.Error("Redact changed more than text")
	}
}

func TestSecretLike(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text string
		want []string
	}{
		{"connect postgres://app:hunter2-long@db/app failed", []string{"hunter2-long"}},
		{"connect postgres://app:app@db/app failed", nil}, // too short to mask a whole log for
		{"redis://:very-long-pass@cache:6379/0 and https://user@host/x and https://host/@a:b-long-long@c", []string{"very-long-pass"}},
		{"git@github.com:acme/hivemind.git, https://example.com/a?x=1", nil},
		{"token ghp_" + strings.Repeat("a1B2", 9) + " refused", []string{"ghp_" + strings.Repeat("a1B2", 9)}},
		{"//registry.npmjs.org/:_authToken=npm_" + strings.Repeat("Ab3", 12), []string{"npm_" + strings.Repeat("Ab3", 12)}},
		{"key AKIAIOSFODNN7EXAMPLE in env", []string{"AKIAIOSFODNN7EXAMPLE"}},
		{"Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc", []string{"eyJhbGciOiJIUzI1NiJ9.e30.abc"}},
		{"PGPASSWORD=correct-horse npm run migrate", []string{"correct-horse"}},
		{"DB_PASSWORD=$DB_PASSWORD and API_TOKEN=*** and SECRET=<redacted>", nil},
		{"value looks like a URL with a password (42 characters, redacted)", nil},
		{"token: expired", nil},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			t.Parallel()
			r := &report.Report{Notes: []string{tt.text}}
			if got := r.SecretLike(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("SecretLike() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestMaskValues(t *testing.T) {
	t.Parallel()
	got := report.MaskValues("", "  ", "abc", "line1\nline2", "abc")
	want := []string{"line1\nline2", "line1", "line2", "abc"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("MaskValues = %q, want %q", got, want)
	}
}

func fixtures() map[string]*report.Report {
	return map[string]*report.Report{
		"passing":      reporttest.Passing(),
		"build-failed": reporttest.BuildFailed(),
		"gates-failed": reporttest.GatesFailed(),
	}
}

func reporttestTags() tags.Result {
	return tags.Result{Tags: []tags.Tag{{Name: "1.0.0", Kind: tags.KindSemver, Reason: "git tag v1.0.0"}}, Version: "1.0.0"}
}
