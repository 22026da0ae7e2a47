package report

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/stack-ci/stack/pipelines/budget"
	"github.com/stack-ci/stack/pipelines/policy"
	"github.com/stack-ci/stack/pipelines/scan"
	"github.com/stack-ci/stack/pipelines/smoke"
	"github.com/stack-ci/stack/pipelines/tags"
)

// Builder collects the stages' results as they finish. Its methods are safe
// for concurrent use: each stage's goroutine reports its own result. Each
// Add… method sets the stage's status from the result (a scan passed when
// its verdict passed), so the run's outcome cannot disagree with the
// numbers. A stage reported twice keeps the last result, and the report
// gets a note saying so.
type Builder struct {
	mu     sync.Mutex
	now    func() time.Time
	expect []string
	r      Report
	stages map[string]Stage
	images map[string]*Image
}

// Option configures New.
type Option func(*Builder)

// WithClock sets the clock that stamps Started and Finished (time.Now by
// default), for reproducible reports in tests.
func WithClock(now func() time.Time) Option {
	return func(b *Builder) {
		if now != nil {
			b.now = now
		}
	}
}

// WithToolVersion names the pipeline that writes the report, e.g.
// "stack v0.4.0".
func WithToolVersion(v string) Option {
	return func(b *Builder) { b.r.ToolVersion = v }
}

// WithStages sets the stages the run must report (DefaultStages by
// default): one that never reports is an error in the report, so a stage
// forgotten by ci/ cannot pass silently. Stages not asked for must still be
// reported, with Skip.
func WithStages(names ...string) Option {
	return func(b *Builder) { b.expect = slices.Clone(names) }
}

// New starts the report of a run of src; Started is now.
func New(src Source, opts ...Option) *Builder {
	b := &Builder{
		now:    time.Now,
		expect: DefaultStages(),
		stages: map[string]Stage{},
		images: map[string]*Image{},
	}
	for _, o := range opts {
		if o != nil {
			o(b)
		}
	}
	b.r.SchemaVersion = SchemaVersion
	b.r.Source = src
	b.r.Started = b.now().UTC()
	return b
}

// AddBuild reports the build stage: one Image per image, with Error set for
// one that failed (its build output, or the end of it). The stage passed
// when every image was built.
func (b *Builder) AddBuild(images []Image, took time.Duration) {
	st := Stage{Name: StageBuild, Duration: took}
	var built, failed []string
	var errs []string
	for _, im := range images {
		if im.Error != "" {
			failed = append(failed, im.Name)
			errs = append(errs, im.Name+": "+im.Error)
		} else {
			built = append(built, im.Name)
		}
	}
	switch {
	case len(images) == 0:
		st.Status, st.Summary, st.Error = StatusError, "no images were built", "the build stage reported no images"
	case len(failed) == 0:
		st.Status = StatusPassed
		st.Summary = fmt.Sprintf("%s built: %s", plural(len(built), "image"), strings.Join(built, ", "))
	default:
		st.Status = StatusFailed
		st.Summary = strings.Join(failed, ", ") + " failed to build"
		if len(built) > 0 {
			st.Summary += "; built: " + strings.Join(built, ", ")
		}
		st.Error = strings.Join(errs, "\n\n")
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, im := range images {
		b.mergeImage(im)
	}
	b.setStage(st)
}

// AddScan reports the scan stage from the Trivy gate's verdict.
func (b *Builder) AddScan(v scan.Verdict, took time.Duration) {
	s := FromVerdict(v)
	st := Stage{Name: StageScan, Duration: took, Status: StatusPassed}
	total := s.Totals().Total()
	if !s.Passed {
		st.Status = StatusFailed
		var bc Counts
		for _, f := range s.Blocking {
			bc.count(f.Severity)
		}
		st.Summary = fmt.Sprintf("%s (%s) of %d in %s", plural(len(s.Blocking), "blocking finding"),
			severityList(bc), total, plural(len(s.Artifacts), "artifact"))
	} else if total == 0 {
		st.Summary = fmt.Sprintf("no findings in %s", plural(len(s.Artifacts), "artifact"))
	} else {
		st.Summary = fmt.Sprintf("nothing blocks: %s in %s (%s)",
			plural(total, "finding"), plural(len(s.Artifacts), "artifact"), nonBlockingReasons(s))
	}
	if n := len(s.ExpiredIgnores); n > 0 {
		st.Summary += fmt.Sprintf("; %s expired", plural(n, "ignore entry"))
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.r.Scan = s
	b.setStage(st)
}

// AddBudget reports the budget stage from the evaluation and the
// measurements it was made from (keyed by image name; nil, or missing
// images, are fine: the images then have no sizes and no breakdown).
func (b *Builder) AddBudget(e budget.Evaluation, measured map[string]*budget.Measurement, took time.Duration) {
	bu := FromEvaluation(e, measured)
	st := Stage{Name: StageBudget, Duration: took, Status: StatusPassed}
	var failed []string
	for _, r := range append(slices.Clone(bu.Images), bu.Stack) {
		if !r.Passed {
			failed = append(failed, r.Message)
		}
	}
	if !bu.Passed || len(failed) > 0 {
		st.Status = StatusFailed
		if len(failed) == 0 {
			failed = []string{"over budget"}
		}
		st.Summary = failed[0]
		if len(failed) > 1 {
			st.Summary += fmt.Sprintf(" (and %d more)", len(failed)-1)
		}
	} else {
		var parts []string
		for _, r := range append(slices.Clone(bu.Images), bu.Stack) {
			if r.HasBudget {
				parts = append(parts, fmt.Sprintf("%s %s of %s", r.Name, r.Size, r.Budget))
			}
		}
		st.Summary = fmt.Sprintf("within budget (%s)", bu.Metric)
		if len(parts) > 0 {
			st.Summary += ": " + strings.Join(parts, ", ")
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, name := range slices.Sorted(maps.Keys(measured)) {
		m := measured[name]
		if m == nil {
			continue
		}
		b.mergeImage(Image{Name: name, Digest: m.Digest, Platform: m.Platform,
			Compressed: m.Compressed, Uncompressed: m.Uncompressed})
	}
	b.r.Budget = bu
	b.setStage(st)
}

// AddPolicy reports the policy stage from each image's policy report, keyed
// by image name.
func (b *Builder) AddPolicy(reports map[string]policy.Report, took time.Duration) {
	p := FromPolicy(reports)
	st := Stage{Name: StagePolicy, Duration: took, Status: StatusPassed}
	var rules, waived int
	var failed []string
	for _, im := range p.Images {
		for _, r := range im.Rules {
			rules++
			if r.Waived {
				waived++
			}
			if !r.OK() {
				failed = append(failed, im.Image+" "+r.Rule)
			}
		}
	}
	switch {
	case len(p.Images) == 0:
		st.Status, st.Summary = StatusFailed, "no image was checked"
	case !p.Passed:
		st.Status = StatusFailed
		st.Summary = fmt.Sprintf("%s failed: %s", plural(len(failed), "rule"), strings.Join(failed, ", "))
	default:
		st.Summary = fmt.Sprintf("%s passed on %s", plural(rules, "rule check"), plural(len(p.Images), "image"))
		if waived > 0 {
			st.Summary += fmt.Sprintf(" (%d waived)", waived)
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.r.Policy = p
	b.setStage(st)
}

// AddSmoke reports the smoke stage from the checks' results. It passed when
// at least one check ran and every check passed. Check durations are kept to
// the millisecond.
func (b *Builder) AddSmoke(rs smoke.Results, took time.Duration) {
	rs = slices.Clone(rs)
	for i := range rs {
		rs[i].Duration = rs[i].Duration.Round(time.Millisecond)
	}
	st := Stage{Name: StageSmoke, Duration: took, Status: StatusPassed}
	failed := rs.Failed()
	switch {
	case len(rs) == 0:
		st.Status, st.Summary = StatusFailed, "no checks ran"
	case len(failed) > 0:
		st.Status = StatusFailed
		var names []string
		for _, f := range failed {
			names = append(names, f.Name)
		}
		st.Summary = fmt.Sprintf("%d of %s failed: %s", len(failed), plural(len(rs), "check"), strings.Join(names, ", "))
	default:
		st.Summary = fmt.Sprintf("%s passed", plural(len(rs), "check"))
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.r.Smoke = rs
	b.setStage(st)
}

// AddPublish reports the publish stage: the tags computed for the run and
// one Pushed per image (Error set for a push that failed). It passed when
// every image was pushed.
func (b *Builder) AddPublish(t tags.Result, pushed []Pushed, took time.Duration) {
	p := &Publish{Tags: FromTags(t), Images: slices.Clone(pushed)}
	slices.SortFunc(p.Images, func(a, b Pushed) int { return cmp.Compare(a.Image, b.Image) })
	st := Stage{Name: StagePublish, Duration: took, Status: StatusPassed}
	var refs int
	var failed, errs []string
	for i, pu := range p.Images {
		if pu.Refs == nil {
			p.Images[i].Refs = []string{}
		}
		refs += len(pu.Refs)
		if pu.Error != "" {
			failed = append(failed, pu.Image)
			errs = append(errs, pu.Image+": "+pu.Error)
		}
	}
	switch {
	case len(p.Images) == 0:
		st.Status, st.Summary, st.Error = StatusError, "nothing was pushed", "the publish stage reported no images"
	case len(failed) > 0:
		st.Status = StatusFailed
		st.Summary = strings.Join(failed, ", ") + " could not be pushed"
		st.Error = strings.Join(errs, "\n\n")
	default:
		st.Summary = fmt.Sprintf("%s pushed as %s (%s)", plural(len(p.Images), "image"),
			plural(len(p.Tags), "tag"), plural(refs, "reference"))
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, pu := range p.Images {
		im := Image{Name: pu.Image, Digest: pu.Digest}
		if len(pu.Refs) > 0 && pu.Error == "" {
			im.Ref = pu.Refs[0]
		}
		b.mergeImage(im)
	}
	b.r.Publish = p
	b.setStage(st)
}

// AddError reports that a stage could not run, and why: status error, the
// error's text in full, its first line as the summary.
func (b *Builder) AddError(stage string, err error, took time.Duration) {
	text := "the stage failed without saying why"
	if err != nil {
		text = err.Error()
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.setStage(Stage{Name: stage, Status: StatusError, Duration: took, Summary: firstLine(text), Error: text})
}

// Skip reports a stage that was not asked for (publish in a check run): it
// does not count against the run. reason says why, e.g. "check does not
// publish".
func (b *Builder) Skip(stage, reason string) {
	if reason == "" {
		reason = "not requested"
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.setStage(Stage{Name: stage, Status: StatusSkipped, Summary: reason})
}

// Block reports a stage that did not run because the stages named by did
// not pass (smoke tests need the images the build failed to make): the run
// does not pass.
func (b *Builder) Block(stage string, by ...string) {
	by = slices.Clone(by)
	if len(by) == 0 {
		by = []string{"an earlier stage"}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.setStage(Stage{Name: stage, Status: StatusSkipped, BlockedBy: by,
		Summary: "not run: " + strings.Join(by, ", ") + " did not pass"})
}

// AddStage reports a stage this package has no result type for, as given.
// An invalid status is reported as an error.
func (b *Builder) AddStage(s Stage) {
	if !s.Status.Valid() {
		s = Stage{Name: s.Name, Status: StatusError, Duration: s.Duration,
			Summary: fmt.Sprintf("reported with an invalid status %q", s.Status), Error: s.Error}
	}
	if s.Status != StatusSkipped {
		s.BlockedBy = nil
	}
	s.BlockedBy = slices.Clone(s.BlockedBy)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.setStage(s)
}

// Note adds a remark for people, e.g. a tag note from tags.Result.Notes.
func (b *Builder) Note(text string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.r.Notes = append(b.r.Notes, text)
}

// Report returns the report as it stands, with Finished now. An expected
// stage (WithStages) that has not reported is an error in it. The Builder
// stays usable; later results go into the next Report.
func (b *Builder) Report() *Report {
	b.mu.Lock()
	defer b.mu.Unlock()
	r := b.r
	r.Finished = b.now().UTC()
	r.Notes = slices.Clone(b.r.Notes)
	r.Stages = []Stage{}
	for _, s := range b.stages {
		s.BlockedBy = slices.Clone(s.BlockedBy)
		r.Stages = append(r.Stages, s)
	}
	for _, name := range b.expect {
		if _, ok := b.stages[name]; !ok && name != "" {
			r.Stages = append(r.Stages, Stage{Name: name, Status: StatusError,
				Summary: "did not report", Error: "the stage never reported a result: the run was interrupted, or ci/ does not report it"})
		}
	}
	sortStages(r.Stages)
	r.Images = []Image{}
	for _, name := range slices.Sorted(maps.Keys(b.images)) {
		r.Images = append(r.Images, *b.images[name])
	}
	return &r
}

// setStage records s; b.mu is held.
func (b *Builder) setStage(s Stage) {
	if s.Name == "" {
		b.r.Notes = append(b.r.Notes, fmt.Sprintf("a stage without a name reported %s (%s); it was left out", s.Status, s.Summary))
		return
	}
	if s.Duration < 0 {
		s.Duration = 0
	}
	s.Duration = s.Duration.Round(time.Millisecond)
	s.Summary = firstLine(s.Summary)
	if len(s.BlockedBy) == 0 {
		s.BlockedBy = nil
	}
	if old, ok := b.stages[s.Name]; ok {
		b.r.Notes = append(b.r.Notes, fmt.Sprintf("stage %s reported twice (%s, then %s); the last result is kept", s.Name, old.Status, s.Status))
	}
	b.stages[s.Name] = s
}

// mergeImage adds what im says to the image of its name; b.mu is held.
func (b *Builder) mergeImage(im Image) {
	if im.Name == "" {
		return
	}
	cur, ok := b.images[im.Name]
	if !ok {
		cur = &Image{Name: im.Name}
		b.images[im.Name] = cur
	}
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&cur.Digest, im.Digest)
	set(&cur.Ref, im.Ref)
	set(&cur.Platform, im.Platform)
	set(&cur.Error, im.Error)
	if im.Compressed > 0 {
		cur.Compressed = im.Compressed
	}
	if im.Uncompressed > 0 {
		cur.Uncompressed = im.Uncompressed
	}
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if strings.HasSuffix(noun, "y") {
		return fmt.Sprintf("%d %sies", n, strings.TrimSuffix(noun, "y"))
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// severityList writes the non-zero counts, most severe first, e.g.
// "1 CRITICAL, 2 HIGH".
func severityList(c Counts) string {
	var parts []string
	for _, p := range []struct {
		n    int
		name string
	}{{c.Critical, "CRITICAL"}, {c.High, "HIGH"}, {c.Medium, "MEDIUM"}, {c.Low, "LOW"}, {c.Unknown, "UNKNOWN"}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", p.n, p.name))
		}
	}
	return strings.Join(parts, ", ")
}

// MaxSummary bounds a stage's Summary, in runes; Error keeps the full text.
const MaxSummary = 160

// firstLine is the first line of s, cut to MaxSummary runes, with "…" when
// something was left out.
func firstLine(s string) string {
	s = strings.TrimSpace(s)
	line, rest, _ := strings.Cut(s, "\n")
	line = strings.TrimSpace(line)
	if utf8.RuneCountInString(line) > MaxSummary {
		return truncate(line, MaxSummary)
	}
	if strings.TrimSpace(rest) != "" {
		return line + " …"
	}
	return line
}

// nonBlockingReasons says why findings did not block, e.g. "6 below HIGH,
// 1 ignored".
func nonBlockingReasons(s *Scan) string {
	nb := s.NonBlocking
	var why []string
	if nb.BelowThreshold > 0 {
		why = append(why, fmt.Sprintf("%d below %s", nb.BelowThreshold, s.Threshold))
	}
	if nb.Ignored > 0 {
		why = append(why, fmt.Sprintf("%d ignored", nb.Ignored))
	}
	if nb.Unfixed > 0 {
		why = append(why, fmt.Sprintf("%d without a fix", nb.Unfixed))
	}
	return strings.Join(why, ", ")
}
