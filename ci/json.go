package main

// Errors in this module are formatted with %v, not %w: the Go SDK reports a
// function's error by the first GraphQL error it finds in the chain, so
// wrapping an error from a Dagger call would drop the context added here.
// Only errors that callers inspect (scan.Failure) are wrapped.

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/stack-ci/stack/pipelines/report"
)

// jsonString marshals v, indented, for a file of a result directory.
func jsonString(v any) (string, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return "", fmt.Errorf("encoding %T as JSON: %v", v, err)
	}
	return string(b) + "\n", nil
}

// stageSummary renders one stage's result the way the pipeline's report
// does, for the functions that run one gate on its own; the stage started
// at start.
func stageSummary(stage string, start time.Time, add func(*report.Builder)) (string, error) {
	started := false
	clock := func() time.Time { // the report starts when the stage did
		if !started {
			started = true
			return start
		}
		return time.Now()
	}
	b := report.New(report.Source{}, report.WithStages(stage), report.WithClock(clock))
	add(b)
	var md strings.Builder
	if err := b.Report().WriteMarkdown(&md); err != nil {
		return "", fmt.Errorf("rendering the %s summary: %v", stage, err)
	}
	return md.String(), nil
}

// gateOutcome is a gate's Check: the summary, or an error carrying it.
func gateOutcome(passed bool, failure, summary string) (string, error) {
	if !passed {
		return "", fmt.Errorf("%s:\n%s", failure, summary)
	}
	return summary, nil
}
