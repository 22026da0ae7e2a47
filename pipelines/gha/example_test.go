package gha_test

import (
	"fmt"
	"os"

	"github.com/sethvargo/go-githubactions"

	"github.com/stack-ci/stack/pipelines/gha"
	"github.com/stack-ci/stack/pipelines/report/reporttest"
)

// The step outputs of a small passing run with one image, "web".
func ExampleOutputs() {
	outs, err := gha.Outputs(reporttest.Tiny())
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, o := range outs {
		fmt.Printf("%s=%q\n", o.Name, o.Value)
	}
	// Output:
	// passed="true"
	// summary="demo passed: 2 passed in 1m35s"
	// failed-stages=""
	// blocking-findings="0"
	// images="web"
	// tags=""
	// refs=""
	// web-digest="sha256:3f1b2c9e8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c"
	// web-ref=""
	// web-refs=""
}

// Outside GitHub Actions, Emit prints what it would set instead of writing
// the runner's files.
func ExampleEmit() {
	env := map[string]string{} // no GITHUB_ACTIONS, GITHUB_OUTPUT or GITHUB_STEP_SUMMARY
	a := githubactions.New(githubactions.WithWriter(os.Stdout), githubactions.WithGetenv(func(k string) string { return env[k] }))
	if err := gha.Emit(a, reporttest.Tiny()); err != nil {
		fmt.Println(err)
	}
	// Output:
	// PASSED  demo passed: 2 passed in 1m35s
	//
	// == Stages ==
	// STAGE  STATUS   TIME  SUMMARY
	// build  passed  1m21s  1 image built: web
	// smoke  passed   9.0s  2 checks passed
	//
	// == Images ==
	// IMAGE  DIGEST               PLATFORM     COMPRESSED  UNCOMPRESSED  BUDGET  REF
	// web    sha256:3f1b2c9e8d7a  linux/amd64           –             –  –
	//
	// == Smoke tests ==
	// CHECK       RESULT  TIME  DETAIL
	// spa-index   ok      41ms  GET / 200, 1204 bytes of HTML
	// api-health  ok      12ms  GET /api/health 200, status ok
	// 2 of 2 checks passed
	//
	// GITHUB_OUTPUT is not set; the step outputs would be:
	// passed=true
	// summary=demo passed: 2 passed in 1m35s
	// failed-stages=
	// blocking-findings=0
	// images=web
	// tags=
	// refs=
	// web-digest=sha256:3f1b2c9e8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c
	// web-ref=
	// web-refs=
	//
	// GITHUB_STEP_SUMMARY is not set; the job summary would be:
	//
	// ## ✅ demo passed: 2 passed in 1m35s
	//
	// `main` at `860c190` · started 2026-03-14 09:26:53 UTC
	//
	// ### Stages
	//
	// | Stage | Status | Time | Summary |
	// | --- | --- | ---: | --- |
	// | build | ✅ passed | 1m21s | 1 image built: web |
	// | smoke | ✅ passed | 9.0s | 2 checks passed |
	//
	// ### Images
	//
	// | Image | Digest | Platform | Compressed | Uncompressed | Budget |
	// | --- | --- | --- | ---: | ---: | --- |
	// | web | `sha256:3f1b2c9e8d7a` | linux/amd64 | – | – | – |
	//
	// ### Smoke tests
	//
	// ✅ 2 checks passed.
	//
	// | Check | Result | Time | Detail |
	// | --- | --- | ---: | --- |
	// | spa-index | ✅ | 41ms | GET / 200, 1204 bytes of HTML |
	// | api-health | ✅ | 12ms | GET /api/health 200, status ok |
}
