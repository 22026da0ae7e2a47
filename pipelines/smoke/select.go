package smoke

import (
	"fmt"
	"slices"
	"strings"
)

// UnknownCheckError names a standard check that does not exist.
type UnknownCheckError struct {
	// Name is the name given.
	Name string
	// Known are the standard checks' names, in order.
	Known []string
}

func (e *UnknownCheckError) Error() string {
	return fmt.Sprintf("no standard check is called %q; they are %s", e.Name, strings.Join(e.Known, ", "))
}

// Without returns the standard checks minus the named ones (stack.yaml's
// smoke.disable), in order. A name that is not a standard check is an
// *UnknownCheckError.
func (t Target) Without(disabled []string) ([]Check, error) {
	all := t.Checks()
	known := make([]string, len(all))
	for i, c := range all {
		known[i] = c.Name
	}
	for _, n := range disabled {
		if !slices.Contains(known, n) {
			return nil, &UnknownCheckError{Name: n, Known: known}
		}
	}
	return slices.DeleteFunc(all, func(c Check) bool { return slices.Contains(disabled, c.Name) }), nil
}
