// Command stack-gha shows the pipeline's report in GitHub Actions: step
// outputs (passed, <image>-digest, <image>-ref, tags…), the job summary,
// error and warning annotations, and the report's tables in collapsible log
// groups. Dagger functions run inside the engine and cannot write the
// runner's files, so a workflow runs it on the runner after the check step:
//
//	go run ./cmd/stack-gha --report out/report.json [--fail=false] [--mask VALUE] [--mask-env NAME]
//
// Outside GitHub Actions it prints what it would set. It exits 0 when the
// report passed, 1 when it did not (unless --fail=false), 2 on bad
// arguments or an unreadable report. See package gha for the outputs.
package main

import (
	"os"

	"github.com/stack-ci/stack/pipelines/gha"
)

func main() {
	os.Exit(gha.Run(os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}
