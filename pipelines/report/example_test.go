package report_test

import (
	"os"
	"time"

	"github.com/stack-ci/stack/pipelines/report"
	"github.com/stack-ci/stack/pipelines/smoke"
)

// A run reports each stage as it ends; Report gives the record, and
// WriteMarkdown the job summary.
func ExampleReport_WriteMarkdown() {
	start := time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)
	clock := func() time.Time { t := start; start = start.Add(95 * time.Second); return t }
	b := report.New(report.Source{App: "demo", Revision: "860c1904a1ce19322e91d8b2fd1f2a2d8a3e0f4b", Ref: "refs/heads/main"},
		report.WithClock(clock), report.WithStages(report.StageBuild, report.StageSmoke, report.StagePublish))
	b.AddBuild([]report.Image{{Name: "web", Digest: "sha256:3f1b2c9e8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c", Platform: "linux/amd64"}}, 81*time.Second)
	b.AddSmoke(smoke.Results{
		{Name: "spa-index", Passed: true, Duration: 41 * time.Millisecond, Detail: "GET / 200, 1204 bytes of HTML"},
		{Name: "api-health", Passed: false, Duration: 5 * time.Second, Detail: "GET /api/health: HTTP 503 | want 200"},
	}, 9*time.Second)
	b.Block(report.StagePublish, report.StageSmoke)
	if err := b.Report().WriteMarkdown(os.Stdout); err != nil {
		panic(err)
	}
	// Output:
	// ## ❌ demo failed (smoke failed): 1 passed, 1 failed, 1 skipped in 1m35s
	//
	// `main` at `860c190` · started 2026-03-14 09:26:53 UTC
	//
	// ### Stages
	//
	// | Stage | Status | Time | Summary |
	// | --- | --- | ---: | --- |
	// | build | ✅ passed | 1m21s | 1 image built: web |
	// | smoke | ❌ failed | 9.0s | 1 of 2 checks failed: api-health |
	// | publish | ⛔ skipped | – | not run: smoke did not pass |
	//
	// ### Images
	//
	// | Image | Digest | Platform | Compressed | Uncompressed | Budget |
	// | --- | --- | --- | ---: | ---: | --- |
	// | web | `sha256:3f1b2c9e8d7a` | linux/amd64 | – | – | – |
	//
	// ### Smoke tests
	//
	// ❌ 1 of 2 checks failed.
	//
	// | Check | Result | Time | Detail |
	// | --- | --- | ---: | --- |
	// | spa-index | ✅ | 41ms | GET / 200, 1204 bytes of HTML |
	// | api-health | ❌ | 5.0s | GET /api/health: HTTP 503 \| want 200 |
}

// WriteText renders the same facts as aligned tables for a terminal.
func ExampleReport_WriteText() {
	start := time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)
	b := report.New(report.Source{App: "demo"}, report.WithClock(func() time.Time { return start }),
		report.WithStages(report.StageBuild, report.StagePublish))
	b.AddBuild([]report.Image{{Name: "web", Digest: "sha256:3f1b2c9e8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c", Platform: "linux/amd64"}}, 81*time.Second)
	b.Skip(report.StagePublish, "check does not publish")
	if err := b.Report().WriteText(os.Stdout, report.TextOptions{}); err != nil {
		panic(err)
	}
	// Output:
	// PASSED  demo passed: 1 passed, 1 skipped
	//
	// Stages
	// STAGE    STATUS    TIME  SUMMARY
	// build    passed   1m21s  1 image built: web
	// publish  skipped      –  check does not publish
	//
	// Images
	// IMAGE  DIGEST               PLATFORM     COMPRESSED  UNCOMPRESSED  BUDGET  REF
	// web    sha256:3f1b2c9e8d7a  linux/amd64           –             –  –
}
