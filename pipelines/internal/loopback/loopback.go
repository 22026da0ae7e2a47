// Package loopback starts real servers on 127.0.0.1 for integration tests:
// PostgreSQL, Redis and nginx from the machine's Debian packages, and the
// sample application under node. Each server lives in its own temporary
// directory on a free port and is stopped when the test ends.
//
// A missing program skips the test with the reason, unless the environment
// sets STACK_REQUIRE_INTEGRATION=1 (scripts/test does), where it fails.
package loopback

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Require skips (or, under STACK_REQUIRE_INTEGRATION=1, fails) the test with
// reason when ok is false.
func Require(t testing.TB, ok bool, reason string) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv("STACK_REQUIRE_INTEGRATION") == "1" {
		t.Fatalf("integration prerequisite missing (STACK_REQUIRE_INTEGRATION=1): %s", reason)
	}
	t.Skipf("skipping integration test: %s", reason)
}

// LookPath finds a program on PATH or in extra directories, and requires it.
func LookPath(t testing.TB, name string, extra ...string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, dir := range extra {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && st.Mode()&0o111 != 0 {
			return p
		}
	}
	Require(t, false, fmt.Sprintf("%s not found on PATH or in %v (scripts/test installs it)", name, extra))
	return ""
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("finding a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// RepoRoot returns the repository root (the directory holding go.mod).
func RepoRoot(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the loopback package source")
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", "..", ".."))
}

// TempDir makes a temporary directory that the given system user (if any,
// and if we are root) can write, removed when the test ends.
func TempDir(t testing.TB, owner string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "stack-it-*")
	if err != nil {
		t.Fatalf("making temp dir: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if owner != "" && os.Geteuid() == 0 {
		uid, gid := lookupUser(t, owner)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatalf("chown %s to %s: %v", dir, owner, err)
		}
	}
	return dir
}

func lookupUser(t testing.TB, name string) (int, int) {
	t.Helper()
	u, err := user.Lookup(name)
	if err != nil {
		Require(t, false, fmt.Sprintf("system user %q not found (installed with its Debian package)", name))
	}
	uid, _ := strconv.Atoi(u.Uid) // numeric on Unix
	gid, _ := strconv.Atoi(u.Gid)
	return uid, gid
}

// logBuffer is a goroutine-safe buffer for a process's combined output.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Tail returns the last n lines.
func (b *logBuffer) Tail(n int) string {
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Process is a started server process with its output captured.
type Process struct {
	Name string
	cmd  *exec.Cmd
	log  *logBuffer
	done chan struct{}
	err  error
}

// start runs a command in the background, as user (if set and root).
func start(t testing.TB, name, runAs string, env []string, dir string, argv ...string) *Process {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	log := &logBuffer{}
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if runAs != "" && os.Geteuid() == 0 {
		uid, gid := lookupUser(t, runAs)
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s (%s): %v", name, strings.Join(argv, " "), err)
	}
	p := &Process{Name: name, cmd: cmd, log: log, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("%s output (last 40 lines):\n%s", name, log.Tail(40))
		}
		p.Stop(syscall.SIGKILL, time.Second)
	})
	return p
}

// Log returns everything the process printed so far.
func (p *Process) Log() string { return p.log.String() }

// Tail returns the last n lines the process printed.
func (p *Process) Tail(n int) string { return p.log.Tail(n) }

// Exited reports whether the process has ended.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Stop sends sig and waits up to grace for the process to end, then kills
// its process group. It returns how long the process took to end and its
// exit error (nil for a clean exit).
func (p *Process) Stop(sig syscall.Signal, grace time.Duration) (time.Duration, error) {
	start := time.Now()
	if p.Exited() {
		return 0, p.err
	}
	_ = p.cmd.Process.Signal(sig) // it may have exited meanwhile
	select {
	case <-p.done:
		return time.Since(start), p.err
	case <-time.After(grace):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
		return time.Since(start), fmt.Errorf("%s did not stop within %s after %s", p.Name, grace, sig)
	}
}

// waitFor polls ready with a short backoff until it succeeds, the process
// exits, or timeout passes.
func waitFor(t testing.TB, p *Process, timeout time.Duration, ready func(ctx context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	delay := 20 * time.Millisecond
	var last error
	for {
		attempt, cancelAttempt := context.WithTimeout(ctx, 2*time.Second)
		last = ready(attempt)
		cancelAttempt()
		if last == nil {
			return
		}
		if p.Exited() {
			t.Fatalf("%s exited before it was ready (%v); last check: %v\n%s", p.Name, p.err, last, p.Tail(30))
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s not ready after %s; last check: %v\n%s", p.Name, timeout, last, p.Tail(30))
		case <-time.After(delay):
		}
		if delay < 500*time.Millisecond {
			delay *= 2
		}
	}
}
