package smoke_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stack-ci/stack/pipelines/internal/loopback"
	"github.com/stack-ci/stack/pipelines/smoke"
)

// run runs the checker's command line natively.
func run(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := smoke.Main(context.Background(), args, &stdout, &stderr, func(k string) string { return env[k] })
	return code, stdout.String(), stderr.String()
}

func TestCLIUsageErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "usage:"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"wait", "--service", "oracle"}, `--service "oracle"`},
		{[]string{"wait", "--service", "redis", "--addr", "x:1"}, "--password-env is required"},
		{[]string{"check"}, "check needs --base"},
		{[]string{"check", "--base", "http://x", "extra"}, `unexpected argument "extra"`},
		{[]string{"recovery", "--health-url", "http://x"}, "needs --health-url, --redis-addr and --pause-file"},
		{[]string{"run", "--base", "http://x"}, "run needs --base and --checks"},
		{[]string{"run", "--checks", "x.json"}, "run needs --base and --checks"},
		{[]string{"check", "--base", "http://x", "--disable", "gzip,gzipp"}, `--disable: no standard check is called "gzipp"; they are spa-index, spa-deep-link`},
	} {
		code, _, stderr := run(t, nil, tc.args...)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want 2 and %q", tc.args, code, stderr, tc.want)
		}
	}
	if code, _, stderr := run(t, nil, "wait", "--service", "postgres", "--url-env", "PG_URL"); code != 1 || !strings.Contains(stderr, "PG_URL (--url-env) is empty") {
		t.Errorf("missing secret variable: exit %d, %q", code, stderr)
	}
}

func TestCLIWaitNamesTheServiceAndShowsItsLog(t *testing.T) {
	t.Parallel()
	log := filepath.Join(t.TempDir(), "redis.log")
	if err := os.WriteFile(log, []byte(strings.Repeat("noise\n", 40)+"FATAL: bad config directive\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(loopback.FreePort(t))
	code, _, stderr := run(t, map[string]string{"PW": "x"}, "wait", "--service", "redis", "--addr", addr, "--password-env", "PW", "--timeout", "300ms", "--log", log)
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	for _, want := range []string{"redis not ready after", "connection refused", "last 30 lines of " + log, "FATAL: bad config directive"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}

func TestCLIWaitForRealServices(t *testing.T) {
	t.Parallel()
	pg := loopback.StartPostgres(t)
	rd := loopback.StartRedis(t)
	env := map[string]string{"PG_URL": pg.URL(pg.DB), "REDIS_PW": rd.Password}
	if code, out, stderr := run(t, env, "wait", "--service", "postgres", "--url-env", "PG_URL"); code != 0 || !strings.Contains(out, "postgres ready after") || !strings.Contains(out, "PostgreSQL") {
		t.Errorf("postgres: exit %d, %q %q", code, out, stderr)
	}
	if code, out, stderr := run(t, env, "wait", "--service", "redis", "--addr", rd.Addr(), "--password-env", "REDIS_PW"); code != 0 || !strings.Contains(out, "PONG") {
		t.Errorf("redis: exit %d, %q %q", code, out, stderr)
	}
	env["REDIS_PW"] = "wrong"
	if code, _, stderr := run(t, env, "wait", "--service", "redis", "--addr", rd.Addr(), "--password-env", "REDIS_PW", "--timeout", "500ms"); code != 1 || !strings.Contains(stderr, "WRONGPASS") {
		t.Errorf("redis with a wrong password: exit %d, %q", code, stderr)
	}
}

// TestCLICheckAndRecoveryAgainstTheSampleApp runs the checker's check and
// recovery commands as the pipeline does, natively: the stack through nginx,
// and the backend through a real Redis restart.
func TestCLICheckAndRecoveryAgainstTheSampleApp(t *testing.T) {
	dir := loopback.AppDir(t, true)
	pg := loopback.StartPostgres(t)
	rd := loopback.StartSupervisedRedis(t)
	app := loopback.StartApp(t, dir, append(pg.Env(), rd.Env()...)...)
	ng := loopback.StartNginx(t, filepath.Join(dir, "nginx", "default.conf"), filepath.Join(dir, "dist"), app.Addr())

	out := filepath.Join(t.TempDir(), "smoke.json")
	code, table, stderr := run(t, nil, "check", "--base", ng.URL, "--json", out, "--fail")
	if code != 0 {
		t.Fatalf("check: exit %d\n%s%s", code, table, stderr)
	}
	var rs smoke.Results
	b, err := os.ReadFile(out)
	if err != nil || json.Unmarshal(b, &rs) != nil || !rs.Passed() || len(rs) != 9 {
		t.Errorf("results file: %s (%v)", b, err)
	}

	env := map[string]string{"REDIS_PW": rd.Password}
	code, table, stderr = run(t, env, "recovery", "--health-url", app.URL+"/health", "--redis-addr", rd.Addr(),
		"--redis-password-env", "REDIS_PW", "--pause-file", rd.PauseFile, "--timeout", "30s", "--fail")
	t.Logf("recovery:\n%s", table)
	if code != 0 || !strings.Contains(table, "redis-restart") || !strings.Contains(table, "without a backend restart") {
		t.Errorf("recovery: exit %d\n%s%s\nbackend log:\n%s", code, table, stderr, app.Tail(30))
	}
}

// The recovery check fails when Redis never comes back.
func TestRecoveryFailsWhenRedisStaysDown(t *testing.T) {
	dir := loopback.AppDir(t, false)
	pg := loopback.StartPostgres(t)
	rd := loopback.StartSupervisedRedis(t)
	app := loopback.StartApp(t, dir, append(pg.Env(), rd.Env()...)...)
	begin, _ := smoke.PauseFile(rd.PauseFile)
	outage := smoke.Outage{
		Dependency: "redis",
		Begin: func(ctx context.Context) error {
			if err := begin(); err != nil {
				return err
			}
			rd.Stop() // the supervisor and its server, for good
			return nil
		},
		End: func(context.Context) error { return nil },
	}
	r := smoke.CheckRecovery(context.Background(), nil, app.URL+"/health", outage, 5*time.Second)
	if r.Passed || !strings.Contains(r.Detail, "did not recover") {
		t.Errorf("recovery with redis gone: %+v", r)
	}
}

func TestCLIWaitForMariaDB(t *testing.T) {
	t.Parallel()
	db := loopback.StartMariaDB(t)
	code, out, stderr := run(t, map[string]string{"DB_URL": db.URL()}, "wait", "--service", "mariadb", "--url-env", "DB_URL")
	if code != 0 || !strings.Contains(out, "MariaDB") {
		t.Errorf("mariadb: exit %d, %q %q", code, out, stderr)
	}
	bad := strings.Replace(db.URL(), db.Password, "wrong", 1)
	code, _, stderr = run(t, map[string]string{"DB_URL": bad}, "wait", "--service", "mysql", "--url-env", "DB_URL", "--timeout", "500ms")
	if code != 1 || !strings.Contains(stderr, "Access denied") {
		t.Errorf("wrong password: exit %d, %q", code, stderr)
	}
}

// --disable leaves checks out; --deps given empty checks no dependency.
func TestCLICheckDisableAndDeps(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"status":"ok","mysql":"ok"}`))
	}))
	defer srv.Close()
	var others []string
	for _, c := range smoke.DefaultTarget("").Checks() {
		if c.Name != "api-health" {
			others = append(others, c.Name)
		}
	}
	disable := strings.Join(others, ",")
	for _, tc := range []struct {
		deps []string
		code int
		want string
	}{
		{nil, 1, "postgres is <nil>, want ok"},
		{[]string{"--deps", ""}, 0, "status ok"},
		{[]string{"--deps", "mysql"}, 0, "mysql ok"},
		{[]string{"--deps", "mysql,redis"}, 1, "redis is <nil>, want ok"},
	} {
		args := append([]string{"check", "--base", srv.URL, "--health-path", "/h", "--disable", disable, "--fail"}, tc.deps...)
		code, table, stderr := run(t, nil, args...)
		if code != tc.code || !strings.Contains(table, tc.want) || strings.Count(table, "\n") != 3 {
			t.Errorf("%q: exit %d, want %d and %q:\n%s%s", tc.deps, code, tc.code, tc.want, table, stderr)
		}
	}
}

func TestCLIRun(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"path":"` + r.URL.Path + `"}`))
	}))
	defer srv.Close()
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	none := write("none.json", `{"checks":[]}`)
	if code, table, stderr := run(t, nil, "run", "--base", srv.URL, "--checks", none, "--fail"); code != 0 || !strings.Contains(table, "0 passed, 0 failed") {
		t.Errorf("no declared checks: exit %d\n%s%s", code, table, stderr)
	}
	two := write("two.json", `{"timeout":"5s","checks":[
		{"name":"good","steps":[{"http":{"path":"/a/{{nonce}}","capture":{"p":"path"}}},{"http":{"path":"/echo{{p}}","expect":{"contains":"/echo/a/"}}}]},
		{"name":"bad","steps":[{"name":"wants 201","http":{"path":"/b","expect":{"status":201}}}]}]}`)
	out := filepath.Join(dir, "results.json")
	code, table, stderr := run(t, nil, "run", "--base", srv.URL, "--checks", two, "--json", out, "--fail")
	if code != 1 || !strings.Contains(stderr, "1 of 2 declared checks failed") || !strings.Contains(table, `step 1/1 "wants 201": GET /b: HTTP 200, want 201`) {
		t.Errorf("exit %d\n%s%s", code, table, stderr)
	}
	var rs smoke.Results
	if b, err := os.ReadFile(out); err != nil || json.Unmarshal(b, &rs) != nil || len(rs) != 2 || !rs[0].Passed || rs[1].Passed {
		t.Errorf("results file: %+v (%v)", rs, err)
	}
	if code, _, _ := run(t, nil, "run", "--base", srv.URL, "--checks", two); code != 0 {
		t.Errorf("without --fail: exit %d", code)
	}
	bad := write("bad.json", `{"checks":[{"name":"x","steps":[{"http":{"path":"/{{who}}"}}]}]}`)
	if code, _, stderr := run(t, nil, "run", "--base", srv.URL, "--checks", bad); code != 1 || !strings.Contains(stderr, bad+": invalid smoke checks") || !strings.Contains(stderr, "{{who}} is not defined") {
		t.Errorf("invalid file: exit %d, %q", code, stderr)
	}
	if code, _, stderr := run(t, nil, "run", "--base", srv.URL, "--checks", filepath.Join(dir, "absent.json")); code != 1 || !strings.Contains(stderr, "reading smoke checks") {
		t.Errorf("missing file: exit %d, %q", code, stderr)
	}
}
