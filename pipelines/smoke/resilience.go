package smoke

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"
)

// Observation is one reading of the backend's health endpoint.
type Observation struct {
	// Status is the HTTP status; 0 when the request failed.
	Status int `json:"status"`
	// Health is the decoded body.
	Health Health `json:"health,omitempty"`
	// Err is why the request failed, if it did.
	Err string `json:"error,omitempty"`
	// At is when the reading was taken.
	At time.Time `json:"at"`
}

// Uptime is the backend's own uptime in seconds, or -1 when it does not say.
func (o Observation) Uptime() float64 {
	if v, ok := o.Health["uptime"].(float64); ok {
		return v
	}
	return -1
}

func (o Observation) String() string {
	if o.Err != "" {
		return o.Err
	}
	return fmt.Sprintf("HTTP %d %v", o.Status, map[string]any(o.Health))
}

// Observe reads the health endpoint at url once.
func Observe(ctx context.Context, client *http.Client, url string) Observation {
	t := Target{BaseURL: url, Client: client}
	status, h, err := t.FetchHealth(ctx)
	o := Observation{Status: status, Health: h, At: time.Now()}
	if err != nil {
		o.Err = err.Error()
	}
	return o
}

// WaitFor polls the health endpoint every interval until cond holds or
// timeout passes; it returns the last observation and whether cond held.
func WaitFor(ctx context.Context, client *http.Client, url string, interval, timeout time.Duration, cond func(Observation) bool) (Observation, bool) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		attempt, cancelAttempt := context.WithTimeout(ctx, 3*time.Second)
		o := Observe(attempt, client, url)
		cancelAttempt()
		if cond(o) {
			return o, true
		}
		select {
		case <-ctx.Done():
			return o, false
		case <-time.After(interval):
		}
	}
}

// Healthy holds for a 200 whose status is ok.
func Healthy(o Observation) bool { return o.Status == http.StatusOK && o.Health["status"] == "ok" }

// Failing returns a condition that holds for an unhealthy answer that names
// dep as not ok (a backend that stops answering altogether is not it: the
// point is that it keeps serving and says what is wrong).
func Failing(dep string) func(Observation) bool {
	return func(o Observation) bool {
		v, ok := o.Health[dep]
		return o.Status >= 500 && ok && v != "ok"
	}
}

// Outage is an interruption of a dependency, started and ended by the
// caller: Begin makes the dependency unavailable, End brings it back.
type Outage struct {
	// Dependency is the key of the health document that names it.
	Dependency string
	Begin, End func(ctx context.Context) error
}

// CheckRecovery takes the backend through an outage of one dependency: the
// health endpoint must turn unhealthy naming the dependency, then healthy
// again once it is back, and the backend's uptime must show it was never
// restarted. The result is named "<dependency>-restart".
func CheckRecovery(ctx context.Context, client *http.Client, healthURL string, out Outage, timeout time.Duration) Result {
	start := time.Now()
	r := Result{Name: out.Dependency + "-restart"}
	finish := func(passed bool, format string, args ...any) Result {
		r.Passed, r.Detail, r.Duration = passed, fmt.Sprintf(format, args...), time.Since(start)
		return r
	}
	before, ok := WaitFor(ctx, client, healthURL, 200*time.Millisecond, timeout, Healthy)
	if !ok {
		return finish(false, "backend not healthy before the %s outage: %s", out.Dependency, before)
	}
	if err := out.Begin(ctx); err != nil {
		return finish(false, "stopping %s: %v", out.Dependency, err)
	}
	during, ok := WaitFor(ctx, client, healthURL, 100*time.Millisecond, timeout, Failing(out.Dependency))
	endErr := out.End(ctx)
	if !ok {
		return finish(false, "health did not report %s as failing within %s; last: %s", out.Dependency, timeout, during)
	}
	if endErr != nil {
		return finish(false, "starting %s again: %v", out.Dependency, endErr)
	}
	after, ok := WaitFor(ctx, client, healthURL, 200*time.Millisecond, timeout, Healthy)
	if !ok {
		return finish(false, "health did not recover after %s came back within %s; last: %s", out.Dependency, timeout, after)
	}
	elapsed := after.At.Sub(before.At).Seconds()
	if before.Uptime() >= 0 && after.Uptime() >= 0 && after.Uptime() < before.Uptime()+elapsed-2 {
		return finish(false, "backend restarted during the outage: uptime %.0fs before, %.0fs %.0fs later", before.Uptime(), after.Uptime(), elapsed)
	}
	return finish(true, "HTTP %d while %s was down (%v), recovered in %s without a backend restart",
		during.Status, out.Dependency, during.Health[out.Dependency], after.At.Sub(during.At).Round(time.Millisecond))
}

// JudgeShutdown decides the graceful-shutdown check from how long the
// backend took to stop after SIGTERM (stopErr is non-nil when it had to be
// killed).
func JudgeShutdown(took, grace time.Duration, stopErr error) Result {
	r := Result{Name: "graceful-shutdown", Duration: took}
	switch {
	case stopErr != nil:
		r.Detail = fmt.Sprintf("backend did not stop within %s of SIGTERM: %v", grace, stopErr)
	case took > grace:
		r.Detail = fmt.Sprintf("backend took %s to stop after SIGTERM, over its %s grace period", took.Round(time.Millisecond), grace)
	default:
		r.Passed, r.Detail = true, fmt.Sprintf("backend stopped %s after SIGTERM (grace %s)", took.Round(time.Millisecond), grace)
	}
	return r
}

// PauseFile is the file whose presence keeps a supervised service down (see
// Supervised): Begin creates it, End removes it.
func PauseFile(path string) (begin, end func() error) {
	return func() error {
			f, err := os.Create(path)
			if err != nil {
				return fmt.Errorf("creating pause file: %w", err)
			}
			return f.Close()
		}, func() error {
			if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("removing pause file: %w", err)
			}
			return nil
		}
}
