package publish_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stack-ci/stack/pipelines/publish"
	"github.com/stack-ci/stack/pipelines/report"
	"github.com/stack-ci/stack/pipelines/report/reporttest"
)

func TestGate(t *testing.T) {
	t.Parallel()
	// built is a run whose build passed, with more stages added by f.
	built := func(f func(b *report.Builder), stages ...string) *report.Report {
		b := report.New(report.Source{App: "hivemind"}, report.WithStages(stages...))
		b.AddBuild([]report.Image{{Name: "frontend", Digest: reporttest.FrontendDigest}, {Name: "backend", Digest: reporttest.BackendDigest}}, time.Second)
		if f != nil {
			f(b)
		}
		return b.Report()
	}
	for _, tc := range []struct {
		name   string
		report *report.Report
		// failed are the stages named by the *GateError; nil when Gate
		// approves.
		failed []string
		say    string
		images []string
	}{
		{name: "passing release, publish already reported", report: reporttest.Passing(), images: []string{"backend", "frontend"}},
		{name: "passing, two stages", report: reporttest.Tiny(), images: []string{"web"}},
		{name: "publish not reported yet", report: built(nil, report.StageBuild, report.StagePublish), images: []string{"backend", "frontend"}},
		{name: "a gate skipped on purpose", report: built(func(b *report.Builder) { b.Skip(report.StageScan, "--skip-scan") }, report.StageBuild, report.StageScan), images: []string{"backend", "frontend"}},
		{name: "gates failed", report: reporttest.GatesFailed(), failed: []string{"scan", "budget", "policy", "smoke"}, say: "publishing refused: hivemind did not pass: scan failed, budget failed, policy failed, smoke failed"},
		{name: "build failed", report: reporttest.BuildFailed(), failed: []string{"build", "scan", "budget", "policy", "smoke"}, say: "smoke skipped (blocked by build)"},
		{name: "a stage never reported", report: built(nil, report.StageBuild, report.StageSmoke, report.StagePublish), failed: []string{"smoke"}, say: "smoke error"},
		{name: "a gate blocked", report: built(func(b *report.Builder) { b.Block(report.StageSmoke, "policy") }, report.StageBuild), failed: []string{"smoke"}, say: "smoke skipped (blocked by policy)"},
		{name: "only publish", report: report.New(report.Source{App: "x"}, report.WithStages(report.StagePublish)).Report(), failed: []string{}, say: "the report of x has no stages, so nothing was checked"},
		{name: "no stages", report: report.New(report.Source{}, report.WithStages()).Report(), failed: []string{}, say: "the report of the run has no stages"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a, err := publish.Gate(tc.report)
			if tc.failed == nil {
				if err != nil {
					t.Fatalf("Gate: %v", err)
				}
				if got := a.Images(); !slices.Equal(got, tc.images) {
					t.Errorf("approved images %v, want %v", got, tc.images)
				}
				return
			}
			if a != nil {
				t.Error("Gate approved")
			}
			var gerr *publish.GateError
			if !errors.As(err, &gerr) {
				t.Fatalf("error %v, want a *GateError", err)
			}
			if got := gerr.Names(); !slices.Equal(got, tc.failed) && !(len(got) == 0 && len(tc.failed) == 0) {
				t.Errorf("stages %v, want %v", got, tc.failed)
			}
			if !strings.Contains(err.Error(), tc.say) {
				t.Errorf("error %q does not say %q", err, tc.say)
			}
			// Whatever Gate decides agrees with the report's own verdict on
			// the stages other than publish.
			if tc.report.Passed() {
				t.Error("the report passed but Gate refused it")
			}
		})
	}
}

func TestGateNilReport(t *testing.T) {
	t.Parallel()
	a, err := publish.Gate(nil)
	if a != nil || err == nil || !strings.Contains(err.Error(), "no report") {
		t.Errorf("Gate(nil) = %v, %v", a, err)
	}
}
