package budget

import (
	"fmt"
	"strings"
)

// ParseSpecs reads budgets given on a command line, "NAME=SIZE" each, over
// the defaults for metric: "backend=180MB" sets an image's budget,
// "stack=450MB" the stack's, and a size of "0" or "none" removes a budget.
func ParseSpecs(specs []string, metric Metric) (Budgets, error) {
	return ApplySpecs(DefaultBudgets(metric), specs)
}

// ApplySpecs returns b with the budgets given on a command line applied
// (see ParseSpecs); b itself is not changed.
func ApplySpecs(b Budgets, specs []string) (Budgets, error) {
	images := make(map[string]Size, len(b.Images))
	for k, v := range b.Images {
		images[k] = v
	}
	b.Images = images
	for _, spec := range specs {
		name, size, ok := strings.Cut(spec, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			return Budgets{}, fmt.Errorf("budget %q: want NAME=SIZE, e.g. backend=180MB or stack=450MB", spec)
		}
		var s Size
		if v := strings.TrimSpace(size); !strings.EqualFold(v, "none") {
			var err error
			if s, err = ParseSize(v); err != nil {
				return Budgets{}, fmt.Errorf("budget %q: %w", spec, err)
			}
		}
		switch {
		case name == "stack":
			b.Stack = s
		case s == 0:
			delete(b.Images, name)
		default:
			b.Images[name] = s
		}
	}
	return b, nil
}
