package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/stack-ci/stack/pipelines/budget"
	"github.com/stack-ci/stack/pipelines/oci"
	"github.com/stack-ci/stack/pipelines/plan"
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
	return gateOutcome(r.Passed, "size budget exceeded", r.Summary)
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
	return gateOutcome(r.Passed, "image policy failed", r.Summary)
}

// Budget builds both images and measures them from the images themselves:
// compressed (what a pull transfers) and uncompressed sizes, per layer, with
// the files that later layers delete or overwrite. Each image and the whole
// stack are held against their budgets (--budget, --budget-metric).
func (m *Stack) Budget(ctx context.Context) (*BudgetResult, error) {
	a, tars, err := m.buildAndExport(ctx)
	if err != nil {
		return nil, err
	}
	defer tars.remove()
	start := time.Now()
	eval, ms, err := m.budget(a, tars)
	if err != nil {
		return nil, err
	}
	js, err := jsonString(report.FromEvaluation(eval, ms))
	if err != nil {
		return nil, err
	}
	summary, err := stageSummary(report.StageBudget, start, func(b *report.Builder) { b.AddBudget(eval, ms, time.Since(start)) })
	if err != nil {
		return nil, err
	}
	return &BudgetResult{Passed: eval.Passed, Summary: summary, Json: js}, nil
}

// Policy builds both images and checks their configs: a non-root user, a
// healthcheck, no secret-looking values in env or labels, and the expected
// port exposed. A rule is waived by name with --waive.
func (m *Stack) Policy(ctx context.Context) (*PolicyResult, error) {
	a, tars, err := m.buildAndExport(ctx)
	if err != nil {
		return nil, err
	}
	defer tars.remove()
	start := time.Now()
	reports, err := m.policy(a, tars)
	if err != nil {
		return nil, err
	}
	js, err := jsonString(report.FromPolicy(reports))
	if err != nil {
		return nil, err
	}
	summary, err := stageSummary(report.StagePolicy, start, func(b *report.Builder) { b.AddPolicy(reports, time.Since(start)) })
	if err != nil {
		return nil, err
	}
	passed := true
	for _, r := range reports {
		passed = passed && r.Passed
	}
	return &PolicyResult{Passed: passed, Summary: summary, Json: js}, nil
}

// buildAndExport loads the app, builds every image and exports them.
func (m *Stack) buildAndExport(ctx context.Context) (*app, tarballs, error) {
	a, imgs, err := m.loadAndBuild(ctx)
	if err != nil {
		return nil, tarballs{}, err
	}
	t, err := exportImages(ctx, imgs)
	return a, t, err
}

// budgets are stack.yaml's budgets with the command line's applied.
func (m *Stack) budgets(a *app) (budget.Budgets, error) {
	b, err := budget.ApplySpecs(a.Config.Budgets.Budgets(), m.Budgets)
	if err != nil {
		return budget.Budgets{}, fmt.Errorf("--budget: %v", err)
	}
	return b, nil
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

func (m *Stack) budget(a *app, t tarballs) (budget.Evaluation, map[string]*budget.Measurement, error) {
	b, err := m.budgets(a)
	if err != nil {
		return budget.Evaluation{}, nil, err
	}
	ms, err := measureAll(t)
	if err != nil {
		return budget.Evaluation{}, nil, err
	}
	return budget.Evaluate(b, ms), ms, nil
}

func (m *Stack) policy(a *app, t tarballs) (map[string]policy.Report, error) {
	cli, err := policy.ParseWaiverSpecs(m.Waive)
	if err != nil {
		return nil, fmt.Errorf("--waive: %v", err)
	}
	reports := map[string]policy.Report{}
	for name, p := range t.paths {
		img, err := oci.Open(p)
		if err != nil {
			return nil, fmt.Errorf("reading the %s image: %v", name, err)
		}
		var ports []string
		if ci, ok := a.Config.Image(name); ok && ci.Port != 0 {
			ports = []string{strconv.Itoa(ci.Port) + "/tcp"}
		}
		r, err := policy.Check(img.Config, policy.Options{ExpectedPorts: ports, Waivers: plan.Waivers(a.Config, name, cli)})
		img.Close()
		if err != nil {
			return nil, fmt.Errorf("the %s image's policy: %v", name, err)
		}
		reports[name] = r
	}
	return reports, nil
}
