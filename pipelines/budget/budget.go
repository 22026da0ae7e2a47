package budget

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Metric is the figure of a Measurement a budget applies to.
type Metric string

const (
	// Uncompressed budgets the sum of the uncompressed layer tars
	// (Measurement.Uncompressed). It is the default: it is the size people
	// know an image by (`docker images`, Docker Hub's "size" of a local
	// image), it does not move when only the compression level or algorithm
	// changes, it counts the bytes an image wastes on deleted files, and it
	// is what fills a node's disk. It runs a little above what `docker
	// images` shows (it counts tar headers), so a budget met here is met
	// there.
	Uncompressed Metric = "uncompressed"
	// Compressed budgets what a pull transfers (Measurement.Compressed):
	// the figure that matters for deploy time and registry egress.
	Compressed Metric = "compressed"
)

// ParseMetric reads "uncompressed" or "compressed" (any case); "" is the
// default, Uncompressed.
func ParseMetric(s string) (Metric, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", string(Uncompressed):
		return Uncompressed, nil
	case string(Compressed):
		return Compressed, nil
	}
	return "", fmt.Errorf("parsing budget metric %q: use %q (the default) or %q", s, Uncompressed, Compressed)
}

// UnmarshalText reads a metric with ParseMetric, so that JSON budgets with
// an unknown metric are refused.
func (m *Metric) UnmarshalText(b []byte) error {
	v, err := ParseMetric(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// Default budgets, with the reasoning behind each figure. Sizes are SI
// (1 MB = 10^6 bytes), as `docker images` prints them.
//
// The defaults leave 25–35% headroom over what the HiveMind images weigh, so
// a base-image update or a growing app passes, while the usual accidents
// fail: node_modules, a Node runtime or a build toolchain copied into the
// frontend; devDependencies (vite, react, typescript: over 100 MB) or a
// second copy of node_modules in the backend.
const (
	// DefaultFrontendBudget: nginx:alpine weighs about 48 MB uncompressed
	// and the built SPA a few hundred kB, about 49 MB in all. 64 MB leaves
	// 15 MB: nginx:alpine has grown by a few MB a year, and a SPA may grow
	// several-fold before anyone should look. Copying node_modules (tens of
	// MB) or node itself (40+ MB) into it fails.
	DefaultFrontendBudget = 64 * MB

	// DefaultBackendBudget: node:20-alpine weighs 130–140 MB uncompressed;
	// the production node_modules of an Express + Socket.IO + pg + redis app
	// about 19 MB as a tar (measured: HiveMind's `npm ci --omit=dev` is 121
	// packages, 3,864 files, 17.1 MB of files, 18.9 MB as a tar); the app's
	// own code well under 1 MB. About 160 MB in all; 200 MB leaves 40 MB for
	// Node patch releases and new dependencies, while devDependencies or a
	// duplicated node_modules layer fail.
	DefaultBackendBudget = 200 * MB

	// DefaultStackBudget caps the sum over all images (shared base layers
	// counted once per image, as each image is pulled and stored on its
	// own). 500 MB is the project's stated ceiling; the per-image defaults
	// sum to 264 MB, so it binds only when per-image budgets are raised or
	// images are added.
	DefaultStackBudget = 500 * MB

	// DefaultFrontendCompressedBudget: nginx:alpine pulls about 20 MB and
	// the SPA gzips to a few hundred kB; 28 MB leaves the same ~35%.
	DefaultFrontendCompressedBudget = 28 * MB

	// DefaultBackendCompressedBudget: node:20-alpine pulls about 43 MB and
	// the production node_modules gzip to about 3 MB (measured: 3.2 MB for
	// HiveMind); 64 MB leaves about 35%.
	DefaultBackendCompressedBudget = 64 * MB

	// DefaultStackCompressedBudget is the stack ceiling for pulls, in the
	// same proportion to the per-image budgets as DefaultStackBudget.
	DefaultStackCompressedBudget = 200 * MB
)

// Budgets are the size limits of a stack of images.
type Budgets struct {
	// Metric is the figure the budgets apply to; empty means Uncompressed.
	Metric Metric `json:"metric"`
	// Stack caps the sum of the figures of all the images; 0 means no cap.
	Stack Size `json:"stack"`
	// Images caps each image by name ("frontend", "backend"). An image
	// without an entry is measured and counted in the stack but has no
	// budget of its own.
	Images map[string]Size `json:"images"`
}

// DefaultBudgets returns the default budgets for metric m (see the Default…
// constants).
func DefaultBudgets(m Metric) Budgets {
	if m == Compressed {
		return Budgets{Metric: Compressed, Stack: DefaultStackCompressedBudget, Images: map[string]Size{
			"frontend": DefaultFrontendCompressedBudget,
			"backend":  DefaultBackendCompressedBudget,
		}}
	}
	return Budgets{Metric: Uncompressed, Stack: DefaultStackBudget, Images: map[string]Size{
		"frontend": DefaultFrontendBudget,
		"backend":  DefaultBackendBudget,
	}}
}

// Result is one image, or the stack, held against its budget.
type Result struct {
	// Name is the image's name, or "stack".
	Name string `json:"name"`
	// Metric is the figure compared.
	Metric Metric `json:"metric"`
	// Size is the image's (or the stack's) figure.
	Size Size `json:"size"`
	// Budget is the limit; meaningful only when HasBudget.
	Budget Size `json:"budget"`
	// HasBudget is false for an image without a budget of its own, or a
	// stack with no cap; such a result passes.
	HasBudget bool `json:"hasBudget"`
	// Headroom is Budget - Size: positive is room left, negative is the
	// overage.
	Headroom Size `json:"headroom"`
	// HeadroomPercent is Headroom as a percentage of Budget (negative for an
	// overage); 0 without a budget.
	HeadroomPercent float64 `json:"headroomPercent"`
	// Passed is true when Size is within Budget (or there is no budget).
	Passed bool `json:"passed"`
	// Message says it in a sentence, e.g. "backend: 230 MB is over its
	// budget of 200 MB (uncompressed) by 30 MB (15.0%)".
	Message string `json:"message"`
}

// Evaluation is a stack of images held against its budgets.
type Evaluation struct {
	// Metric is the figure compared.
	Metric Metric `json:"metric"`
	// Images are the per-image results, by name.
	Images []Result `json:"images"`
	// Stack is the result for the sum of all the images.
	Stack Result `json:"stack"`
	// Passed is true when every image and the stack passed.
	Passed bool `json:"passed"`
}

// Evaluate holds each measured image, and their sum, against the budgets.
// Images are keyed by name; the results come sorted by name. A nil
// Measurement stands for an image that could not be measured: it fails, and
// so does the stack, whose sum is then incomplete.
func Evaluate(b Budgets, images map[string]*Measurement) Evaluation {
	metric := b.Metric
	if metric == "" {
		metric = Uncompressed
	}
	ev := Evaluation{Metric: metric, Passed: true}
	var total Size
	var unmeasured []string
	for _, name := range slices.Sorted(maps.Keys(images)) {
		if images[name] == nil {
			limit, ok := b.Images[name]
			ev.Images = append(ev.Images, Result{Name: name, Metric: metric, Budget: limit, HasBudget: ok,
				Message: fmt.Sprintf("%s: not measured, so it cannot be held to a budget", name)})
			unmeasured = append(unmeasured, name)
			ev.Passed = false
			continue
		}
		size := images[name].Figure(metric)
		total += size
		limit, ok := b.Images[name]
		r := judge(name, metric, size, limit, ok)
		ev.Images = append(ev.Images, r)
		ev.Passed = ev.Passed && r.Passed
	}
	ev.Stack = judge("stack", metric, total, b.Stack, b.Stack > 0)
	if len(unmeasured) > 0 {
		ev.Stack.Passed = false
		ev.Stack.Message += fmt.Sprintf("; incomplete, not measured: %s", strings.Join(unmeasured, ", "))
	}
	ev.Passed = ev.Passed && ev.Stack.Passed
	return ev
}

func judge(name string, metric Metric, size, budget Size, has bool) Result {
	r := Result{Name: name, Metric: metric, Size: size, Budget: budget, HasBudget: has, Passed: true}
	if !has {
		r.Message = fmt.Sprintf("%s: %s (%s), no budget set", name, size, metric)
		return r
	}
	r.Headroom = budget - size
	if budget > 0 {
		r.HeadroomPercent = float64(r.Headroom) / float64(budget) * 100
	}
	r.Passed = size <= budget
	if r.Passed {
		r.Message = fmt.Sprintf("%s: %s of its %s budget (%s), %s (%.1f%%) headroom", name, size, budget, metric, r.Headroom, r.HeadroomPercent)
	} else {
		r.Message = fmt.Sprintf("%s: %s is over its budget of %s (%s) by %s", name, size, budget, metric, size-budget)
		if budget > 0 {
			r.Message += fmt.Sprintf(" (%.1f%%)", -r.HeadroomPercent)
		}
	}
	return r
}
