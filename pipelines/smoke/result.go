package smoke

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// Check is one named smoke check. Run returns a short human detail on
// success, or an error that says what was expected and what was seen.
type Check struct {
	Name string
	Run  func(ctx context.Context) (detail string, err error)
}

// Result is the outcome of one check.
type Result struct {
	// Name names the check, e.g. "websocket-echo".
	Name string `json:"name"`
	// Passed reports whether the check passed.
	Passed bool `json:"passed"`
	// Duration is how long the check took.
	Duration time.Duration `json:"-"`
	// Detail says what was seen: numbers on success, the reason on failure.
	Detail string `json:"detail"`
}

type resultJSON struct {
	Name       string  `json:"name"`
	Passed     bool    `json:"passed"`
	DurationMS float64 `json:"duration_ms"`
	Detail     string  `json:"detail"`
}

// MarshalJSON writes the duration in milliseconds.
func (r Result) MarshalJSON() ([]byte, error) {
	return json.Marshal(resultJSON{r.Name, r.Passed, float64(r.Duration.Microseconds()) / 1000, r.Detail})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (r *Result) UnmarshalJSON(b []byte) error {
	var j resultJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return fmt.Errorf("decoding smoke result: %w", err)
	}
	*r = Result{Name: j.Name, Passed: j.Passed, Duration: time.Duration(j.DurationMS * float64(time.Millisecond)), Detail: j.Detail}
	return nil
}

// Results is the outcome of a run, in check order.
type Results []Result

// Passed reports whether every check passed (and there was at least one).
func (rs Results) Passed() bool {
	if len(rs) == 0 {
		return false
	}
	for _, r := range rs {
		if !r.Passed {
			return false
		}
	}
	return true
}

// Failed returns the checks that failed.
func (rs Results) Failed() Results {
	var out Results
	for _, r := range rs {
		if !r.Passed {
			out = append(out, r)
		}
	}
	return out
}

// Get returns the result of the named check.
func (rs Results) Get(name string) (Result, bool) {
	for _, r := range rs {
		if r.Name == name {
			return r, true
		}
	}
	return Result{}, false
}

// WriteTable writes the results as an aligned text table with a summary line.
func (rs Results) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CHECK\tRESULT\tTIME\tDETAIL")
	passed := 0
	for _, r := range rs {
		status := "FAIL"
		if r.Passed {
			status = "pass"
			passed++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Name, status, r.Duration.Round(time.Millisecond), oneLine(r.Detail))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("writing smoke table: %w", err)
	}
	_, err := fmt.Fprintf(w, "%d passed, %d failed\n", passed, len(rs)-passed)
	return err
}

// Run runs the checks one after another, each bounded by perCheck (when
// positive), and returns every result: a failing check never stops the run.
func Run(ctx context.Context, checks []Check, perCheck time.Duration) Results {
	out := make(Results, 0, len(checks))
	for _, c := range checks {
		out = append(out, runOne(ctx, c, perCheck))
	}
	return out
}

func runOne(ctx context.Context, c Check, perCheck time.Duration) (r Result) {
	r.Name = c.Name
	if perCheck > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, perCheck)
		defer cancel()
	}
	start := time.Now()
	defer func() {
		r.Duration = time.Since(start)
		if p := recover(); p != nil {
			r.Passed, r.Detail = false, fmt.Sprintf("check panicked: %v", p)
		}
	}()
	detail, err := c.Run(ctx)
	if err != nil {
		return Result{Name: c.Name, Detail: err.Error()}
	}
	return Result{Name: c.Name, Passed: true, Detail: detail}
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return s
}
