// Command stack-smoke is the smoke checker of the stack pipeline: it waits
// for services to be ready, checks the stack through its front door (SPA,
// API, Socket.IO over WebSocket, headers, gzip) and takes the backend
// through a Redis outage, and runs the checks an app declares in its
// stack.yaml (`run`). The pipeline runs it in a container bound to the
// services; the tests run it natively. See `stack-smoke help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/stack-ci/stack/pipelines/smoke"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := smoke.Main(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}
