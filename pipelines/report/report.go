package report

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/stack-ci/stack/pipelines/budget"
	"github.com/stack-ci/stack/pipelines/smoke"
)

// SchemaVersion is the version of the report.json format this package writes
// and reads. It changes when a field is renamed or removed or changes meaning;
// adding a field does not change it.
const SchemaVersion = 1

// The stage names, in pipeline order (DefaultStages).
const (
	StageBuild   = "build"
	StageScan    = "scan"
	StageBudget  = "budget"
	StagePolicy  = "policy"
	StageSmoke   = "smoke"
	StagePublish = "publish"
)

// DefaultStages returns the stages a run of `check` or `publish` reports, in
// pipeline order: the order Report.Stages is sorted in.
func DefaultStages() []string {
	return []string{StageBuild, StageScan, StageBudget, StagePolicy, StageSmoke, StagePublish}
}

// Status is the outcome of a stage.
type Status string

// The statuses.
const (
	// StatusPassed: the stage ran and its gate passed.
	StatusPassed Status = "passed"
	// StatusFailed: the stage ran and its gate failed (a blocking
	// vulnerability, an image over budget, a build that did not compile…).
	StatusFailed Status = "failed"
	// StatusError: the stage could not run (Trivy could not get its
	// database, the engine lost a container…); Stage.Error says why.
	StatusError Status = "error"
	// StatusSkipped: the stage did not run, either because it was not asked
	// for (it does not count against the run) or because stages it needs
	// failed (Stage.BlockedBy names them; the run did not pass).
	StatusSkipped Status = "skipped"
)

// Valid reports whether s is one of the four statuses.
func (s Status) Valid() bool {
	switch s {
	case StatusPassed, StatusFailed, StatusError, StatusSkipped:
		return true
	}
	return false
}

// Report is the record of one pipeline run. Build one with New and Builder,
// or read one with Read.
type Report struct {
	// SchemaVersion is the format version; always SchemaVersion.
	SchemaVersion int
	// ToolVersion names the pipeline that wrote the report, e.g.
	// "stack v0.4.0".
	ToolVersion string
	// Source is what was built.
	Source Source
	// Started and Finished bound the run.
	Started, Finished time.Time
	// Images are the images of the run, sorted by name, with what the
	// stages learnt about each (digest from the build, sizes from the
	// budget stage, the pushed reference from publish).
	Images []Image
	// Stages are in pipeline order (DefaultStages, then others by name).
	Stages []Stage
	// Scan is the Trivy gate's verdict; nil when the scan did not run.
	Scan *Scan
	// Budget is the size budgets' evaluation; nil when it did not run.
	Budget *Budget
	// Policy is the image policy's outcome; nil when it did not run.
	Policy *Policy
	// Smoke is the smoke checks' results, in check order.
	Smoke smoke.Results
	// Publish says what was pushed; nil when nothing was.
	Publish *Publish
	// Notes are remarks for people (a tag that was not made and why…).
	Notes []string
}

// Source is what a run built.
type Source struct {
	// App is the application's name, e.g. "hivemind".
	App string `json:"app"`
	// Revision is the commit, e.g. "860c1904a1ce19322e91d8b2fd1f2a2d8a3e0f4b".
	Revision string `json:"revision,omitempty"`
	// Ref is the git ref, e.g. "refs/heads/main" or "refs/tags/v1.2.3".
	Ref string `json:"ref,omitempty"`
}

// Image is one image of the run.
type Image struct {
	// Name is the image's name in the stack, e.g. "frontend".
	Name string `json:"name"`
	// Digest is the manifest digest, "sha256:…"; empty when it was not
	// built.
	Digest string `json:"digest,omitempty"`
	// Ref is the first reference it was pushed as, e.g.
	// "ghcr.io/acme/hivemind-frontend:1.2.3@sha256:…"; empty when not
	// pushed.
	Ref string `json:"ref,omitempty"`
	// Platform is e.g. "linux/amd64".
	Platform string `json:"platform,omitempty"`
	// Compressed and Uncompressed are its sizes (see budget.Measurement);
	// zero when it was not measured.
	Compressed   budget.Size `json:"compressed_bytes,omitempty"`
	Uncompressed budget.Size `json:"uncompressed_bytes,omitempty"`
	// Error is why it could not be built; empty when it was.
	Error string `json:"error,omitempty"`
}

// Stage is the outcome of one stage.
type Stage struct {
	// Name is one of the Stage… constants (or another stage of ci/).
	Name string `json:"name"`
	// Status is the outcome.
	Status Status `json:"status"`
	// Duration is how long it ran (whole milliseconds); zero when skipped.
	Duration time.Duration `json:"-"`
	// Summary says the outcome in one line, with numbers.
	Summary string `json:"summary"`
	// Error is what went wrong, in full (a build's output, Trivy's
	// message), when the stage failed with an error or could not run.
	Error string `json:"error,omitempty"`
	// BlockedBy names the stages whose failure kept this one from running
	// (Status skipped).
	BlockedBy []string `json:"blocked_by,omitempty"`
}

// OK reports whether the stage does not fail the run: it passed, or it was
// skipped without being blocked by another stage.
func (s Stage) OK() bool {
	return s.Status == StatusPassed || (s.Status == StatusSkipped && len(s.BlockedBy) == 0)
}

// Passed reports whether the run passed: at least one stage, and every stage
// OK. It is derived from the stages each time; nothing stores it.
func (r *Report) Passed() bool {
	if r == nil || len(r.Stages) == 0 {
		return false
	}
	for _, s := range r.Stages {
		if !s.OK() {
			return false
		}
	}
	return true
}

// Stage returns the named stage.
func (r *Report) Stage(name string) (Stage, bool) {
	for _, s := range r.Stages {
		if s.Name == name {
			return s, true
		}
	}
	return Stage{}, false
}

// Image returns the named image.
func (r *Report) Image(name string) (Image, bool) {
	for _, im := range r.Images {
		if im.Name == name {
			return im, true
		}
	}
	return Image{}, false
}

// Duration is how long the run took (zero when Finished is not after
// Started).
func (r *Report) Duration() time.Duration {
	if r.Finished.Before(r.Started) {
		return 0
	}
	return r.Finished.Sub(r.Started)
}

// Tally counts the stages by status.
type Tally struct {
	// Passed, Failed, Errors and Skipped count the stages of each status;
	// Blocked counts the skipped ones that were blocked by another stage.
	Passed, Failed, Errors, Skipped, Blocked int
}

// Tally counts the stages by status.
func (r *Report) Tally() Tally {
	var t Tally
	for _, s := range r.Stages {
		switch s.Status {
		case StatusPassed:
			t.Passed++
		case StatusFailed:
			t.Failed++
		case StatusError:
			t.Errors++
		case StatusSkipped:
			t.Skipped++
			if len(s.BlockedBy) > 0 {
				t.Blocked++
			}
		}
	}
	return t
}

// String lists the non-zero counts, e.g. "5 passed, 1 skipped".
func (t Tally) String() string {
	var parts []string
	add := func(n int, what string) {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, what))
		}
	}
	add(t.Passed, "passed")
	add(t.Failed, "failed")
	if t.Errors == 1 {
		parts = append(parts, "1 error")
	} else {
		add(t.Errors, "errors")
	}
	add(t.Skipped, "skipped")
	if len(parts) == 0 {
		return "no stages"
	}
	return strings.Join(parts, ", ")
}

// Headline says the outcome in one line, e.g. "hivemind passed: 5 passed,
// 1 skipped in 3m12s" or "hivemind failed (build failed, scan error): 4
// skipped, 1 error, 1 failed in 2m05s".
func (r *Report) Headline() string {
	app := r.Source.App
	if app == "" {
		app = "pipeline"
	}
	t := r.Tally()
	var b strings.Builder
	b.WriteString(app)
	if r.Passed() {
		b.WriteString(" passed: ")
	} else {
		b.WriteString(" failed")
		var bad []string
		for _, s := range r.Stages {
			if s.Status == StatusFailed || s.Status == StatusError {
				bad = append(bad, s.Name+" "+string(s.Status))
			}
		}
		if len(bad) > 0 {
			b.WriteString(" (" + strings.Join(bad, ", ") + ")")
		}
		b.WriteString(": ")
	}
	b.WriteString(t.String())
	if d := r.Duration(); d > 0 {
		b.WriteString(" in " + formatDuration(d))
	}
	return b.String()
}

// stageRank orders stages: DefaultStages first, in pipeline order, then the
// others by name.
func stageRank(name string) int {
	if i := slices.Index(DefaultStages(), name); i >= 0 {
		return i
	}
	return len(DefaultStages())
}

func sortStages(stages []Stage) {
	slices.SortStableFunc(stages, func(a, b Stage) int {
		if ra, rb := stageRank(a.Name), stageRank(b.Name); ra != rb {
			return ra - rb
		}
		return strings.Compare(a.Name, b.Name)
	})
}
