// Package scripts_test tests the shell scripts of scripts/ that do not need
// a Dagger engine: the hook installer, the pre-push hook's plumbing (which
// commits it checks, from where, and what it does with the outcome) and the
// release script's refusals. The engine tier (ci/enginetest) runs the hook
// against a real engine.
package scripts_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// scriptsDir is this directory.
func scriptsDir(t *testing.T) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(file)
}

// repo makes a git repository with the scripts and one commit.
func repo(t *testing.T) (string, string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not found")
	}
	dir := t.TempDir()
	git(t, dir, "init", "-q", "-b", "main")
	git(t, dir, "config", "user.email", "t@example.invalid")
	git(t, dir, "config", "user.name", "t")
	if err := os.MkdirAll(filepath.Join(dir, "scripts"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"pre-push", "install-hooks", "release"} {
		b, err := os.ReadFile(filepath.Join(scriptsDir(t), s))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "scripts", s), b, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "app"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "app", "marker"), []byte("first\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	git(t, dir, "add", ".")
	git(t, dir, "commit", "-q", "-m", "first")
	return dir, strings.TrimSpace(git(t, dir, "rev-parse", "HEAD"))
}

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// script runs scripts/NAME in dir with env and stdin.
func script(t *testing.T, dir, name, stdin string, env []string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(filepath.Join(dir, "scripts", name), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, string(out)
}

func TestInstallHooks(t *testing.T) {
	t.Parallel()
	dir, _ := repo(t)
	hook := filepath.Join(dir, ".git", "hooks", "pre-push")
	if code, out := script(t, dir, "install-hooks", "", nil); code != 0 || !strings.Contains(out, "installed") {
		t.Fatalf("install: %d %s", code, out)
	}
	if target, err := os.Readlink(hook); err != nil || target != filepath.Join(dir, "scripts", "pre-push") {
		t.Fatalf("hook link = %q, %v", target, err)
	}
	if code, out := script(t, dir, "install-hooks", "", nil); code != 0 || !strings.Contains(out, "already installed") {
		t.Errorf("reinstall: %d %s", code, out)
	}
	if code, _ := script(t, dir, "install-hooks", "", nil, "--remove"); code != 0 {
		t.Error("remove failed")
	}
	if _, err := os.Lstat(hook); !os.IsNotExist(err) {
		t.Errorf("hook still there after --remove: %v", err)
	}
	if err := os.WriteFile(hook, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if code, out := script(t, dir, "install-hooks", "", nil); code != 1 || !strings.Contains(out, "--force") {
		t.Errorf("over another hook: %d %s", code, out)
	}
	if code, _ := script(t, dir, "install-hooks", "", nil, "--force"); code != 0 {
		t.Error("--force failed")
	}
}

// fakeDagger stands in for the dagger CLI in the hook's plumbing tests: it
// records its arguments and the marker file of the tree it was pointed at,
// and exits with $FAKE_EXIT. (The engine tier runs the real CLI.)
func fakeDagger(t *testing.T) (string, string) {
	t.Helper()
	dir := t.TempDir()
	log := filepath.Join(dir, "calls")
	bin := filepath.Join(dir, "dagger")
	body := `#!/bin/sh
src=
for a in "$@"; do case "$a" in --source=*) src=${a#--source=} ;; esac; done
echo "$* | $(cat "$src/marker" 2>&1)" >>"` + log + `"
exit "${FAKE_EXIT:-0}"
`
	if err := os.WriteFile(bin, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	return bin, log
}

func TestPrePush(t *testing.T) {
	t.Parallel()
	dir, first := repo(t)
	// A second commit changes the marker in the working tree only after it
	// is committed, so the hook must check the pushed commit, not the tree.
	if err := os.WriteFile(filepath.Join(dir, "app", "marker"), []byte("second\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	git(t, dir, "commit", "-qam", "second")
	second := strings.TrimSpace(git(t, dir, "rev-parse", "HEAD"))
	if err := os.WriteFile(filepath.Join(dir, "app", "marker"), []byte("uncommitted\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bin, log := fakeDagger(t)
	env := []string{"STACK_DAGGER=" + bin, "STACK_SOURCE=app", "STACK_MODULE=github.com/stack-ci/stack", "STACK_ARGS=--severity=CRITICAL"}
	zero := strings.Repeat("0", 40)
	push := "refs/heads/main " + first + " refs/heads/main " + zero + "\n" +
		"refs/heads/topic " + second + " refs/heads/topic " + zero + "\n" +
		"refs/heads/again " + second + " refs/heads/again " + zero + "\n" +
		"(delete) " + zero + " refs/heads/old " + first + "\n"

	code, out := script(t, dir, "pre-push", push, env)
	if code != 0 {
		t.Fatalf("pre-push: exit %d\n%s", code, out)
	}
	calls, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(calls)), "\n")
	if len(lines) != 2 {
		t.Fatalf("dagger ran %d times, want once per distinct commit:\n%s", len(lines), calls)
	}
	for i, want := range []struct{ sha, marker string }{{first, "first"}, {second, "second"}} {
		if !strings.Contains(lines[i], "call -m github.com/stack-ci/stack --source=") || !strings.Contains(lines[i], "--revision="+want.sha) ||
			!strings.Contains(lines[i], "--severity=CRITICAL check assert") || !strings.HasSuffix(lines[i], "| "+want.marker) {
			t.Errorf("call %d = %q, want the pushed commit %s checked from its own tree (%s)", i, lines[i], want.sha[:7], want.marker)
		}
	}
	if !strings.Contains(out, "refs/heads/old is being deleted") {
		t.Errorf("the deletion was not reported:\n%s", out)
	}
	if wt := git(t, dir, "worktree", "list"); strings.Count(wt, "\n") != 1 {
		t.Errorf("temporary worktrees left behind:\n%s", wt)
	}

	code, out = script(t, dir, "pre-push", push, append(env, "FAKE_EXIT=1"))
	if code != 1 || !strings.Contains(out, "push blocked") || !strings.Contains(out, "STACK_SKIP_PRE_PUSH=1") {
		t.Errorf("a failing check must block: exit %d\n%s", code, out)
	}
	if code, out = script(t, dir, "pre-push", push, append(env, "FAKE_EXIT=1", "STACK_SKIP_PRE_PUSH=1")); code != 0 || !strings.Contains(out, "skipped") {
		t.Errorf("explicit skip: exit %d\n%s", code, out)
	}
	if code, out = script(t, dir, "pre-push", push, []string{"STACK_DAGGER=/nonexistent/dagger"}); code != 1 || !strings.Contains(out, "was not found") {
		t.Errorf("missing dagger: exit %d\n%s", code, out)
	}
}

func TestReleaseRefuses(t *testing.T) {
	t.Parallel()
	dir, _ := repo(t)
	bin, _ := fakeDagger(t)
	env := []string{"STACK_DAGGER=" + bin}
	for _, v := range []string{"1.2.3", "v1.2", "v01.2.3", "vx", "v1.2.3+build"} {
		if code, out := script(t, dir, "release", "", env, v); code != 2 || !strings.Contains(out, "not v followed by a semantic version") {
			t.Errorf("release %s: exit %d %s", v, code, out)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "dirty"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out := script(t, dir, "release", "", env, "v1.0.0"); code != 1 || !strings.Contains(out, "working tree has changes") {
		t.Errorf("dirty tree: exit %d %s", code, out)
	}
	os.Remove(filepath.Join(dir, "dirty"))
	git(t, dir, "tag", "v1.0.0")
	if code, out := script(t, dir, "release", "", env, "v1.0.0"); code != 1 || !strings.Contains(out, "already exists") {
		t.Errorf("existing tag: exit %d %s", code, out)
	}
	if code, out := script(t, dir, "release", "", append(env, "FAKE_EXIT=1"), "v1.1.0", "--no-push"); code == 0 || strings.Contains(git(t, dir, "tag"), "v1.1.0") {
		t.Errorf("a failed check must not tag: exit %d %s", code, out)
	}
	if code, out := script(t, dir, "release", "", env, "v1.1.0", "--no-push"); code != 0 || !strings.Contains(git(t, dir, "tag"), "v1.1.0") {
		t.Errorf("release v1.1.0: exit %d %s", code, out)
	}
}
