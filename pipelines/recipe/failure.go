package recipe

import (
	"fmt"
	"strings"
)

// StepError says which image and which step of its recipe failed, with the
// tail of the step's output.
type StepError struct {
	Image    string
	Step     string
	ExitCode int
	Tail     string
}

func (e *StepError) Error() string {
	msg := fmt.Sprintf("building %s: step %q failed with exit code %d", e.Image, e.Step, e.ExitCode)
	if e.Tail != "" {
		msg += "\n" + indent(e.Tail, "    | ")
	}
	return msg
}

// Tail returns the last n non-empty lines of stdout and stderr combined
// (stderr last, where tools put their errors).
func Tail(stdout, stderr string, n int) string {
	var lines []string
	for _, s := range []string{stdout, stderr} {
		for _, l := range strings.Split(s, "\n") {
			if strings.TrimSpace(l) != "" {
				lines = append(lines, strings.TrimRight(l, "\r "))
			}
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}
