// Package enginetest is the engine tier: the module itself, run with the
// dagger CLI against a reachable Dagger engine. Without one, every test here
// skips and says why. (It cannot live in package main: the generated client
// needs a Dagger session as soon as it is loaded.)
package enginetest

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stack-ci/stack/pipelines/oci"
	"github.com/stack-ci/stack/pipelines/publish/registrytest"
	"github.com/stack-ci/stack/pipelines/recipe"
	"github.com/stack-ci/stack/pipelines/scan"
	"github.com/stack-ci/stack/pipelines/scan/trivydb"
	"github.com/stack-ci/stack/pipelines/smoke"
)

// daggerCLI returns the dagger CLI when an engine is configured, or skips.
func daggerCLI(t *testing.T) string {
	t.Helper()
	if os.Getenv("_EXPERIMENTAL_DAGGER_RUNNER_HOST") == "" {
		t.Skip("engine tier not run: no Dagger engine reachable (set _EXPERIMENTAL_DAGGER_RUNNER_HOST and put the dagger v0.21.9 CLI on PATH)")
	}
	bin := os.Getenv("_EXPERIMENTAL_DAGGER_CLI_BIN")
	if bin == "" {
		var err error
		if bin, err = exec.LookPath("dagger"); err != nil {
			t.Skip("engine tier not run: the dagger CLI is not on PATH")
		}
	}
	return bin
}

// repoRoot is the repository root: the module is loaded from there, and
// --source paths are relative to it.
func repoRoot(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(filepath.Dir(wd))
}

// call runs `dagger call ARGS…` on the module and returns stdout; a failure
// ends the test with the tail of the output, unless wantErr.
func call(t *testing.T, wantErr bool, args ...string) (string, string) {
	t.Helper()
	bin := daggerCLI(t)
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"call", "--progress=plain", "-m", "."}, args...)...)
	cmd.Dir = repoRoot(t)
	cmd.Env = append(os.Environ(), "DAGGER_NO_NAG=1", "NO_COLOR=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	t.Logf("dagger call %s: %s", strings.Join(args, " "), time.Since(start).Round(time.Second))
	if (err != nil) != wantErr {
		t.Fatalf("dagger call %s: err=%v, want error %v\nstdout:\n%s\nstderr (tail):\n%s", strings.Join(args, " "), err, wantErr, stdout.String(), tail(stderr.String(), 60))
	}
	return stdout.String(), stderr.String()
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// imageFiles opens an image tarball and lists every path any layer ships.
func imageFiles(t *testing.T, path string) (*oci.Image, map[string]bool) {
	t.Helper()
	img, err := oci.Open(path)
	if err != nil {
		t.Fatalf("opening %s: %v", path, err)
	}
	t.Cleanup(func() { img.Close() })
	files := map[string]bool{}
	for _, l := range img.Layers {
		r, err := l.Open()
		if err != nil {
			t.Fatal(err)
		}
		tr := tar.NewReader(r)
		for {
			h, err := tr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("reading layer %d of %s: %v", l.Index, path, err)
			}
			files[strings.TrimPrefix(h.Name, "./")] = true
		}
		if _, err := r.Finish(); err != nil {
			t.Fatal(err)
		}
	}
	return img, files
}

func matching(files map[string]bool, pred func(string) bool) []string {
	var out []string
	for f := range files {
		if pred(f) {
			out = append(out, f)
		}
	}
	slices.Sort(out)
	return out
}

// TestEngineBuild builds the sample app's two images and looks inside them.
func TestEngineBuild(t *testing.T) {
	out := t.TempDir()
	// A fixed creation time makes the builds reproducible, so the digests
	// that `build digests` reports must be those of the exported tarballs.
	created := "--created=2026-01-02T03:04:05Z"
	call(t, false, "--source=examples/hivemind", created, "build", "tarballs", "export", "--path="+out)
	digests, _ := call(t, false, "--source=examples/hivemind", created, "build", "digests")

	front, ffiles := imageFiles(t, filepath.Join(out, "frontend.tar"))
	back, bfiles := imageFiles(t, filepath.Join(out, "backend.tar"))
	want := fmt.Sprintf("frontend %s\nbackend %s", front.Digest, back.Digest)
	if strings.TrimSpace(digests) != want {
		t.Errorf("build digests = %q, want %q", digests, want)
	}
	if got := back.Config.Config.Labels["org.opencontainers.image.created"]; got != "2026-01-02T03:04:05Z" {
		t.Errorf("backend created label = %q", got)
	}

	if !ffiles["usr/share/nginx/html/index.html"] {
		t.Error("frontend: no usr/share/nginx/html/index.html")
	}
	if maps := matching(ffiles, func(f string) bool { return strings.HasSuffix(f, ".map") }); len(maps) > 0 {
		t.Errorf("frontend ships source maps: %v", maps)
	}
	if got := front.Config.Config.ExposedPorts; got == nil || len(got) == 0 {
		t.Error("frontend exposes no port")
	}

	cfg := back.Config.Config
	if cfg.User != "1001:1001" {
		t.Errorf("backend user = %q, want 1001:1001", cfg.User)
	}
	if !slices.Contains(cfg.Env, "NODE_ENV=production") {
		t.Errorf("backend env %v lacks NODE_ENV=production", cfg.Env)
	}
	if _, ok := cfg.ExposedPorts["8765/tcp"]; !ok {
		t.Errorf("backend exposes %v, want 8765/tcp", cfg.ExposedPorts)
	}
	if cfg.Healthcheck == nil || len(cfg.Healthcheck.Test) == 0 || !strings.Contains(strings.Join(cfg.Healthcheck.Test, " "), "node") {
		t.Errorf("backend healthcheck = %+v, want one run by node", cfg.Healthcheck)
	}
	if !slices.Equal(cfg.Cmd, []string{"node", "server/index.js"}) {
		t.Errorf("backend cmd = %q, want the webui script's command", cfg.Cmd)
	}
	if !bfiles["app/server/index.js"] || !bfiles["app/node_modules/express/package.json"] {
		t.Error("backend lacks the server or its production dependencies")
	}
	for _, bad := range []struct {
		what string
		pred func(string) bool
	}{
		{"an npm cache", func(f string) bool {
			return strings.Contains(f, "node_modules/.cache") || strings.Contains(f, ".npm/_cacache/")
		}},
		{"the devDependency vite", func(f string) bool { return strings.HasPrefix(f, "app/node_modules/vite/") }},
		{"TypeScript sources", func(f string) bool {
			return strings.HasPrefix(f, "app/") && !strings.Contains(f, "node_modules/") && (strings.HasSuffix(f, ".ts") || strings.HasSuffix(f, ".tsx"))
		}},
		{"the SPA's sources", func(f string) bool { return strings.HasPrefix(f, "app/web/") }},
		{"tests", func(f string) bool { return strings.HasPrefix(f, "app/test/") }},
	} {
		if got := matching(bfiles, bad.pred); len(got) > 0 {
			t.Errorf("backend ships %s: %v", bad.what, got[:min(len(got), 5)])
		}
	}
}

// TestEngineFrontendServesIndex runs the frontend image's own nginx and
// fetches / from inside the container. nginx resolves its upstream at start
// and no backend runs here, so the upstream is pointed at loopback first.
// Then the image's healthcheck command (recipe.NginxHealthcheck) passes
// with curl, passes with wget once curl is gone, and fails when nginx has
// stopped.
func TestEngineFrontendServesIndex(t *testing.T) {
	hc := recipe.NginxHealthcheck("/")
	if len(hc) != 3 || hc[0] != "sh" || hc[1] != "-c" {
		t.Fatalf("NginxHealthcheck = %q: this test runs it as sh -c SCRIPT", hc)
	}
	out, _ := call(t, false, "--source=examples/hivemind", "frontend",
		"with-new-file", "--path=/tmp/healthcheck.sh", "--contents="+hc[2],
		"with-exec", "--args=sh,-c,sed -i s/backend:8765/127.0.0.1:8765/ /etc/nginx/conf.d/default.conf && nginx && wget -qO- http://127.0.0.1/ && wget -qO- http://127.0.0.1/about && "+
			"sh /tmp/healthcheck.sh && echo healthy with curl && rm $(command -v curl) && sh /tmp/healthcheck.sh && echo healthy with wget && "+
			"nginx -s stop && sleep 1 && (sh /tmp/healthcheck.sh || echo unhealthy when stopped)", "stdout")
	if strings.Count(out, `<div id="root">`) != 2 {
		t.Errorf("frontend did not serve index.html for / and /about:\n%s", out)
	}
	for _, want := range []string{"healthy with curl", "healthy with wget", "unhealthy when stopped"} {
		if !strings.Contains(out, want) {
			t.Errorf("healthcheck: no %q in:\n%s", want, tail(out, 10))
		}
	}
}

// TestEngineBuildFromDockerfiles builds the same app from its own
// Dockerfiles and checks the backend's user.
func TestEngineBuildFromDockerfiles(t *testing.T) {
	out, _ := call(t, false, "--source=examples/hivemind", "--frontend-dockerfile=Dockerfile.frontend",
		"--backend-dockerfile=Dockerfile.backend", "build", "image", "--name=backend", "user")
	if strings.TrimSpace(out) != "1001:1001" {
		t.Errorf("backend built from Dockerfile.backend runs as %q, want 1001:1001", out)
	}
}

// TestEngineBuildFailureNamesImageAndStep breaks the frontend's build script.
func TestEngineBuildFailureNamesImageAndStep(t *testing.T) {
	_, stderr := call(t, true, "--source=examples/hivemind", "--build-script=build:nope", "build")
	for _, want := range []string{`building frontend: step "npm run build:nope" failed with exit code 1`, "build:nope"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("error output lacks %q:\n%s", want, tail(stderr, 40))
		}
	}
}

// standinBudgets fit the Debian-based stand-in images this engine tier runs
// on here (about three times the size of the alpine originals).
var standinBudgets = []string{"--budget=frontend=200MB", "--budget=backend=450MB", "--budget=stack=700MB"}

// offlineTrivyDB writes a Trivy cache with a vulnerability DB that knows one
// HIGH advisory for the express version the sample app ships, and an empty
// Java DB.
func offlineTrivyDB(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	adv := trivydb.Advisory{Package: "express", VulnerableVersions: []string{"<5.3.1"}, PatchedVersions: []string{"5.3.1"},
		ID: "CVE-2099-1001", Severity: "HIGH", Title: "test advisory for express"}
	if err := trivydb.Write(dir, adv); err != nil {
		t.Fatal(err)
	}
	if err := trivydb.WriteJavaDB(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestEngineScanGate scans the sample app's images and source with Trivy
// offline: the HIGH advisory blocks, the source's .trivyignore accepts the
// root nginx Dockerfile finding, a CRITICAL threshold passes, and the
// SARIF and CycloneDX outputs are valid.
func TestEngineScanGate(t *testing.T) {
	db := "--trivy-db=" + offlineTrivyDB(t)
	summary, _ := call(t, false, "--source=examples/hivemind", db, "scan", "summary")
	for _, want := range []string{"scan failed", "CVE-2099-1001", "| backend | 0 | 1 | 0 | 0 | 0 | 1 | 0 |", "| source | 0 | 1 | 0 | 0 | 0 | 0 | 1 |"} {
		if !strings.Contains(summary, want) {
			t.Errorf("scan summary lacks %q:\n%s", want, summary)
		}
	}
	// The source's HIGH finding (DS-0002, the root nginx Dockerfile) is the
	// ignored one: .trivyignore accepts it.
	if blocking, _, _ := strings.Cut(summary[strings.Index(summary, "Blocking")+1:], "did not block"); strings.Contains(blocking, "DS-0002") {
		t.Errorf("DS-0002 blocks although .trivyignore accepts it:\n%s", summary)
	}
	if out, _ := call(t, false, "--source=examples/hivemind", db, "--severity=CRITICAL", "scan", "passed"); strings.TrimSpace(out) != "true" {
		t.Errorf("scan at CRITICAL: passed = %q, want true", out)
	}
	_, stderr := call(t, true, "--source=examples/hivemind", db, "scan", "check")
	if !strings.Contains(stderr, "scan gate failed") {
		t.Errorf("scan check error lacks the gate's verdict:\n%s", tail(stderr, 20))
	}
	out := t.TempDir()
	call(t, false, "--source=examples/hivemind", db, "scan", "reports", "export", "--path="+out)
	for _, img := range []string{"frontend", "backend"} {
		sarif, err := os.ReadFile(filepath.Join(out, img+".sarif"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := scan.ValidateSARIF(sarif); err != nil {
			t.Errorf("%s.sarif: %v", img, err)
		}
		sbom, err := os.ReadFile(filepath.Join(out, img+".cdx.json"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := scan.ValidateCycloneDX(sbom); err != nil {
			t.Errorf("%s.cdx.json: %v", img, err)
		}
	}
}

// TestEngineBudgetAndPolicy measures the images against budgets and checks
// their configs.
func TestEngineBudgetAndPolicy(t *testing.T) {
	out, _ := call(t, false, append([]string{"--source=examples/hivemind"}, append(standinBudgets, "budget", "summary")...)...)
	if !strings.Contains(out, "backend") || !strings.Contains(out, "stack") {
		t.Errorf("budget summary:\n%s", out)
	}
	_, stderr := call(t, true, "--source=examples/hivemind", "--budget=backend=50MB", "budget", "check")
	if !strings.Contains(stderr, "backend") || !strings.Contains(stderr, "over its budget of 50 MB") {
		t.Errorf("a 50MB backend budget did not fail clearly:\n%s", tail(stderr, 20))
	}
	if out, _ := call(t, false, "--source=examples/hivemind", "policy", "passed"); strings.TrimSpace(out) != "true" {
		t.Errorf("policy with the default waiver: passed = %q, want true", out)
	}
	// The nginx waiver covers the module's spa recipe; the app's own
	// Dockerfile.frontend also runs as root, and nothing waives that.
	_, stderr = call(t, true, "--source=examples/hivemind", "--frontend-dockerfile=Dockerfile.frontend", "policy", "check")
	if !strings.Contains(stderr, "image policy failed") || !strings.Contains(stderr, "container runs as root") {
		t.Errorf("a root frontend built from a Dockerfile must fail the policy:\n%s", tail(stderr, 20))
	}
}

// TestEngineScanWithoutADBFailsClearly points Trivy at a DB repository that
// cannot answer: the scan stops at once with advice, instead of hanging.
func TestEngineScanWithoutADBFailsClearly(t *testing.T) {
	start := time.Now()
	_, stderr := call(t, true, "--source=examples/hivemind", "--trivy-db-repository=127.0.0.1:9/aquasec/trivy-db:2", "--scan-timeout=2m", "scan", "passed")
	if !strings.Contains(stderr, "downloading the vulnerability DB") || !strings.Contains(stderr, "set a reachable DB mirror") {
		t.Errorf("no clear DB error:\n%s", tail(stderr, 20))
	}
	t.Logf("failed after %s", time.Since(start).Round(time.Second))
}

// TestEngineSmoke runs the smoke tests on the sample app: every check
// passes, including the redis restart and the graceful shutdown.
func TestEngineSmoke(t *testing.T) {
	out, _ := call(t, false, "--source=examples/hivemind", "smoke", "json")
	var rs smoke.Results
	if err := json.Unmarshal([]byte(out), &rs); err != nil {
		t.Fatalf("smoke json: %v\n%s", err, out)
	}
	var table strings.Builder
	_ = rs.WriteTable(&table)
	t.Logf("smoke:\n%s", table.String())
	for _, name := range []string{"spa-index", "spa-deep-link", "api-health", "rest-roundtrip", "websocket-echo", "websocket-broadcast",
		"security-headers", "cache-headers", "gzip", "redis-restart", "graceful-shutdown"} {
		if r, ok := rs.Get(name); !ok || !r.Passed {
			t.Errorf("%s: %+v (present %v)", name, r, ok)
		}
	}
}

// TestEngineSmokeServiceNeverReady points the backend's health check at a
// path it does not serve, so it never gets ready: the error names the
// backend and shows the tail of its log, where the 404s are.
func TestEngineSmokeServiceNeverReady(t *testing.T) {
	_, stderr := call(t, true, "--source=examples/hivemind", "--health-path=/no-such-health", "--smoke-timeout=15s", "smoke", "passed")
	for _, want := range []string{"starting the backend service", "last lines of its log", `"path":"/no-such-health","status":404`} {
		if !strings.Contains(stderr, want) {
			t.Errorf("error lacks %q:\n%s", want, tail(stderr, 30))
		}
	}
}

// listed reports whether ls printed name on a line of its own (a missing
// path is an error line instead).
func listed(out, name string) bool {
	return slices.Contains(strings.Split(out, "\n"), name)
}

// TestEngineSplitYarnApp builds and smoke-tests the split yarn app: a
// frontend/ SPA and a TypeScript backend/ (compiled, dev dependencies
// pruned) named api, which nginx reaches as api:3000, with DATABASE_URL and
// REDIS_URL.
func TestEngineSplitYarnApp(t *testing.T) {
	out, _ := call(t, false, "--source=examples/split-yarn", "config")
	for _, want := range []string{"name: api", "kind: node", "package_manager: yarn", "start: node dist/index.js"} {
		if !strings.Contains(out, want) {
			t.Errorf("config lacks %q:\n%s", want, out)
		}
	}
	ls, _ := call(t, false, "--source=examples/split-yarn", "image", "--name=api", "with-exec",
		"--args=sh,-c,id -u; ls /app/dist; ls -d /app/node_modules/typescript /app/src /app/node_modules/express 2>&1; true", "stdout")
	if !strings.HasPrefix(ls, "1001\n") || !listed(ls, "index.js") || !listed(ls, "/app/node_modules/express") ||
		listed(ls, "/app/node_modules/typescript") || listed(ls, "/app/src") {
		t.Errorf("the api image must hold the compiled server and production dependencies only:\n%s", ls)
	}
	js, _ := call(t, false, "--source=examples/split-yarn", "smoke", "json")
	var rs smoke.Results
	if err := json.Unmarshal([]byte(js), &rs); err != nil {
		t.Fatalf("smoke json: %v\n%s", err, js)
	}
	if !rs.Passed() {
		var table strings.Builder
		_ = rs.WriteTable(&table)
		t.Errorf("smoke:\n%s", table.String())
	}
}

// hostIP is the address the engine's containers reach this machine by
// (STACK_ENGINE_HOST_IP), for the publish tests' registry; they skip
// without it.
func hostIP(t *testing.T) string {
	t.Helper()
	daggerCLI(t)
	ip := os.Getenv("STACK_ENGINE_HOST_IP")
	if ip == "" {
		t.Skip("publish tests not run: set STACK_ENGINE_HOST_IP to the address the engine's containers reach this machine by (the registry runs here)")
	}
	return ip
}

// TestEnginePublish publishes the sample app to a real registry with
// authentication: the right credentials push both images with every tag,
// each resolving to its image's digest; a wrong password is a clear error
// and pushes nothing; a failed gate pushes nothing either.
func TestEnginePublish(t *testing.T) {
	ip := hostIP(t)
	reg := registrytest.New(t, registrytest.WithAddress("0.0.0.0:0"), registrytest.WithUser("ci", "right-password"))
	_, port, err := net.SplitHostPort(reg.Host)
	if err != nil {
		t.Fatalf("registry address %q: %v", reg.Host, err)
	}
	prefix := net.JoinHostPort(ip, port) + "/acme"
	db := "--trivy-db=" + offlineTrivyDB(t)
	sha := "0123456789abcdef0123456789abcdef01234567"
	base := append([]string{"--source=examples/hivemind", "--name=hivemind", "--revision=" + sha, db, "--severity=CRITICAL"}, standinBudgets...)
	publishArgs := func(password string) []string {
		t.Setenv("STACK_TEST_REGISTRY_PASSWORD", password)
		return []string{"--registry=" + prefix, "--registry-username=ci", "--registry-password=env://STACK_TEST_REGISTRY_PASSWORD", "--registry-insecure"}
	}

	// A failed gate (a 1MB budget) pushes nothing.
	args := append(append(slices.Clone(base), "--budget=backend=1MB", "publish"), append(publishArgs("right-password"), "--ref=refs/tags/v1.2.3", "json")...)
	out, _ := call(t, false, args...)
	if !strings.Contains(out, `"passed": false`) || len(reg.Requests()) != 0 {
		t.Fatalf("a failed gate must push nothing: %d registry requests\n%s", len(reg.Requests()), tail(out, 40))
	}

	// A wrong password: a clear error, nothing published.
	args = append(append(slices.Clone(base), "publish"), append(publishArgs("wrong-password"), "--ref=refs/tags/v1.2.3", "text")...)
	out, _ = call(t, false, args...)
	if !strings.Contains(out, "refused the credentials") || strings.Contains(out, "wrong-password") || len(reg.Repositories(t)) != 0 {
		t.Errorf("wrong password: %v repositories\n%s", reg.Repositories(t), tail(out, 40))
	}

	// The right credentials: every tag of a release.
	args = append(append(slices.Clone(base), "release", "--version=v1.2.3"), append(publishArgs("right-password"), "json")...)
	out, _ = call(t, false, args...)
	var rep struct {
		Images []struct {
			Name, Digest string
		} `json:"images"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("report: %v\n%s", err, out)
	}
	for _, img := range rep.Images {
		repo := "acme/hivemind-" + img.Name
		tags := reg.Tags(t, repo)
		slices.Sort(tags)
		if !slices.Equal(tags, []string{"1", "1.2", "1.2.3", "latest", "sha-0123456"}) {
			t.Errorf("%s tags = %v", repo, tags)
		}
		for _, tag := range tags {
			if got := reg.Resolve(t, repo, tag); got != img.Digest {
				t.Errorf("%s:%s = %s, want the built image %s", repo, tag, got, img.Digest)
			}
		}
	}
}

// TestEngineNextMySQLApp builds the Next.js standalone app as one non-root
// image and smoke-tests it against MariaDB and redis, with its declared
// login-then-join check (a session cookie, then Socket.IO).
func TestEngineNextMySQLApp(t *testing.T) {
	out, _ := call(t, false, "--source=examples/next-mysql", "config")
	for _, want := range []string{"kind: nextjs", "kind: mariadb", "name: login-then-join"} {
		if !strings.Contains(out, want) {
			t.Errorf("config lacks %q:\n%s", want, out)
		}
	}
	ls, _ := call(t, false, "--source=examples/next-mysql", "image", "--name=web", "with-exec",
		"--args=sh,-c,id -u; ls /app; ls -d /app/.next/static /app/node_modules/next /app/app 2>&1; true", "stdout")
	if !strings.HasPrefix(ls, "1001\n") || !listed(ls, "server.js") || !listed(ls, "/app/.next/static") ||
		!listed(ls, "/app/node_modules/next") || listed(ls, "/app/app") {
		t.Errorf("the web image must be the standalone server with its static files, as uid 1001:\n%s", ls)
	}
	js, _ := call(t, false, "--source=examples/next-mysql", "smoke", "json")
	var rs smoke.Results
	if err := json.Unmarshal([]byte(js), &rs); err != nil {
		t.Fatalf("smoke json: %v\n%s", err, js)
	}
	if r, ok := rs.Get("login-then-join"); !ok || !r.Passed || !rs.Passed() {
		var table strings.Builder
		_ = rs.WriteTable(&table)
		t.Errorf("smoke:\n%s", table.String())
	}
}

// TestEnginePackageManagers builds a node image for a pnpm project and for
// a yarn berry one (testdata/managers in pipelines/detect: a dependency, a
// dev dependency the build step needs, a committed lockfile), each pinned
// by packageManager: the build step has its dev dependency, the prune
// leaves the production dependency only, and the server runs from the
// result as uid 1001.
//
// pnpm is launched through the image's corepack, its store in a cache
// volume; the npm registry this machine reaches strips the signatures
// corepack verifies, hence COREPACK_INTEGRITY_KEYS=0 in the app's
// build_env. yarn berry runs from a release committed under yarnPath (the
// stand-in node image's corepack is too old to fetch berry from npm, and
// repo.yarnpkg.com is not reachable here); the test puts yarn 4.9.1 from
// npm there.
func TestEnginePackageManagers(t *testing.T) {
	daggerCLI(t)
	for _, tc := range []struct {
		fixture, detected, buildEnv string
		prepare                     func(t *testing.T, src string)
		layout                      string // what node_modules/ms is
	}{
		{"pnpm", "package_manager = pnpm: pnpm 9.15.9", "    build_env:\n      COREPACK_INTEGRITY_KEYS: \"0\"\n", nil, "symlink"},
		{"yarn-berry", "package_manager = yarn: yarn berry 4.9.1", "", yarnRelease, "folder"},
	} {
		t.Run(tc.fixture, func(t *testing.T) {
			src := t.TempDir()
			copyTree(t, filepath.Join(repoRoot(t), "pipelines", "detect", "testdata", "managers", tc.fixture), src)
			if tc.prepare != nil {
				tc.prepare(t, src)
			}
			files := map[string]string{
				"server.js": `const http = require("node:http");
const ms = require("ms");
http.createServer((req, res) => {
  res.writeHead(req.url === "/health" ? 200 : 404, { "content-type": "application/json" });
  res.end(JSON.stringify({ status: "ok", uptime: ms(Math.round(process.uptime() * 1000)) }));
}).listen(3000);
process.on("SIGTERM", () => process.exit(0));
`,
				"probe.js": `const { spawn } = require("node:child_process");
const server = spawn(process.execPath, ["server.js"], { stdio: "inherit" });
setTimeout(async () => {
  try {
    const r = await fetch("http://127.0.0.1:3000/health");
    console.log("health " + r.status + " " + (await r.text()));
  } finally {
    server.kill("SIGTERM");
  }
}, 1000);
`,
				"stack.yaml": "name: " + tc.fixture + "-demo\nimages:\n  - name: api\n    kind: node\n    build_script: build\n    start: node server.js\n    port: 3000\n    health_path: /health\n" + tc.buildEnv,
			}
			for name, body := range files {
				if err := os.WriteFile(filepath.Join(src, name), []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			cfg, _ := call(t, false, "--source="+src, "config")
			if !strings.Contains(cfg, tc.detected) {
				t.Errorf("config does not say %q:\n%s", tc.detected, cfg)
			}
			out, _ := call(t, false, "--source="+src, "image", "--name=api", "with-exec",
				"--args=sh,-c,id -u; ls -a /app /app/node_modules; test -L /app/node_modules/ms && echo ms is a symlink || echo ms is a folder; cat /app/dist/built.txt; node probe.js", "stdout")
			for _, want := range []string{"1001", "built with is-number: true", "health 200", "ms is a " + tc.layout} {
				if !strings.Contains(out, want) {
					t.Errorf("the image's run lacks %q:\n%s", want, out)
				}
			}
			for _, unwanted := range []string{"is-number", "stack.yaml"} {
				if listed(out, unwanted) {
					t.Errorf("the image ships %s:\n%s", unwanted, out)
				}
			}
		})
	}
}

// yarnRelease commits yarn 4.9.1 (from npm's @yarnpkg/cli-dist) under
// .yarn/releases and points yarnPath and the registry at it and npm.
func yarnRelease(t *testing.T, src string) {
	t.Helper()
	tmp := t.TempDir()
	cmd := exec.Command("npm", "pack", "--silent", "@yarnpkg/cli-dist@4.9.1")
	cmd.Dir = tmp
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm pack @yarnpkg/cli-dist@4.9.1: %v\n%s", err, out)
	}
	cmd = exec.Command("tar", "-xzf", "yarnpkg-cli-dist-4.9.1.tgz", "package/bin/yarn.js")
	cmd.Dir = tmp
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("unpacking yarn: %v\n%s", err, out)
	}
	b, err := os.ReadFile(filepath.Join(tmp, "package", "bin", "yarn.js"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(src, ".yarn", "releases"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, ".yarn", "releases", "yarn-4.9.1.cjs"), b, 0o755); err != nil {
		t.Fatal(err)
	}
	rc := "nodeLinker: node-modules\nyarnPath: .yarn/releases/yarn-4.9.1.cjs\nnpmRegistryServer: \"https://registry.npmjs.org\"\n"
	if err := os.WriteFile(filepath.Join(src, ".yarnrc.yml"), []byte(rc), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestEngineNginxTemplate runs the split yarn app with its nginx config as
// a template (/etc/nginx/templates/default.conf.template, rendered by the
// nginx image's entrypoint from the web image's env): the smoke tests find
// the API through the rendered config and pass through it. Without the
// variables in the image's env, the smoke tests say which are missing.
func TestEngineNginxTemplate(t *testing.T) {
	daggerCLI(t)
	src := t.TempDir()
	copyTree(t, filepath.Join(repoRoot(t), "examples", "split-yarn"), src, "node_modules", "dist")
	conf := filepath.Join(src, "frontend", "nginx", "default.conf")
	b, err := os.ReadFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "server api:3000;") {
		t.Fatalf("%s no longer proxies to api:3000; update this test", conf)
	}
	tpl := strings.Replace(string(b), "server api:3000;", "server ${API_HOST}:${API_PORT};", 1)
	if err := os.WriteFile(conf+".template", []byte(tpl), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(conf); err != nil {
		t.Fatal(err)
	}
	yml := filepath.Join(src, "stack.yaml")
	b, err = os.ReadFile(yml)
	if err != nil {
		t.Fatal(err)
	}
	old := "    nginx_config: frontend/nginx/default.conf\n"
	if !strings.Contains(string(b), old) {
		t.Fatalf("%s has no %q; update this test", yml, old)
	}
	y := strings.Replace(string(b), old, "    nginx_config: frontend/nginx/default.conf.template\n    env:\n      API_HOST: api\n      API_PORT: \"3000\"\n", 1)
	if err := os.WriteFile(yml, []byte(y), 0o644); err != nil {
		t.Fatal(err)
	}

	cfg, _ := call(t, false, "--source="+src, "config")
	if !strings.Contains(cfg, "nginx config template frontend/nginx/default.conf.template") {
		t.Errorf("config does not plan the template:\n%s", cfg)
	}
	rendered, _ := call(t, false, "--source="+src, "image", "--name=web", "with-exec",
		"--args=sh,-c,/docker-entrypoint.sh nginx -t >/dev/null 2>&1; cat /etc/nginx/conf.d/default.conf", "stdout")
	if !strings.Contains(rendered, "server api:3000;") || strings.Contains(rendered, "${") {
		t.Errorf("the entrypoint did not render the template:\n%s", rendered)
	}
	js, _ := call(t, false, "--source="+src, "smoke", "json")
	var rs smoke.Results
	if err := json.Unmarshal([]byte(js), &rs); err != nil {
		t.Fatalf("smoke json: %v\n%s", err, js)
	}
	if !rs.Passed() || len(rs) < 5 {
		var table strings.Builder
		_ = rs.WriteTable(&table)
		t.Errorf("smoke:\n%s", table.String())
	}

	// Without the env, the smoke tests fail and name the missing variables.
	y = strings.Replace(string(b), old, "    nginx_config: frontend/nginx/default.conf.template\n", 1)
	if err := os.WriteFile(yml, []byte(y), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr := call(t, true, "--source="+src, "smoke", "json")
	if want := "uses ${API_HOST}, ${API_PORT}, which the image's env does not set"; !strings.Contains(stderr, want) {
		t.Errorf("smoke error lacks %q:\n%s", want, tail(stderr, 20))
	}
}

// copyTree copies the regular files and folders of src into dst, leaving
// out the folders named in skip (node_modules holds symlinks; build output
// is not needed).
func copyTree(t *testing.T, src, dst string, skip ...string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir() && slices.Contains(skip, d.Name()):
			return filepath.SkipDir
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case !d.Type().IsRegular():
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}
