package smoke

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
)

// Probe checks once whether a dependency is ready, and says what it saw.
type Probe func(ctx context.Context) (seen string, err error)

// PostgresProbe is ready when the server answers a query with the given
// connection URL (postgres://user:pass@host:port/db).
func PostgresProbe(url string) Probe {
	return func(ctx context.Context) (string, error) {
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			return "", fmt.Errorf("postgres connect: %w", err)
		}
		defer conn.Close(context.WithoutCancel(ctx))
		var version string
		if err := conn.QueryRow(ctx, "SELECT version()").Scan(&version); err != nil {
			return "", fmt.Errorf("postgres query: %w", err)
		}
		return version, nil
	}
}

// RedisProbe is ready when the server answers PING after AUTH (when password
// is set).
func RedisProbe(addr, password string) Probe {
	return func(ctx context.Context) (string, error) {
		quietRedis.Do(func() { redis.SetLogger(discardLogger{}) })
		c := redis.NewClient(&redis.Options{Addr: addr, Password: password, MaxRetries: -1, DialerRetries: 1, PoolSize: 1, DialTimeout: 2 * time.Second})
		defer c.Close()
		pong, err := c.Ping(ctx).Result()
		if err != nil {
			return "", fmt.Errorf("redis PING: %w", err)
		}
		return pong, nil
	}
}

// quietRedis silences go-redis's own logging once: a probe reports what it
// saw through its error, and a retrying wait would otherwise flood stderr.
var quietRedis sync.Once

type discardLogger struct{}

func (discardLogger) Printf(context.Context, string, ...any) {}

// HealthProbe is ready when url answers 200 with a JSON body whose "status"
// is "ok".
func HealthProbe(client *http.Client, url string) Probe {
	return func(ctx context.Context) (string, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return "", fmt.Errorf("health URL %q: %w", url, err)
		}
		resp, err := client.Do(req)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10)) // a short read still tells what was seen
		var h struct {
			Status string `json:"status"`
		}
		if err := json.Unmarshal(body, &h); err != nil {
			return "", fmt.Errorf("GET %s: HTTP %d, body is not JSON: %q", url, resp.StatusCode, clip(string(body)))
		}
		if resp.StatusCode != http.StatusOK || h.Status != "ok" {
			return "", fmt.Errorf("GET %s: HTTP %d: %s", url, resp.StatusCode, clip(string(body)))
		}
		return fmt.Sprintf("HTTP 200 %s", clip(string(body))), nil
	}
}

// Backoff bounds a wait: the first delay, its growth cap, and the overall
// timeout.
type Backoff struct {
	Initial time.Duration
	Max     time.Duration
	Timeout time.Duration
	// Attempt bounds each probe call (default 3s).
	Attempt time.Duration
}

// DefaultBackoff waits up to a minute, polling from 50ms to 2s.
var DefaultBackoff = Backoff{Initial: 50 * time.Millisecond, Max: 2 * time.Second, Timeout: time.Minute, Attempt: 3 * time.Second}

// NotReadyError says a dependency never became ready: its name, how long we
// waited, how often we tried and what the last attempt saw.
type NotReadyError struct {
	Name     string
	Waited   time.Duration
	Attempts int
	Last     error
}

func (e *NotReadyError) Error() string {
	return fmt.Sprintf("%s not ready after %s (%d attempts); last seen: %v", e.Name, e.Waited.Round(time.Millisecond), e.Attempts, e.Last)
}

func (e *NotReadyError) Unwrap() error { return e.Last }

// WaitReady polls probe with exponential backoff until it succeeds, ctx ends
// or b.Timeout passes; it returns what the successful probe saw.
func WaitReady(ctx context.Context, name string, probe Probe, b Backoff) (string, error) {
	if b.Initial <= 0 {
		b.Initial = DefaultBackoff.Initial
	}
	if b.Max < b.Initial {
		b.Max = b.Initial
	}
	if b.Attempt <= 0 {
		b.Attempt = DefaultBackoff.Attempt
	}
	if b.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, b.Timeout)
		defer cancel()
	}
	start := time.Now()
	delay := b.Initial
	var last error // what the last attempt that ran to its end saw
	for attempts := 1; ; attempts++ {
		actx, cancel := context.WithTimeout(ctx, b.Attempt)
		seen, err := probe(actx)
		cancel()
		if err == nil {
			return seen, nil
		}
		// An attempt cut short by the overall deadline saw nothing new.
		if ctx.Err() == nil || last == nil {
			last = err
			if ctx.Err() != nil && errors.Is(err, context.DeadlineExceeded) {
				last = fmt.Errorf("probe timed out: %w", err)
			}
		}
		select {
		case <-ctx.Done():
			return "", &NotReadyError{Name: name, Waited: time.Since(start), Attempts: attempts, Last: last}
		case <-time.After(delay):
		}
		delay = min(delay*2, b.Max)
	}
}
