package recipe

import (
	"fmt"
	"regexp"
	"strings"
)

var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// ParseEnv reads KEY=VALUE assignments given on a command line, in order;
// a key given twice keeps its last value. A missing "=" or a key that is
// not a valid variable name is an error naming the assignment.
func ParseEnv(assignments []string) ([][2]string, error) {
	var out [][2]string
	index := map[string]int{}
	for _, a := range assignments {
		k, v, ok := strings.Cut(a, "=")
		if !ok || !envNameRE.MatchString(k) {
			return nil, fmt.Errorf("environment variable %q: want NAME=VALUE with NAME made of letters, digits and _", a)
		}
		if i, seen := index[k]; seen {
			out[i][1] = v
			continue
		}
		index[k] = len(out)
		out = append(out, [2]string{k, v})
	}
	return out, nil
}
