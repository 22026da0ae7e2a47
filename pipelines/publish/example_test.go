package publish_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/stack-ci/stack/pipelines/publish"
	"github.com/stack-ci/stack/pipelines/report/reporttest"
	"github.com/stack-ci/stack/pipelines/tags"
)

// The repositories and references of a release: one repository per image,
// named <prefix>/<app>-<image>, with every computed tag.
func ExamplePlan() {
	t, err := tags.Compute(tags.Context{EventName: "push", Ref: "refs/tags/v1.4.0", SHA: reporttest.Revision},
		tags.Config{}, time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC))
	if err != nil {
		panic(err)
	}
	targets, err := publish.Plan("ghcr.io/Acme", "hivemind", []string{"frontend", "backend"}, t)
	if err != nil {
		panic(err)
	}
	for _, tg := range targets {
		fmt.Println(tg.Image, tg.Repository, tg.Tags)
	}
	fmt.Println(targets[0].Refs[0])
	// Output:
	// frontend ghcr.io/acme/hivemind-frontend [1.4.0 1.4 1 sha-860c190 latest]
	// backend ghcr.io/acme/hivemind-backend [1.4.0 1.4 1 sha-860c190 latest]
	// ghcr.io/acme/hivemind-frontend:1.4.0
}

// A run whose gates failed is not published; the error names the stages,
// for the report's publish stage (report.Builder.Block).
func ExampleGate() {
	_, err := publish.Gate(reporttest.GatesFailed())
	var gerr *publish.GateError
	if errors.As(err, &gerr) {
		fmt.Println(gerr.Names())
	}
	fmt.Println(err)
	// Output:
	// [scan budget policy smoke]
	// publishing refused: hivemind did not pass: scan failed, budget failed, policy failed, smoke failed
}
