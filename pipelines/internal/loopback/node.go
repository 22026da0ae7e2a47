package loopback

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stack-ci/stack/pipelines/smoke"
)

// StartNode starts `node argv…` in dir as a server named name, on a free
// port given as PORT (with HOST and HOSTNAME 127.0.0.1, NODE_ENV production)
// and env added, and waits until GET healthPath answers 200 with status
// "ok". It serves any of the example apps: the hivemind backend
// (server/index.js), split-yarn's API (dist/index.js) and next-mysql's
// standalone server (server.js).
func StartNode(t testing.TB, name, dir string, argv, env []string, healthPath string) *App {
	t.Helper()
	node := LookPath(t, "node")
	port := FreePort(t)
	env = append([]string{"PORT=" + strconv.Itoa(port), "HOST=127.0.0.1", "HOSTNAME=127.0.0.1", "NODE_ENV=production"}, env...)
	proc := start(t, name, "", env, dir, append([]string{node}, argv...)...)
	a := &App{URL: "http://127.0.0.1:" + strconv.Itoa(port), Port: port, proc: proc}
	probe := smoke.HealthProbe(&http.Client{Timeout: 2 * time.Second}, a.URL+healthPath)
	waitFor(t, proc, 90*time.Second, func(ctx context.Context) error {
		_, err := probe(ctx)
		return err
	})
	return a
}

// URL returns redis://:password@host:port, as REDIS_URL.
func (r *Redis) URL() string {
	return fmt.Sprintf("redis://:%s@%s", r.Password, r.Addr())
}

// prepared requires files of an example app that its preparation makes,
// each with the command that makes it.
func prepared(t testing.TB, dir string, need [][2]string) {
	t.Helper()
	for _, n := range need {
		_, err := os.Stat(filepath.Join(dir, n[0]))
		Require(t, err == nil, fmt.Sprintf("%s is missing: run `%s` (scripts/test does)", filepath.Join(dir, n[0]), n[1]))
	}
}

// SplitYarnDir returns examples/split-yarn, requiring its built SPA
// (frontend/dist) and its compiled API with its node_modules (backend/dist).
func SplitYarnDir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(RepoRoot(t), "examples", "split-yarn")
	const yarn = "npx --yes yarn@1.22.22"
	prepared(t, dir, [][2]string{
		{"frontend/node_modules", "cd frontend && " + yarn + " install --frozen-lockfile"},
		{"frontend/dist/index.html", "cd frontend && " + yarn + " build"},
		{"backend/node_modules", "cd backend && " + yarn + " install --frozen-lockfile"},
		{"backend/dist/index.js", "cd backend && " + yarn + " build"},
	})
	return dir
}

// NextMySQLDir returns examples/next-mysql, requiring its standalone build
// (.next/standalone/server.js).
func NextMySQLDir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(RepoRoot(t), "examples", "next-mysql")
	prepared(t, dir, [][2]string{
		{"node_modules", "npm ci"},
		{".next/standalone/server.js", "npm run build"},
	})
	return dir
}
