// Package gha shows a pipeline report (package report) in GitHub Actions:
// step outputs, the job summary, annotations and collapsible log groups,
// through github.com/sethvargo/go-githubactions.
//
// Dagger module functions run inside the engine and cannot write the
// runner's files, so the workflow runs, on the runner, after the check step:
//
//	go run ./cmd/stack-gha --report out/report.json
//
// which is Run, which reads the report and calls Emit.
//
// # Step outputs
//
// Every output is always set, empty when it does not apply, so workflows
// can rely on the names. Lists are newline-separated (as docker/metadata-action's
// tags and labels outputs), written with the heredoc syntax GitHub documents
// for multi-line values; `contains(steps.x.outputs.tags, '1.4.0')` and a
// shell `while read` loop both work on them.
//
//	passed             "true" or "false"
//	summary            the one-line headline, e.g. "hivemind passed: 6 passed in 3m12s"
//	failed-stages      stages that failed, errored or were blocked, one a line
//	blocking-findings  the number of blocking scan findings ("0" when the scan did not run)
//	images             the image names, one a line
//	tags               the tags pushed, most specific first, one a line
//	refs               every reference pushed (all images), one a line
//	<image>-digest     the image's manifest digest, e.g. frontend-digest
//	<image>-ref        the first reference it was pushed as (with its digest)
//	<image>-refs       every reference it was pushed as, one a line
//
// Image names come from the report; in an output name they are lowercased,
// and any character other than a-z, 0-9, "_" and "-" becomes "-".
//
// # Annotations
//
// An error annotation for each stage that could not run, each image that
// did not build or push, each failed policy rule, each size budget overrun,
// each failed smoke check and each blocking scan finding (these last, as
// they can be many), at most MaxAnnotations, the last one then saying how
// many more there are. A warning for each expired .trivyignore entry, a
// notice for each waived policy rule and each note.
//
// # Secrets
//
// Values given with WithMasks, and anything in the report that looks like a
// credential (report.SecretLike), are registered with ::add-mask:: before
// anything else is printed and replaced by "***" in everything Emit writes:
// outputs, summary, annotations and logs. The report's text is printed
// between ::stop-commands:: markers, so a line of build output cannot act
// as a workflow command.
package gha

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/sethvargo/go-githubactions"

	"github.com/stack-ci/stack/pipelines/report"
)

// MaxAnnotations is the default cap on the annotations of one level.
// GitHub shows at most 10 error and 10 warning annotations of a step in the
// run's summary, and 50 in all on the job; the rest are in the job summary.
const MaxAnnotations = 50

// MaxSummaryBytes is the most Emit writes to the job summary: GitHub refuses
// a step summary over 1 MiB. A longer one is cut at a line, with a note.
const MaxSummaryBytes = 1000 * 1000

// delimiter is the heredoc delimiter go-githubactions writes multi-line
// values with; a value that holds it would end early.
const delimiter = "_GitHubActionsFileCommandDelimeter_"

// The outputs that do not depend on the images.
const (
	OutputPassed       = "passed"
	OutputSummary      = "summary"
	OutputFailedStages = "failed-stages"
	OutputBlocking     = "blocking-findings"
	OutputImages       = "images"
	OutputTags         = "tags"
	OutputRefs         = "refs"
)

// Option configures Emit.
type Option func(*options)

type options struct {
	masks []string
	max   int
	token func() string
}

// WithMasks adds values to mask: registered with ::add-mask:: and replaced
// by "***" in everything Emit writes. Empty values are ignored.
func WithMasks(values ...string) Option {
	return func(o *options) { o.masks = append(o.masks, values...) }
}

// WithMaxAnnotations caps the annotations of each level (MaxAnnotations by
// default; at least 1).
func WithMaxAnnotations(n int) Option {
	return func(o *options) { o.max = max(n, 1) }
}

// Output is one step output.
type Output struct {
	// Name is the output's name, e.g. "frontend-digest"; Value its value,
	// lines separated by "\n".
	Name, Value string
}

// OutputName turns an image name into the prefix of its outputs:
// lowercased, any character other than a-z, 0-9, "_" and "-" replaced by
// "-", leading and trailing "-" dropped.
func OutputName(image string) string {
	b := []byte(strings.ToLower(image))
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			b[i] = '-'
		}
	}
	return strings.Trim(string(b), "-")
}

// Outputs returns the step outputs of r (see the package documentation), in
// a fixed order. Two images whose names give the same output name, or an
// image name with nothing usable, are an error.
func Outputs(r *report.Report) ([]Output, error) {
	var failed, images, tags, refs []string
	for _, s := range r.Stages {
		if !s.OK() {
			failed = append(failed, s.Name)
		}
	}
	blocking := 0
	if r.Scan != nil {
		blocking = len(r.Scan.Blocking)
	}
	pushed := map[string][]string{}
	if r.Publish != nil {
		for _, t := range r.Publish.Tags {
			tags = append(tags, t.Name)
		}
		for _, p := range r.Publish.Images {
			refs = append(refs, p.Refs...)
			pushed[p.Image] = append(pushed[p.Image], p.Refs...)
		}
	}
	var perImage []Output
	seen := map[string]string{}
	for _, im := range r.Images {
		images = append(images, im.Name)
		name := OutputName(im.Name)
		if name == "" {
			return nil, fmt.Errorf("naming the outputs of image %q: no letter or digit in the name", im.Name)
		}
		if other, ok := seen[name]; ok {
			return nil, fmt.Errorf("naming the outputs of image %q: image %q gives the same output names (%s-digest…); rename one", im.Name, other, name)
		}
		seen[name] = im.Name
		perImage = append(perImage,
			Output{name + "-digest", im.Digest},
			Output{name + "-ref", im.Ref},
			Output{name + "-refs", strings.Join(pushed[im.Name], "\n")},
		)
	}
	out := []Output{
		{OutputPassed, strconv.FormatBool(r.Passed())},
		{OutputSummary, r.Headline()},
		{OutputFailedStages, strings.Join(failed, "\n")},
		{OutputBlocking, strconv.Itoa(blocking)},
		{OutputImages, strings.Join(images, "\n")},
		{OutputTags, strings.Join(tags, "\n")},
		{OutputRefs, strings.Join(refs, "\n")},
	}
	out = append(out, perImage...)
	for _, o := range out {
		if strings.Contains(o.Value, delimiter) {
			return nil, fmt.Errorf("setting output %q: the value holds the line delimiter %s, which would end it early", o.Name, delimiter)
		}
	}
	return out, nil
}

// Emit shows r in GitHub Actions through a: masks first, then the headline,
// the report's text tables in collapsible groups, the annotations, the step
// outputs and the job summary (see the package documentation).
//
// Outside GitHub Actions (GITHUB_ACTIONS is not "true", as a's getenv says)
// it prints no workflow commands: groups become titled sections and
// annotations plain "error: title: message" lines. When GITHUB_OUTPUT is
// not set it prints the outputs it would set; when GITHUB_STEP_SUMMARY is
// not set, the summary's Markdown.
//
// Build a with githubactions.New(githubactions.WithWriter(w),
// githubactions.WithGetenv(getenv)) to run it without a runner.
func Emit(a *githubactions.Action, r *report.Report, opts ...Option) (err error) {
	o := options{max: MaxAnnotations, token: randomToken}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	// go-githubactions panics when it cannot write; Emit returns an error.
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("writing GitHub Actions commands: %v", p)
		}
	}()
	inActions := a.Getenv("GITHUB_ACTIONS") == "true"
	masks := report.MaskValues(append(o.masks, r.SecretLike()...)...)
	if inActions {
		for _, m := range masks {
			a.AddMask(m)
		}
	}
	red := r.Redact(masks...)
	outputs, err := Outputs(red)
	if err != nil {
		return err
	}
	var md strings.Builder
	if err := red.WriteMarkdown(&md); err != nil {
		return err
	}

	verdict := "PASSED"
	if !red.Passed() {
		verdict = "FAILED"
	}
	a.Infof("%s", verdict+"  "+oneLine(red.Headline()))
	token := o.token()
	for _, s := range red.TextSections(report.TextOptions{}) {
		body := strings.TrimSuffix(s.Body, "\n")
		if inActions {
			a.Group(s.Title)
			a.IssueCommand(&githubactions.Command{Name: "stop-commands", Message: token})
			a.Infof("%s", body)
			a.IssueCommand(&githubactions.Command{Name: token})
			a.EndGroup()
		} else {
			a.Infof("%s", "\n== "+s.Title+" ==\n"+body)
		}
	}

	for i, an := range Annotations(red, o.max) {
		if !inActions && i == 0 {
			a.Infof("")
		}
		if inActions {
			fa := a.WithFieldsMap(map[string]string{"title": an.Title})
			switch an.Level {
			case LevelError:
				fa.Errorf("%s", an.Message)
			case LevelWarning:
				fa.Warningf("%s", an.Message)
			default:
				fa.Noticef("%s", an.Message)
			}
		} else {
			a.Infof("%s", string(an.Level)+": "+an.Title+": "+oneLine(an.Message))
		}
	}

	if path := a.Getenv("GITHUB_OUTPUT"); path != "" {
		if err := appendable(path); err != nil {
			return fmt.Errorf("setting step outputs: GITHUB_OUTPUT: %w", err)
		}
		for _, out := range outputs {
			a.SetOutput(out.Name, out.Value)
		}
	} else {
		var b strings.Builder
		b.WriteString("\nGITHUB_OUTPUT is not set; the step outputs would be:")
		for _, out := range outputs {
			if strings.ContainsAny(out.Value, "\r\n") {
				fmt.Fprintf(&b, "\n%s<<EOF\n%s\nEOF", out.Name, out.Value)
			} else {
				fmt.Fprintf(&b, "\n%s=%s", out.Name, out.Value)
			}
		}
		a.Infof("%s", b.String())
	}

	summary := fitSummary(md.String())
	if path := a.Getenv("GITHUB_STEP_SUMMARY"); path != "" {
		if err := appendable(path); err != nil {
			return fmt.Errorf("writing the job summary: GITHUB_STEP_SUMMARY: %w", err)
		}
		a.AddStepSummary(summary)
	} else {
		a.Infof("%s", "\nGITHUB_STEP_SUMMARY is not set; the job summary would be:\n\n"+strings.TrimSuffix(summary, "\n"))
	}
	return nil
}

// appendable checks that the file at path can be appended to, as
// go-githubactions will (it panics otherwise).
func appendable(path string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	return f.Close()
}

// fitSummary cuts md to MaxSummaryBytes at a line, with a note.
func fitSummary(md string) string {
	if len(md) <= MaxSummaryBytes {
		return md
	}
	note := "\n\n… the summary was cut here: GitHub takes at most 1 MiB; report.md has all of it.\n"
	cut := md[:MaxSummaryBytes-len(note)]
	if i := strings.LastIndexByte(cut, '\n'); i > 0 {
		cut = cut[:i]
	}
	return cut + note
}

// randomToken makes a ::stop-commands:: token nobody can guess (and so
// print to resume commands early).
func randomToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
