package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"dagger/stack/internal/dagger"

	"github.com/stack-ci/stack/pipelines/oci"
	"github.com/stack-ci/stack/pipelines/report"
)

// toolVersion names the pipeline in its reports.
const toolVersion = "stack v0.1.0"

// CheckReport is the report of one run of the pipeline.
type CheckReport struct {
	// Whether every stage passed.
	Passed bool
	// One line: the outcome and the totals.
	Headline string
	// The report for a terminal: aligned tables.
	Text string
	// The report as Markdown (the GitHub job summary).
	Markdown string
	// The report as JSON (what cmd/stack-gha reads).
	Json string
	// report.json, report.md and report.txt, the scan reports (Trivy JSON,
	// SARIF, CycloneDX SBOMs) under scan/, and the smoke results.
	Files *dagger.Directory
}

// Assert returns the report as text, or fails with it when the pipeline did
// not pass: `dagger call check assert` exits non-zero on a failed gate.
func (r *CheckReport) Assert() (string, error) {
	if !r.Passed {
		return "", fmt.Errorf("%s\n\n%s", r.Headline, r.Text)
	}
	return r.Text, nil
}

// Check runs the whole pipeline: it builds both images concurrently, then
// runs the Trivy scan, the size budgets, the image policy and the smoke
// tests concurrently, and writes one report. Every stage reports, even when
// another fails. Nothing is pushed (see Publish).
//
//	dagger call --source=examples/hivemind check assert
//	dagger call --source=examples/hivemind check files export --path=out/
//
// Never cached: it runs the smoke tests and refreshes the vulnerability DB.
// +cache="never"
func (m *Stack) Check(ctx context.Context) (*CheckReport, error) {
	run := m.check(ctx, report.Source{Revision: m.LabelInfo.Revision})
	defer run.close()
	run.b.Skip(report.StagePublish, "check does not publish (see publish and release)")
	return run.finish()
}

// checkRun is one run of the pipeline, up to and including the gates.
type checkRun struct {
	m     *Stack
	a     *app
	b     *report.Builder
	imgs  *Images
	tars  tarballs
	files *dagger.Directory
}

func (r *checkRun) close() {
	if r.tars.dir != "" {
		r.tars.remove()
	}
}

// timed runs a stage, reports its error (if any) to the builder, and lets
// report record the result; it returns whether the stage could run.
func (r *checkRun) timed(stage string, run func(start time.Time) error) {
	start := time.Now()
	if err := run(start); err != nil {
		r.b.AddError(stage, err, time.Since(start))
	}
}

// check loads the app, builds, exports and gates its images, reporting
// every stage.
func (m *Stack) check(ctx context.Context, src report.Source) *checkRun {
	r := &checkRun{m: m, files: dag.Directory()}
	gates := []string{report.StageScan, report.StageBudget, report.StagePolicy, report.StageSmoke}
	start := time.Now()
	a, err := m.load(ctx)
	if err != nil {
		r.b = report.New(src, report.WithToolVersion(toolVersion))
		r.b.AddError(report.StageBuild, err, time.Since(start))
		for _, g := range gates {
			r.b.Block(g, report.StageBuild)
		}
		return r
	}
	r.a = a
	src.App = a.Config.Name
	r.b = report.New(src, report.WithToolVersion(toolVersion))

	imgs, errs := m.buildAll(ctx, a)
	images := make([]report.Image, len(imgs.Names))
	for i, name := range imgs.Names {
		images[i].Name = name
		if errs[i] != nil {
			images[i].Error = errs[i].Error()
		}
	}
	err = errors.Join(errs...)
	if err == nil {
		if r.tars, err = exportImages(ctx, imgs); err == nil {
			err = describeImages(r.tars, images)
		}
	}
	r.b.AddBuild(images, time.Since(start))
	if err != nil {
		if !hasImageError(images) {
			r.b.AddError(report.StageBuild, err, time.Since(start))
		}
		for _, g := range gates {
			r.b.Block(g, report.StageBuild)
		}
		return r
	}
	r.imgs = imgs

	var wg sync.WaitGroup
	var mu sync.Mutex
	stage := func(name string, run func(start time.Time) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.timed(name, run)
		}()
	}
	stage(report.StageScan, func(start time.Time) error {
		verdict, files, err := m.scan(ctx, a, imgs)
		if err != nil {
			return err
		}
		r.b.AddScan(verdict, time.Since(start))
		mu.Lock()
		r.files = r.files.WithDirectory("scan", files)
		mu.Unlock()
		return nil
	})
	stage(report.StageBudget, func(start time.Time) error {
		eval, ms, err := m.budget(a, r.tars)
		if err != nil {
			return err
		}
		r.b.AddBudget(eval, ms, time.Since(start))
		return nil
	})
	stage(report.StagePolicy, func(start time.Time) error {
		reports, err := m.policy(a, r.tars)
		if err != nil {
			return err
		}
		r.b.AddPolicy(reports, time.Since(start))
		return nil
	})
	stage(report.StageSmoke, func(start time.Time) error {
		rs, err := m.smoke(ctx, a, imgs)
		if err != nil {
			return err
		}
		r.b.AddSmoke(rs, time.Since(start))
		return nil
	})
	wg.Wait()
	return r
}

// finish renders the report.
func (r *checkRun) finish() (*CheckReport, error) {
	rep := r.b.Report()
	var js, md, text strings.Builder
	if err := rep.WriteJSON(&js); err != nil {
		return nil, err
	}
	if err := rep.WriteMarkdown(&md); err != nil {
		return nil, err
	}
	if err := rep.WriteText(&text, report.TextOptions{}); err != nil {
		return nil, err
	}
	files := r.files.
		WithNewFile("report.json", js.String()).
		WithNewFile("report.md", md.String()).
		WithNewFile("report.txt", text.String())
	return &CheckReport{
		Passed:   rep.Passed(),
		Headline: rep.Headline(),
		Text:     text.String(),
		Markdown: md.String(),
		Json:     js.String(),
		Files:    files,
	}, nil
}

// describeImages fills in each image's digest and platform from its tarball.
func describeImages(t tarballs, images []report.Image) error {
	for i := range images {
		img, err := oci.Open(t.paths[images[i].Name])
		if err != nil {
			return fmt.Errorf("reading the %s image: %v", images[i].Name, err)
		}
		images[i].Digest, images[i].Platform = img.Digest.String(), img.Platform()
		img.Close()
	}
	return nil
}

func hasImageError(images []report.Image) bool {
	for _, img := range images {
		if img.Error != "" {
			return true
		}
	}
	return false
}
