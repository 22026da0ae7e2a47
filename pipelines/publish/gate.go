package publish

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/stack-ci/stack/pipelines/report"
)

// Approval is the gate's permission to publish the images of one passing
// run. Only Gate makes one; Push refuses a nil or zero Approval, so nothing
// is pushed without a report that passed.
type Approval struct {
	// digests are the manifest digests the report's build stage recorded,
	// by image name ("" when it recorded none).
	digests map[string]string
}

// Images returns the names of the images the approved report lists.
func (a *Approval) Images() []string {
	if a == nil {
		return nil
	}
	return slices.Sorted(maps.Keys(a.digests))
}

// check returns why the approval cannot cover image with digest, if it
// cannot: the report must list the image, and the tarball must hold the
// image the report judged when the report recorded its digest.
func (a *Approval) check(image, digest string) error {
	want, ok := a.digests[image]
	if !ok {
		return fmt.Errorf("image %q is not in the report (it lists %s): only images the pipeline built and checked are published", image, quoteList(a.Images()))
	}
	if want != "" && want != ":" && want != digest {
		return fmt.Errorf("the %s tarball holds the image %s but the report checked %s: publish the tarballs of the run that passed", image, digest, want)
	}
	return nil
}

func (a *Approval) valid() bool { return a != nil && a.digests != nil }

// GateError is the refusal to publish a run that did not pass. Its Stages
// are the stages that did not pass, in pipeline order; ci/ reports the
// publish stage as blocked by them (report.Builder.Block).
type GateError struct {
	// App is the report's application.
	App string
	// Stages are the stages that did not pass; empty when the report has no
	// stage at all (besides publish).
	Stages []report.Stage
}

// Names returns the names of the stages that did not pass.
func (e *GateError) Names() []string {
	var names []string
	for _, s := range e.Stages {
		names = append(names, s.Name)
	}
	return names
}

// Error names each stage that did not pass and how.
func (e *GateError) Error() string {
	app := e.App
	if app == "" {
		app = "the run"
	}
	if len(e.Stages) == 0 {
		return fmt.Sprintf("publishing refused: the report of %s has no stages, so nothing was checked", app)
	}
	var parts []string
	for _, s := range e.Stages {
		p := s.Name + " " + string(s.Status)
		if len(s.BlockedBy) > 0 {
			p += " (blocked by " + strings.Join(s.BlockedBy, ", ") + ")"
		}
		parts = append(parts, p)
	}
	return fmt.Sprintf("publishing refused: %s did not pass: %s", app, strings.Join(parts, ", "))
}

// Gate decides whether a run's images may be published: the report must
// pass (report.Report.Passed, which derives it from the stages), leaving
// aside the publish stage itself, which is what is being decided: in ci/
// the report is taken before publishing, when the Builder shows the publish
// stage as not reported (an error). So every other stage must have passed,
// or been skipped without being blocked, and there must be at least one.
//
// A run that did not pass gives a *GateError naming the stages; a nil
// report is an error too. The Approval carries the image digests the report
// recorded, which Push checks the tarballs against.
func Gate(r *report.Report) (*Approval, error) {
	if r == nil {
		return nil, errors.New("publishing refused: no report; publish only after the gates have run")
	}
	judged := 0
	var failed []report.Stage
	for _, s := range r.Stages {
		if s.Name == report.StagePublish {
			continue
		}
		judged++
		if !s.OK() {
			failed = append(failed, s)
		}
	}
	if judged == 0 || len(failed) > 0 {
		return nil, &GateError{App: r.Source.App, Stages: failed}
	}
	a := &Approval{digests: map[string]string{}}
	for _, im := range r.Images {
		a.digests[im.Name] = im.Digest
	}
	return a, nil
}

func quoteList(s []string) string {
	if len(s) == 0 {
		return "no images"
	}
	q := make([]string, len(s))
	for i, v := range s {
		q[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(q, ", ")
}
