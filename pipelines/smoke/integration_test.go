package smoke_test

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stack-ci/stack/pipelines/internal/loopback"
	"github.com/stack-ci/stack/pipelines/nginxconf"
	"github.com/stack-ci/stack/pipelines/recipe"
	"github.com/stack-ci/stack/pipelines/smoke"
)

// stack is the sample application running natively: postgres and redis on
// loopback, the backend under node, the SPA behind nginx.
type stack struct {
	dir     string
	pg      *loopback.Postgres
	redis   *loopback.Redis
	backend *loopback.App
}

func startStack(t *testing.T) *stack {
	t.Helper()
	dir := loopback.AppDir(t, true)
	pg := loopback.StartPostgres(t)
	rd := loopback.StartRedis(t)
	app := loopback.StartApp(t, dir, append(pg.Env(), rd.Env()...)...)
	return &stack{dir: dir, pg: pg, redis: rd, backend: app}
}

// front serves the built SPA through nginx with the given server config.
func (s *stack) front(t *testing.T, conf string) smoke.Target {
	t.Helper()
	path := filepath.Join(t.TempDir(), "default.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	ng := loopback.StartNginx(t, path, filepath.Join(s.dir, "dist"), s.backend.Addr())
	return smoke.DefaultTarget(ng.URL)
}

func (s *stack) shippedConf(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(s.dir, "nginx", "default.conf"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func runChecks(t *testing.T, target smoke.Target) smoke.Results {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rs := smoke.Run(ctx, target.Checks(), 20*time.Second)
	var buf bytes.Buffer
	if err := rs.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	t.Logf("smoke checks through %s:\n%s", target.BaseURL, buf.String())
	return rs
}

// TestStackThroughNginx is the foundation's end-to-end proof: every check
// passes through nginx with the shipped config; then postgres stops and the
// health endpoint turns 503, naming postgres.
func TestStackThroughNginx(t *testing.T) {
	s := startStack(t)
	target := s.front(t, s.shippedConf(t))
	rs := runChecks(t, target)
	if !rs.Passed() {
		t.Fatalf("smoke checks failed: %v", rs.Failed())
	}

	s.pg.Stop()
	deadline := time.Now().Add(15 * time.Second)
	for {
		status, h, err := target.FetchHealth(context.Background())
		if err == nil && status == http.StatusServiceUnavailable {
			if h["postgres"] == "ok" || h["redis"] != "ok" {
				t.Fatalf("503 with the wrong part named: %v", h)
			}
			t.Logf("postgres stopped: HTTP 503 %v", h)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("health did not turn 503 after postgres stopped: status %d %v %v", status, h, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestDefaultNginxConfigServesTheStack runs the same checks through the
// module's own nginx config, used for apps that ship none.
func TestDefaultNginxConfigServesTheStack(t *testing.T) {
	s := startStack(t)
	rs := runChecks(t, s.front(t, recipe.DefaultNginxConfig(recipe.BackendHost, recipe.DefaultBackendPort)))
	if !rs.Passed() {
		t.Fatalf("smoke checks failed with the module's default nginx config: %v", rs.Failed())
	}
}

// TestNginxTemplateRendersAsTheImageWould serves the stack through the
// shipped config turned into a template (the backend's address in env
// variables) and rendered as the nginx image's entrypoint renders it: the
// checks pass, so nginx's own $variables survived the rendering.
func TestNginxTemplateRendersAsTheImageWould(t *testing.T) {
	s := startStack(t)
	tpl := strings.Replace(s.shippedConf(t), "server backend:8765;", "server ${BACKEND_HOST}:${BACKEND_PORT};", 1)
	if tpl == s.shippedConf(t) {
		t.Fatal("the shipped config no longer names backend:8765: update this test")
	}
	rendered := nginxconf.Envsubst(tpl, map[string]string{"BACKEND_HOST": "backend", "BACKEND_PORT": "8765"})
	if rs := runChecks(t, s.front(t, rendered)); !rs.Passed() {
		t.Fatalf("smoke checks failed through the rendered template: %v", rs.Failed())
	}
}

// TestChecksFailWhenTheirSubjectBreaks breaks the nginx config one way at a
// time and expects exactly the checks about that part to fail.
func TestChecksFailWhenTheirSubjectBreaks(t *testing.T) {
	s := startStack(t)
	shipped := s.shippedConf(t)
	for _, tc := range []struct {
		name     string
		old, new string
		failing  []string
	}{
		{"wrong socket.io proxy path", "location /socket.io/", "location /sockets/", []string{"websocket-echo", "websocket-broadcast"}},
		{"wrong api proxy path", "location /api/", "location /apis/", []string{"api-health", "rest-roundtrip"}},
		{"no SPA fallback", "/index.html;", "=404;", []string{"spa-deep-link"}},
		// nginx drops inherited add_header directives in a location that sets its own.
		{"location with its own add_header", "location /api/ {", "location /api/ {\n        add_header X-Served-By api;", []string{"security-headers"}},
		{"no gzip", "gzip on;", "gzip off;", []string{"gzip"}},
		{"missing security header", `add_header X-Content-Type-Options`, `add_header X-Was-Content-Type-Options`, []string{"security-headers"}},
		{"no long cache for assets", "immutable", "must-revalidate", []string{"cache-headers"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(shipped, tc.old) {
				t.Fatalf("the shipped nginx config no longer contains %q: update this test", tc.old)
			}
			rs := runChecks(t, s.front(t, strings.ReplaceAll(shipped, tc.old, tc.new)))
			want := map[string]bool{}
			for _, name := range tc.failing {
				want[name] = true
			}
			for _, r := range rs {
				if r.Passed == want[r.Name] {
					t.Errorf("%s: passed=%v, want %v (%s)", r.Name, r.Passed, !want[r.Name], r.Detail)
				}
			}
		})
	}
}
