package detect

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stack-ci/stack/pipelines/config"
	"github.com/stack-ci/stack/pipelines/internal/loopback"
)

// TestManagerCommandsRunForReal runs the commands the recipes run, exactly
// as DetectManager and ForImage give them (corepack or the image's yarn,
// or npx for images without them), on a small project per package manager
// (testdata/managers: a dependency, a dev dependency the build step needs,
// a committed lockfile) with the machine's node, npm and corepack, against
// the npm registry:
//
//   - the build stage: Install, Run("build") (which needs the dev
//     dependency), then Prune leaves only the production dependency;
//   - a runtime stage that never saw dev dependencies: InstallProd alone;
//   - a lockfile that disagrees with package.json makes Install fail
//     instead of rewriting it.
//
// Cache directories, which the containers mount under /cache, are moved
// under the test's temporary directory. Two settings are this machine's,
// not the recipes': the npm registry reachable here strips the signatures
// corepack verifies (COREPACK_INTEGRITY_KEYS=0), and yarn berry's own
// download host is not reachable (COREPACK_NPM_REGISTRY fetches it from
// npm).
func TestManagerCommandsRunForReal(t *testing.T) {
	loopback.LookPath(t, "node")
	loopback.LookPath(t, "npm")
	loopback.LookPath(t, "corepack")
	conn, err := net.DialTimeout("tcp", "registry.npmjs.org:443", 10*time.Second)
	loopback.Require(t, err == nil, "the npm registry is not reachable")
	if conn != nil {
		conn.Close()
	}

	tmp := t.TempDir()
	// yarn classic runs as the image's own yarn (Launcher Bundled): node
	// images ship it on PATH; here corepack's shim stands in for it.
	bin := filepath.Join(tmp, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	base := append(os.Environ(),
		"COREPACK_HOME="+filepath.Join(tmp, "corepack-shim"),
		"COREPACK_ENABLE_DOWNLOAD_PROMPT=0",
		"COREPACK_INTEGRITY_KEYS=0",
		"COREPACK_NPM_REGISTRY=https://registry.npmjs.org",
		"COREPACK_ENABLE_STRICT=0",
	)
	run(t, tmp, base, "corepack", "enable", "--install-directory", bin, "yarn")

	for _, tc := range []struct {
		dir      string
		image    string // the node image the commands are for
		tool     Tool
		berry    bool
		launcher Launcher
	}{
		{"npm", "node:20-alpine", NPM, false, Corepack},
		{"yarn-classic", "node:20-alpine", Yarn, false, Bundled},
		{"yarn-classic", "node:26-alpine", Yarn, false, Npx},
		{"pnpm", "node:20-alpine", PNPM, false, Corepack},
		{"pnpm", "node:26-alpine", PNPM, false, Npx},
		{"yarn-berry", "node:20-alpine", Yarn, true, Corepack},
	} {
		t.Run(tc.dir+"/"+tc.image, func(t *testing.T) {
			fixture := filepath.Join("testdata", "managers", tc.dir)
			m, err := DetectManager(FS(os.DirFS(fixture)), ".", config.PackageManagerAuto)
			if err != nil {
				t.Fatal(err)
			}
			m, _ = m.ForImage(tc.image)
			if m.Tool != tc.tool || m.Berry != tc.berry || (m.Tool != NPM && m.Launcher != tc.launcher) {
				t.Fatalf("detected %s (launcher %s), want %s berry=%v launcher %s", m.Name(), m.Launcher, tc.tool, tc.berry, tc.launcher)
			}
			cache := filepath.Join(tmp, "cache-"+tc.dir+"-"+string(m.Launcher))
			env := append([]string(nil), base...)
			for k, v := range m.Env() {
				env = append(env, k+"="+moveCache(v, cache))
			}

			// The build stage: everything, the build, then the prune.
			app := copyFixture(t, fixture)
			run(t, app, env, moveCaches(m.Install(), cache)...)
			wantModules(t, app, map[string]bool{"ms": true, "is-number": true})
			run(t, app, env, moveCaches(m.Run("build"), cache)...)
			if b, err := os.ReadFile(filepath.Join(app, "dist", "built.txt")); err != nil || !strings.Contains(string(b), "is-number: true") {
				t.Errorf("the build script did not run with its dev dependency: %q, %v", b, err)
			}
			run(t, app, env, moveCaches(m.Prune(), cache)...)
			wantModules(t, app, map[string]bool{"ms": true, "is-number": false})

			// A runtime stage of its own: production dependencies only.
			app = copyFixture(t, fixture)
			run(t, app, env, moveCaches(m.InstallProd(), cache)...)
			wantModules(t, app, map[string]bool{"ms": true, "is-number": false})

			// The lockfile is frozen: a dependency it lacks fails the install.
			app = copyFixture(t, fixture)
			pkg := filepath.Join(app, "package.json")
			b, err := os.ReadFile(pkg)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(pkg, []byte(strings.Replace(string(b), `"ms": "2.1.3"`, `"ms": "2.1.2"`, 1)), 0o644); err != nil {
				t.Fatal(err)
			}
			lock, _ := os.ReadFile(filepath.Join(app, m.Lockfile))
			if out, err := command(app, env, moveCaches(m.Install(), cache)...); err == nil {
				t.Errorf("%s succeeded although package.json asks for ms 2.1.2 and the lockfile has 2.1.3:\n%s", strings.Join(m.Install(), " "), out)
			}
			if after, _ := os.ReadFile(filepath.Join(app, m.Lockfile)); string(after) != string(lock) {
				t.Errorf("the frozen install rewrote %s", m.Lockfile)
			}
		})
	}
}

// moveCache moves a /cache/… path under dir.
func moveCache(s, dir string) string {
	if rest, ok := strings.CutPrefix(s, "/cache/"); ok {
		return filepath.Join(dir, rest)
	}
	return s
}

// moveCaches moves the /cache/… arguments of a command under dir.
func moveCaches(argv []string, dir string) []string {
	out := make([]string, len(argv))
	for i, a := range argv {
		out[i] = moveCache(a, dir)
	}
	return out
}

// copyFixture copies a fixture folder into a fresh temporary directory.
func copyFixture(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	return dst
}

// command runs argv in dir with env and returns its combined output.
func command(dir string, env []string, argv ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir, cmd.Env = dir, env
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// run runs argv and fails the test, with its output, when it fails.
func run(t *testing.T, dir string, env []string, argv ...string) {
	t.Helper()
	if out, err := command(dir, env, argv...); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, out)
	}
}

// wantModules checks which packages node_modules holds.
func wantModules(t *testing.T, app string, want map[string]bool) {
	t.Helper()
	for name, present := range want {
		_, err := os.Stat(filepath.Join(app, "node_modules", name, "package.json"))
		if got := err == nil; got != present {
			t.Errorf("node_modules/%s present = %v, want %v", name, got, present)
		}
	}
}
