package tags_test

import (
	"fmt"
	"time"

	"github.com/stack-ci/stack/pipelines/tags"
)

// A release tag pushed in GitHub Actions: the semver tags, the short sha and
// latest, for each image, with the reason of each tag for the report.
func Example() {
	env := map[string]string{
		"GITHUB_EVENT_NAME": "push",
		"GITHUB_REF":        "refs/tags/v1.2.3",
		"GITHUB_SHA":        "860c1904a1ce19322e91ac35af1ab07466440c37",
		"GITHUB_REPOSITORY": "acme/hivemind",
		"GITHUB_EVENT_PATH": "event.json",
	}
	readFile := func(string) ([]byte, error) {
		return []byte(`{"repository": {"name": "hivemind", "default_branch": "main", "license": {"spdx_id": "MIT"}}}`), nil
	}
	gc, err := tags.FromGitHubEnv(func(k string) string { return env[k] }, readFile)
	if err != nil {
		panic(err)
	}
	res, err := tags.Compute(gc, tags.Config{}, time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC))
	if err != nil {
		panic(err)
	}
	for _, t := range res.Tags {
		fmt.Printf("%-12s %s\n", t.Name, t.Reason)
	}
	refs, err := res.References("registry.example.com/acme/frontend")
	if err != nil {
		panic(err)
	}
	fmt.Println(refs)
	fmt.Println(res.LabelMap()[tags.LabelVersion], res.LabelMap()[tags.LabelSource])
	// Output:
	// 1.2.3        type=semver,pattern={{version}} of git tag "v1.2.3"
	// 1.2          type=semver,pattern={{major}}.{{minor}} of git tag "v1.2.3"
	// 1            type=semver,pattern={{major}} of git tag "v1.2.3"
	// sha-860c190  type=sha: commit 860c1904a1ce19322e91ac35af1ab07466440c37, first 7 characters
	// latest       latest=auto: the first tag "1.2.3" comes from the stable version 1.2.3 of git tag "v1.2.3"
	// [registry.example.com/acme/frontend:1.2.3 registry.example.com/acme/frontend:1.2 registry.example.com/acme/frontend:1 registry.example.com/acme/frontend:sha-860c190 registry.example.com/acme/frontend:latest]
	// 1.2.3 https://github.com/acme/hivemind
}

// A pull request: the pr tag, and the sha of the PR head rather than the
// merge commit GitHub builds by default, because this workflow checks out
// the head.
func ExampleConfig_prHead() {
	gc := tags.Context{
		EventName: "pull_request",
		Ref:       "refs/pull/15/merge",
		SHA:       "a9c8c5828b91be19d9728548b24759e352367ef1", // the merge commit
		PRHeadSHA: "3370e228f2209994d57af4427fe64e71bb79ac96",
	}
	res, err := tags.Compute(gc, tags.Config{UsePRHeadSHA: true}, time.Unix(0, 0))
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Names(), res.LabelMap()[tags.LabelRevision])
	// Output:
	// [pr-15 sha-3370e22] 3370e228f2209994d57af4427fe64e71bb79ac96
}

// Release checks a version before the release script tags it.
func ExampleRelease() {
	for _, v := range []string{"v1.4.0", "v2.0.0-rc.1", "1.4.0", "v1.4", "v1.4.0+build.7"} {
		ver, err := tags.Release(v)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(ver, "pre-release:", ver.IsPrerelease())
	}
	// Output:
	// 1.4.0 pre-release: false
	// 2.0.0-rc.1 pre-release: true
	// checking release version "1.4.0": a release tag starts with "v": use "v1.4.0"
	// checking release version "v1.4": 2 dot-separated numbers, want 3: want MAJOR.MINOR.PATCH with an optional leading "v", e.g. v1.2.3, v1.2.3-rc.1 or 1.2.3
	// checking release version "v1.4.0+build.7": build metadata "+build.7" is dropped from image tags, so this release would overwrite 1.4.0: remove the "+…" part
}

// Local git facts, as a pre-push hook collects them, give the tags the
// GitHub workflow will give.
func ExampleFromLocalGit() {
	gc, err := tags.FromLocalGit(tags.LocalGit{
		Branch:        "Feature/Login",
		SHA:           "0123456789abcdef0123456789abcdef01234567",
		DefaultBranch: "origin/main",
		RemoteURL:     "git@github.com:acme/hivemind.git",
	})
	if err != nil {
		panic(err)
	}
	res, err := tags.Compute(gc, tags.Config{}, time.Unix(0, 0))
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Names())
	// Output:
	// [Feature-Login sha-0123456]
}
