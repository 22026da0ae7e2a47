package smoke

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

func TestRunKeepsGoingAndTimesEachCheck(t *testing.T) {
	t.Parallel()
	checks := []Check{
		{"ok", func(context.Context) (string, error) { return "fine", nil }},
		{"bad", func(context.Context) (string, error) { return "", errors.New("broken thing") }},
		{"slow", func(ctx context.Context) (string, error) { <-ctx.Done(); return "", ctx.Err() }},
		{"panics", func(context.Context) (string, error) { panic("boom") }},
		{"last", func(context.Context) (string, error) { return "ran", nil }},
	}
	rs := Run(context.Background(), checks, 50*time.Millisecond)
	if len(rs) != 5 || rs.Passed() {
		t.Fatalf("Run = %+v", rs)
	}
	want := map[string]bool{"ok": true, "bad": false, "slow": false, "panics": false, "last": true}
	for _, r := range rs {
		if r.Passed != want[r.Name] {
			t.Errorf("%s passed=%v, want %v (%s)", r.Name, r.Passed, want[r.Name], r.Detail)
		}
	}
	if r, _ := rs.Get("slow"); r.Duration < 50*time.Millisecond || !strings.Contains(r.Detail, "deadline") {
		t.Errorf("slow check: %+v", r)
	}
	if r, _ := rs.Get("panics"); !strings.Contains(r.Detail, "boom") {
		t.Errorf("panicking check: %+v", r)
	}
	if got := len(rs.Failed()); got != 3 {
		t.Errorf("Failed() has %d results, want 3", got)
	}
	var buf bytes.Buffer
	if err := rs.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "2 passed, 3 failed") || !strings.Contains(buf.String(), "broken thing") {
		t.Errorf("table:\n%s", buf.String())
	}
	if (Results{}).Passed() {
		t.Error("an empty run passed")
	}
}

func TestResultJSONRoundTrip(t *testing.T) {
	t.Parallel()
	in := Result{Name: "gzip", Passed: true, Duration: 1500 * time.Microsecond, Detail: "x"}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"name":"gzip","passed":true,"duration_ms":1.5,"detail":"x"}` {
		t.Errorf("JSON = %s", b)
	}
	var out Result
	if err := json.Unmarshal(b, &out); err != nil || out != in {
		t.Errorf("round trip = %+v, %v", out, err)
	}
}

func TestWaitReadyNamesTheServiceAndWhatItSaw(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	_, err = WaitReady(context.Background(), "redis", RedisProbe(addr, "pw"), Backoff{Initial: 10 * time.Millisecond, Max: 40 * time.Millisecond, Timeout: 300 * time.Millisecond})
	var nr *NotReadyError
	if !errors.As(err, &nr) {
		t.Fatalf("err = %v, want NotReadyError", err)
	}
	if nr.Name != "redis" || nr.Attempts < 2 || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("err = %v (%d attempts)", err, nr.Attempts)
	}
}

func TestWaitReadySucceedsOnceReady(t *testing.T) {
	t.Parallel()
	calls := 0
	seen, err := WaitReady(context.Background(), "x", func(context.Context) (string, error) {
		calls++
		if calls < 3 {
			return "", errors.New("not yet")
		}
		return "ready", nil
	}, Backoff{Initial: time.Millisecond, Timeout: time.Second})
	if err != nil || seen != "ready" || calls != 3 {
		t.Errorf("WaitReady = %q, %v after %d calls", seen, err, calls)
	}
}

func TestHealthProbe(t *testing.T) {
	t.Parallel()
	status := http.StatusServiceUnavailable
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
		if status == http.StatusOK {
			w.Write([]byte(`{"status":"ok"}`))
		} else {
			w.Write([]byte(`{"status":"degraded","redis":"error: ECONNREFUSED"}`))
		}
	}))
	defer srv.Close()
	probe := HealthProbe(srv.Client(), srv.URL+"/health")
	if _, err := probe(context.Background()); err == nil || !strings.Contains(err.Error(), "ECONNREFUSED") || !strings.Contains(err.Error(), "503") {
		t.Errorf("degraded health: err = %v", err)
	}
	status = http.StatusOK
	if _, err := probe(context.Background()); err != nil {
		t.Errorf("healthy: %v", err)
	}
}

// A server that upgrades to WebSocket but never speaks Engine.IO must fail
// the socket checks with a clear reason, not hang.
func TestDialFailsOnSilentServer(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		<-r.Context().Done()
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := Dial(ctx, srv.URL)
	if err == nil || !strings.Contains(err.Error(), "waiting for the engine.io open packet") {
		t.Errorf("Dial = %v", err)
	}
	rs := Run(context.Background(), []Check{{"websocket-echo", DefaultTarget(srv.URL).CheckEcho}}, 300*time.Millisecond)
	if rs.Passed() || !strings.Contains(rs[0].Detail, "engine.io open packet") {
		t.Errorf("echo check against a silent server: %+v", rs)
	}
}

func TestDialRejectsBadURL(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"ftp://x", "::"} {
		if _, err := Dial(context.Background(), u); err == nil {
			t.Errorf("Dial(%q) succeeded", u)
		}
	}
}

func TestMaxAge(t *testing.T) {
	t.Parallel()
	for cc, want := range map[string]int{
		"public, max-age=31536000, immutable": 31536000,
		"no-cache":                            -1,
		`max-age="60"`:                        60,
		"s-maxage=5, MAX-AGE=7":               7,
	} {
		if got := maxAge(cc); got != want {
			t.Errorf("maxAge(%q) = %d, want %d", cc, got, want)
		}
	}
}
