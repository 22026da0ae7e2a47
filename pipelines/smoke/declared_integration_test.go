package smoke_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stack-ci/stack/pipelines/config"
	"github.com/stack-ci/stack/pipelines/internal/loopback"
	"github.com/stack-ci/stack/pipelines/smoke"
)

// The example apps run natively on loopback, with their own stack.yaml, and
// the checker's `check` and `run` commands test them as the pipeline does.

// writeSpec writes a spec as ci/ does, for `stack-smoke run --checks`.
func writeSpec(t *testing.T, s smoke.Spec) string {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "checks.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// checkArgs are the `stack-smoke check` arguments for an effective config,
// as the pipeline passes them.
func checkArgs(base string, s config.Smoke) []string {
	return []string{"check", "--base", base, "--deep-link", s.DeepLink, "--health-path", s.HealthPath,
		"--deps", strings.Join(s.HealthDependencies, ","), "--notes-path", s.RoundtripPath, "--socket-path", s.SocketPath,
		"--disable", strings.Join(s.Disable, ",")}
}

// runCLI runs the checker with --json and returns the results it wrote.
func runCLI(t *testing.T, args ...string) (int, smoke.Results, string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "results.json")
	code, table, stderr := run(t, nil, append(args, "--json", out)...)
	t.Logf("stack-smoke %s:\n%s%s", args[0], table, stderr)
	var rs smoke.Results
	if b, err := os.ReadFile(out); err == nil {
		if err := json.Unmarshal(b, &rs); err != nil {
			t.Fatalf("results file: %v\n%s", err, b)
		}
	}
	return code, rs, table + stderr
}

func runSpecAt(t *testing.T, s smoke.Spec, base string) smoke.Results {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rs := s.Run(ctx, base, nil)
	var buf bytes.Buffer
	if err := rs.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	t.Logf("declared checks:\n%s", buf.String())
	return rs
}

// clone deep-copies a spec through its JSON, so a test can break a copy.
func clone(t *testing.T, s smoke.Spec) smoke.Spec {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	out, err := smoke.ParseSpec(b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func checkNamed(t *testing.T, s *smoke.Spec, name string) *smoke.CheckSpec {
	t.Helper()
	for i := range s.Checks {
		if s.Checks[i].Name == name {
			return &s.Checks[i]
		}
	}
	t.Fatalf("no declared check %q", name)
	return nil
}

// TestNextMySQLDeclaredChecks runs next-mysql (its standalone build under
// node, MariaDB, Redis): the standard checks its stack.yaml leaves on and
// its declared login-then-join and next-pages checks pass; broken copies of
// login-then-join fail with a detail that names the step and the reason.
func TestNextMySQLDeclaredChecks(t *testing.T) {
	dir := loopback.NextMySQLDir(t)
	db := loopback.StartMariaDB(t)
	rd := loopback.StartRedis(t)
	app := loopback.StartNode(t, "next-mysql", filepath.Join(dir, ".next", "standalone"), []string{"server.js"},
		[]string{"DATABASE_URL=" + db.URL(), "REDIS_URL=" + rd.URL()}, "/health")
	eff := effective(t, filepath.Join(dir, "stack.yaml"))
	spec := eff.Smoke.Spec()

	code, rs, out := runCLI(t, append(checkArgs(app.URL, eff.Smoke), "--fail")...)
	if code != 0 || len(rs) != len(eff.Smoke.Enabled()) || !rs.Passed() {
		t.Errorf("standard checks %v: exit %d\n%s", eff.Smoke.Enabled(), code, out)
	}

	code, rs, out = runCLI(t, "run", "--base", app.URL, "--checks", writeSpec(t, spec), "--fail")
	if code != 0 || len(rs) != 2 || !rs.Passed() {
		t.Fatalf("declared checks: exit %d\n%s\nserver log:\n%s", code, out, app.Tail(30))
	}
	if r, _ := rs.Get("login-then-join"); !strings.Contains(r.Detail, "POST /api/v1/login 200; socket.io connected; join acked; echo acked; shout emitted, broadcast received") {
		t.Errorf("login-then-join detail: %s", r.Detail)
	}

	for _, tc := range []struct {
		name   string
		mutate func(c *smoke.CheckSpec)
		want   string
	}{
		{"without the login", func(c *smoke.CheckSpec) { c.Steps = c.Steps[1:] },
			`step 1/4 "connect with the cookie": server refused the socket: unauthorized`},
		{"wrong status", func(c *smoke.CheckSpec) { c.Steps[0].HTTP.Expect.Status = 201 },
			`step 1/5 "log in (sets the httpOnly session cookie)": POST /api/v1/login: HTTP 200, want 201 (body: "{\"name\":\"smoke-`},
		{"wrong json field", func(c *smoke.CheckSpec) { c.Steps[0].HTTP.Expect.JSON = map[string]any{"name": "someone-else"} },
			`POST /api/v1/login: HTTP 200, field "name" is "smoke-`},
		{"wrong ack fragment", func(c *smoke.CheckSpec) { c.Steps[2].SocketIO.Expect.Contains = `"ok":false` },
			`step 3/5 "join a room": the ack of "join" is [{"ok":true,"room":"smoke-`},
		{"invalid room", func(c *smoke.CheckSpec) { c.Steps[2].SocketIO.Payload = map[string]any{"room": "no spaces {{nonce}}"} },
			`"ok":false`},
		{"an event that never comes", func(c *smoke.CheckSpec) {
			c.Steps[4].SocketIO.Expect.Event = "shouted"
			c.Steps[4].SocketIO.Timeout = smoke.Duration(time.Second)
		}, `step 5/5 "shout comes back as broadcast": no "shouted" event containing "`},
		{"a captured field that is not there", func(c *smoke.CheckSpec) { c.Steps[0].HTTP.Capture = map[string]string{"uid": "user.id"} },
			`capturing uid: field "user.id": the answer has no field "user" (fields: name)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			broken := clone(t, spec)
			broken.Checks = []smoke.CheckSpec{*checkNamed(t, &broken, "login-then-join")}
			tc.mutate(&broken.Checks[0])
			rs := runSpecAt(t, broken, app.URL)
			if len(rs) != 1 || rs[0].Passed || !strings.Contains(rs[0].Detail, tc.want) {
				t.Errorf("detail:\n%s\nwant it to contain:\n%s", rs[0].Detail, tc.want)
			}
		})
	}

	// The event wait names what did arrive.
	broken := clone(t, spec)
	c := checkNamed(t, &broken, "login-then-join")
	c.Steps[4].SocketIO.Expect.Contains = "not-{{nonce}}"
	c.Steps[4].SocketIO.Timeout = smoke.Duration(time.Second)
	broken.Checks = []smoke.CheckSpec{*c}
	if rs := runSpecAt(t, broken, app.URL); rs.Passed() || !strings.Contains(rs[0].Detail, "within 1s (the step's timeout) (events seen: welcome [{") || !strings.Contains(rs[0].Detail, `; broadcast [{"text":"`) {
		t.Errorf("detail: %s", rs[0].Detail)
	}
}

// TestSplitYarnThroughNginx runs split-yarn as its images would: the API
// (tsc output under node) with PostgreSQL and Redis, the built SPA behind
// nginx with the app's own config (upstream api:3000 rewritten to the
// loopback API). The standard checks its stack.yaml leaves on pass, and so
// do its declared checks (it declares none; a note round trip with Socket.IO
// is declared here, the shape a split app would write).
func TestSplitYarnThroughNginx(t *testing.T) {
	dir := loopback.SplitYarnDir(t)
	pg := loopback.StartPostgres(t)
	rd := loopback.StartRedis(t)
	api := loopback.StartNode(t, "split-yarn-api", filepath.Join(dir, "backend"), []string{"dist/index.js"},
		[]string{"DATABASE_URL=" + pg.URL(pg.DB), "REDIS_URL=" + rd.URL()}, "/healthz")
	eff := effective(t, filepath.Join(dir, "stack.yaml"))
	web, _ := eff.Image("web")
	ng := loopback.StartNginx(t, filepath.Join(dir, web.NginxConfig), filepath.Join(dir, web.Path, web.OutputDir), api.Addr())

	code, rs, out := runCLI(t, append(checkArgs(ng.URL, eff.Smoke), "--fail")...)
	if code != 0 || len(rs) != len(eff.Smoke.Enabled()) || !rs.Passed() {
		t.Errorf("standard checks %v: exit %d\n%s\napi log:\n%s", eff.Smoke.Enabled(), code, out, api.Tail(30))
	}

	spec := eff.Smoke.Spec()
	if len(spec.Checks) != 0 {
		t.Fatalf("split-yarn declares checks now (%d): run them as they are and update this test", len(spec.Checks))
	}
	spec.Checks = append(spec.Checks, smoke.CheckSpec{Name: "note-then-broadcast", Steps: []smoke.Step{
		{Name: "write a note", HTTP: &smoke.HTTPStep{Method: "POST", Path: "/api/v1/notes", JSON: map[string]any{"text": "smoke {{nonce}}"},
			Expect: smoke.HTTPExpect{Status: 201, JSON: map[string]any{"text": "smoke {{nonce}}"}}, Capture: map[string]string{"note": "id"}}},
		{Name: "read it back", HTTP: &smoke.HTTPStep{Path: "/api/v1/notes/{{note}}", Expect: smoke.HTTPExpect{Contains: "smoke {{nonce}}", JSON: map[string]any{"id": "{{note}}"}}}},
		{Name: "it is in the list", HTTP: &smoke.HTTPStep{Path: "/api/v1/notes", Expect: smoke.HTTPExpect{Contains: `"id":{{note}},`}}},
		{Name: "welcome on connect", SocketIO: &smoke.SocketIOStep{Expect: smoke.SocketIOExpect{Event: "welcome"}}},
		{Name: "echo the note", SocketIO: &smoke.SocketIOStep{Emit: "echo", Payload: map[string]any{"note": "{{note}}", "nonce": "{{nonce}}"},
			Expect: smoke.SocketIOExpect{Ack: true, Contains: `"note":{{note}}`}, Capture: map[string]string{"echoed": "nonce"}}},
		{Name: "shout", SocketIO: &smoke.SocketIOStep{Emit: "shout", Payload: map[string]any{"text": "{{echoed}}"}, Expect: smoke.SocketIOExpect{Event: "broadcast", Contains: "{{nonce}}"}}},
	}})
	code, rs, out = runCLI(t, "run", "--base", ng.URL, "--checks", writeSpec(t, spec), "--fail")
	if code != 0 || len(rs) != 1 || !rs.Passed() {
		t.Errorf("declared checks: exit %d\n%s\napi log:\n%s", code, out, api.Tail(30))
	}
	// The API serves /api/ and /socket.io/ itself: straight at it, the same
	// check passes too.
	if rs := runSpecAt(t, spec, api.URL); !rs.Passed() {
		t.Errorf("against the API directly: %v", rs)
	}
}

// TestHivemindDeclaredRoundTrip declares the standard rest-roundtrip check
// as steps (a captured id in the next path) and runs it through nginx.
func TestHivemindDeclaredRoundTrip(t *testing.T) {
	s := startStack(t)
	target := s.front(t, s.shippedConf(t))
	spec := smoke.Spec{Checks: []smoke.CheckSpec{{Name: "notes-roundtrip", Steps: []smoke.Step{
		{Name: "write", HTTP: &smoke.HTTPStep{Method: "POST", Path: "/api/v1/notes", JSON: map[string]any{"text": "smoke {{nonce}}"},
			Expect: smoke.HTTPExpect{Status: 201}, Capture: map[string]string{"id": "id"}}},
		{Name: "read back", HTTP: &smoke.HTTPStep{Path: "/api/v1/notes/{{id}}", Expect: smoke.HTTPExpect{JSON: map[string]any{"id": "{{id}}", "text": "smoke {{nonce}}"}}}},
		{Name: "echo over websocket", SocketIO: &smoke.SocketIOStep{Emit: "echo", Payload: map[string]any{"id": "{{id}}"}, Expect: smoke.SocketIOExpect{Ack: true, Contains: `"id":{{id}}`}}},
	}}}}
	code, rs, out := runCLI(t, "run", "--base", target.BaseURL, "--checks", writeSpec(t, spec), "--fail")
	if code != 0 || !rs.Passed() {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if d := rs[0].Detail; !strings.HasPrefix(d, "3 steps: POST /api/v1/notes 201; GET /api/v1/notes/") {
		t.Errorf("detail: %s", d)
	}

	// Reading back a note that is not there fails, naming the status.
	spec.Checks[0].Steps[1].HTTP.Path = "/api/v1/notes/{{id}}0000"
	code, rs, _ = runCLI(t, "run", "--base", target.BaseURL, "--checks", writeSpec(t, spec), "--fail")
	if code != 1 || rs.Passed() || !strings.Contains(rs[0].Detail, `step 2/3 "read back": GET /api/v1/notes/`) || !strings.Contains(rs[0].Detail, "HTTP 404, want 200") {
		t.Errorf("exit %d, %+v", code, rs)
	}
}
