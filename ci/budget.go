package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"dagger/stack/internal/dagger"

	"golang.org/x/sync/errgroup"

	"github.com/stack-ci/stack/pipelines/budget"
	"github.com/stack-ci/stack/pipelines/oci"
	"github.com/stack-ci/stack/pipelines/policy"
	"github.com/stack-ci/stack/pipelines/report"
)

// BudgetResult is the outcome of the size budgets.
type BudgetResult struct {
	// Whether every image and the whole stack are within their budgets.
	Passed bool
	// Sizes against budgets, per layer, and the waste found, as Markdown.
	Summary string
	// The evaluation and the measurements as JSON.
	Json string
}

// Check returns the summary, or an error with it when a budget is exceeded.
func (r *BudgetResult) Check() (string, error) {
	if !r.Passed {
		return "", fmt.Errorf("size budget exceeded:\n%s", r.Summary)
	}
	return r.Summary, nil
}

// PolicyResult is the outcome of the image policy.
type PolicyResult struct {
	// Whether every rule passed (or was waived) for every image.
	Passed bool
	// Each image's rules, as Markdown.
	Summary string
	// Each image's rules as JSON.
	Json string
}

// Check returns the summary, or an error with it when a rule failed.
func (r *PolicyResult) Check() (string, error) {
	if !r.Passed {
		return "", fmt.Errorf("image policy failed:\n%s", r.Summary)
	}
	return r.Summary, nil
}

// Budget builds both images and measures them from the images themselves:
// compressed (what a pull transfers) and uncompressed sizes, per layer, with
// the files that later layers delete or overwrite. Each image and the whole
// stack are held against their budgets (--budget, --budget-metric).
func (m *Stack) Budget(ctx context.Context) (*BudgetResult, error) {
	tars, err := m.buildAndExport(ctx)
	if err != nil {
		return nil, err
	}
	defer tars.remove()
	start := time.Now()
	eval, ms, err := m.budget(tars)
	if err != nil {
		return nil, err
	}
	js, err := jsonString(report.FromEvaluation(eval, ms))
	if err != nil {
		return nil, err
	}
	summary, err := stageSummary(report.StageBudget, func(b *report.Builder) { b.AddBudget(eval, ms, time.Since(start)) })
	if err != nil {
		return nil, err
	}
	return &BudgetResult{Passed: eval.Passed, Summary: summary, Json: js}, nil
}

// Policy builds both images and checks their configs: a non-root user, a
// healthcheck, no secret-looking values in env or labels, and the expected
// port exposed. A rule is waived by name with --waive.
func (m *Stack) Policy(ctx context.Context) (*PolicyResult, error) {
	tars, err := m.buildAndExport(ctx)
	if err != nil {
		return nil, err
	}
	defer tars.remove()
	start := time.Now()
	reports, err := m.policy(tars)
	if err != nil {
		return nil, err
	}
	js, err := jsonString(report.FromPolicy(reports))
	if err != nil {
		return nil, err
	}
	summary, err := stageSummary(report.StagePolicy, func(b *report.Builder) { b.AddPolicy(reports, time.Since(start)) })
	if err != nil {
		return nil, err
	}
	passed := true
	for _, r := range reports {
		passed = passed && r.Passed
	}
	return &PolicyResult{Passed: passed, Summary: summary, Json: js}, nil
}

// tarballs are the built images exported into the module's scratch space.
type tarballs struct {
	dir   string
	paths map[string]string
}

func (t tarballs) remove() { os.RemoveAll(t.dir) }

func (m *Stack) buildAndExport(ctx context.Context) (tarballs, error) {
	imgs, err := m.Build(ctx)
	if err != nil {
		return tarballs{}, err
	}
	return exportImages(ctx, imgs)
}

// exportImages writes both images as OCI tarballs, concurrently.
func exportImages(ctx context.Context, imgs *Images) (tarballs, error) {
	dir, err := os.MkdirTemp("", "stack-images-")
	if err != nil {
		return tarballs{}, fmt.Errorf("exporting the images: %v", err)
	}
	t := tarballs{dir: dir, paths: map[string]string{}}
	g, gctx := errgroup.WithContext(ctx)
	for name, c := range imgs.byName() {
		p := filepath.Join(dir, name+".tar")
		t.paths[name] = p
		g.Go(func() error {
			if _, err := c.AsTarball().Export(gctx, p); err != nil {
				return fmt.Errorf("exporting the %s image: %v", name, err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		t.remove()
		return tarballs{}, err
	}
	return t, nil
}

// budgets are the budgets given over the defaults.
func (m *Stack) budgets() (budget.Budgets, error) {
	metric, err := budget.ParseMetric(m.BudgetMetric)
	if err != nil {
		return budget.Budgets{}, fmt.Errorf("--budget-metric: %v", err)
	}
	b, err := budget.ParseSpecs(m.Budgets, metric)
	if err != nil {
		return budget.Budgets{}, fmt.Errorf("--budget: %v", err)
	}
	return b, nil
}

// waivers are the policy waivers by image ("" for all).
func (m *Stack) waivers() (map[string][]policy.Waiver, error) {
	w, err := policy.ParseWaiverSpecs(m.Waive)
	if err != nil {
		return nil, fmt.Errorf("--waive: %v", err)
	}
	return w, nil
}

// measureAll measures every exported image.
func measureAll(t tarballs) (map[string]*budget.Measurement, error) {
	out := map[string]*budget.Measurement{}
	for name, p := range t.paths {
		ms, err := budget.MeasureFile(p)
		if err != nil {
			return nil, fmt.Errorf("measuring the %s image: %v", name, err)
		}
		out[name] = ms
	}
	return out, nil
}

func (m *Stack) budget(t tarballs) (budget.Evaluation, map[string]*budget.Measurement, error) {
	b, err := m.budgets()
	if err != nil {
		return budget.Evaluation{}, nil, err
	}
	ms, err := measureAll(t)
	if err != nil {
		return budget.Evaluation{}, nil, err
	}
	return budget.Evaluate(b, ms), ms, nil
}

// expectedPorts are the ports each image must expose.
func (m *Stack) expectedPorts() map[string][]string {
	return map[string][]string{"frontend": {"80/tcp"}, "backend": {strconv.Itoa(m.BackendPort) + "/tcp"}}
}

func (m *Stack) policy(t tarballs) (map[string]policy.Report, error) {
	waivers, err := m.waivers()
	if err != nil {
		return nil, err
	}
	reports := map[string]policy.Report{}
	for name, p := range t.paths {
		img, err := oci.Open(p)
		if err != nil {
			return nil, fmt.Errorf("reading the %s image: %v", name, err)
		}
		r, err := policy.Check(img.Config, policy.Options{ExpectedPorts: m.expectedPorts()[name], Waivers: policy.WaiversFor(waivers, name)})
		img.Close()
		if err != nil {
			return nil, fmt.Errorf("--waive: %v", err)
		}
		reports[name] = r
	}
	return reports, nil
}

// byName lists the images by name.
func (i *Images) byName() map[string]*dagger.Container {
	return map[string]*dagger.Container{"frontend": i.Frontend, "backend": i.Backend}
}
