package smoke_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/stack-ci/stack/pipelines/internal/loopback"
	"github.com/stack-ci/stack/pipelines/smoke"
)

func TestLoggedAppendsOutputToTheLogFile(t *testing.T) {
	t.Parallel()
	log := filepath.Join(t.TempDir(), "logs", "run1", "app.log")
	for _, word := range []string{"first", "second"} {
		argv := smoke.Logged([]string{"sh", "-c", `echo "$0 out"; echo "$0 err" >&2; exit 3`, word}, log)
		err := exec.Command(argv[0], argv[1:]...).Run()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 3 {
			t.Fatalf("Logged did not keep the exit status: %v", err)
		}
	}
	b, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(b); got != "first out\nfirst err\nsecond out\nsecond err\n" {
		t.Errorf("log = %q", got)
	}
}

// A supervised Redis stays down while paused and comes back on its own, in
// the same "container" (process tree), as the smoke tests' outage does.
func TestSupervisedRedisPausesAndRestarts(t *testing.T) {
	t.Parallel()
	bin := loopback.LookPath(t, "redis-server")
	dir := t.TempDir()
	port := loopback.FreePort(t)
	r := smoke.Redis{Host: "127.0.0.1", Port: port, Password: smoke.NewPassword()}
	argv := smoke.Supervised([]string{bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--requirepass", r.Password, "--save", "", "--appendonly", "no"},
		filepath.Join(dir, "logs", "redis.log"), filepath.Join(dir, "ctl", "redis.paused"))
	cmd := exec.Command(argv[0], argv[1:]...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	ctx := context.Background()
	wait := func(want bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			_, err := r.Probe()(ctx)
			if (err == nil) == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("redis up=%v not reached: %v", want, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	wait(true)

	begin, end := smoke.PauseFile(filepath.Join(dir, "ctl", "redis.paused"))
	if err := begin(); err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(&redis.Options{Addr: r.Addr(), Password: r.Password})
	_ = c.Shutdown(ctx).Err() // the connection drops as the server exits
	c.Close()
	wait(false)
	time.Sleep(time.Second)
	if _, err := r.Probe()(ctx); err == nil {
		t.Fatal("redis came back while paused")
	}
	if err := end(); err != nil {
		t.Fatal(err)
	}
	wait(true)

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("supervisor exit after SIGTERM: %v", err)
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("supervisor did not stop on SIGTERM")
	}
	wait(false)
	log, _ := os.ReadFile(filepath.Join(dir, "logs", "redis.log"))
	if !strings.Contains(string(log), "exited with status") || strings.Count(string(log), "Ready to accept connections") != 2 {
		t.Errorf("log does not show one restart:\n%s", log)
	}
}
