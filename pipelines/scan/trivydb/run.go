package trivydb

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// RunTimeout bounds one Trivy run in tests: a run that does not finish in
// time fails the test instead of hanging it.
const RunTimeout = 3 * time.Minute

// Result is a finished Trivy run.
type Result struct {
	// Stdout and Stderr are what Trivy wrote.
	Stdout, Stderr string
	// ExitCode is the exit status, -1 when killed by a signal.
	ExitCode int
}

// Run runs the Trivy binary with args in dir (the working directory; ""
// means a fresh temporary one) and returns its output and exit status.
//
// The environment keeps Trivy on loopback: HOME is a temporary directory,
// no TRIVY_* variable is inherited, and HTTP(S)_PROXY point to a closed
// loopback port, so that any request to a non-loopback host fails at once
// (Go never proxies loopback addresses, so a registry on 127.0.0.1 still
// answers).
func Run(t testing.TB, bin, dir string, args ...string) Result {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	ctx, cancel := context.WithTimeout(context.Background(), RunTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Env = env(t.TempDir())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("trivy %s did not finish within %v (hang?); stderr:\n%s", strings.Join(args, " "), RunTimeout, stderr.String())
	}
	res := Result{Stdout: stdout.String(), Stderr: stderr.String()}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exitErr):
		res.ExitCode = exitErr.ExitCode()
	default:
		t.Fatalf("running trivy: %v", err)
	}
	return res
}

func env(home string) []string {
	var out []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(name, "TRIVY_"), name == "HOME", name == "XDG_CACHE_HOME",
			strings.EqualFold(name, "HTTP_PROXY"), strings.EqualFold(name, "HTTPS_PROXY"), strings.EqualFold(name, "NO_PROXY"):
			continue
		}
		out = append(out, kv)
	}
	return append(out,
		"HOME="+home,
		"HTTP_PROXY=http://127.0.0.1:9",
		"HTTPS_PROXY=http://127.0.0.1:9",
		"NO_PROXY=",
	)
}
