package tags

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// created is the time docker/metadata-action's meta.test.ts mocks
// Date.toISOString with.
var created = time.Date(2020, 1, 10, 0, 30, 0, 0, time.UTC)

// fixtureContext reads testdata/events/<name>.env (hand-written after the
// metadata-action fixture of the same name) and builds the Context as
// FromGitHubEnv does in a workflow.
func fixtureContext(t *testing.T, name string) Context {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "events", name+".env"))
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || !strings.Contains(line, "=") {
			continue
		}
		k, v, _ := strings.Cut(line, "=")
		env[k] = v
	}
	gc, err := FromGitHubEnv(func(k string) string { return env[k] }, os.ReadFile)
	if err != nil {
		t.Fatalf("FromGitHubEnv(%s): %v", name, err)
	}
	return gc
}

// metadataActionDefaultKinds is metadata-action's tags input when empty:
// type=schedule, type=ref,event=branch, type=ref,event=tag, type=ref,event=pr.
var metadataActionDefaultKinds = []Kind{KindSchedule, KindBranch, KindTag, KindPR}

// TestComputeMatchesMetadataAction reproduces docker/metadata-action's
// __tests__/meta.test.ts cases (named after their test ids and env fixtures)
// whose inputs this package can express, with the same expected tags.
func TestComputeMatchesMetadataAction(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string // metadata-action test id
		fixture  string
		cfg      Config
		images   []string
		wantRefs []string
		// wantRevision is the revision label, when the case is about it.
		wantRevision string
	}{
		{name: "push01", fixture: "event_push_dev", cfg: Config{Kinds: metadataActionDefaultKinds},
			images: []string{"user/app"}, wantRefs: []string{"user/app:dev"}, wantRevision: "860c1904a1ce19322e91ac35af1ab07466440c37"},
		{name: "push02", fixture: "event_push_master", cfg: Config{Kinds: []Kind{KindEdge}},
			images: []string{"user/app"}, wantRefs: []string{"user/app:edge"}},
		{name: "push03", fixture: "event_push_master", cfg: Config{Kinds: metadataActionDefaultKinds},
			images: []string{"user/app"}, wantRefs: []string{"user/app:master"}},
		{name: "push04", fixture: "event_workflow_dispatch", cfg: Config{Kinds: []Kind{KindEdge}},
			images: []string{"user/app"}, wantRefs: []string{"user/app:edge"}},
		{name: "push05", fixture: "event_push_dev", cfg: Config{Kinds: metadataActionDefaultKinds},
			images: []string{"org/app", "ghcr.io/user/app"}, wantRefs: []string{"org/app:dev", "ghcr.io/user/app:dev"}},
		{name: "push07", fixture: "event_push_dev", cfg: Config{Kinds: []Kind{KindBranch, KindSha}},
			images:   []string{"org/app", "ghcr.io/user/app"},
			wantRefs: []string{"org/app:dev", "org/app:sha-860c190", "ghcr.io/user/app:dev", "ghcr.io/user/app:sha-860c190"}},
		{name: "push08", fixture: "event_push_master", cfg: Config{Kinds: []Kind{KindEdge, KindSha}},
			images: []string{"org/app"}, wantRefs: []string{"org/app:edge", "org/app:sha-2665741"}},
		// type=edge,branch=dev is Config.DefaultBranch.
		{name: "push09", fixture: "event_push_dev", cfg: Config{Kinds: []Kind{KindEdge, KindSha}, DefaultBranch: "dev"},
			images: []string{"org/app"}, wantRefs: []string{"org/app:edge", "org/app:sha-860c190"}},
		{name: "push10", fixture: "event_push_master", cfg: Config{Kinds: []Kind{KindEdge, KindSha}, DefaultBranch: "dev"},
			images: []string{"org/app"}, wantRefs: []string{"org/app:sha-2665741"}},
		{name: "push11", fixture: "event_push_invalidchars", cfg: Config{Kinds: []Kind{KindEdge, KindSha}},
			images: []string{"org/app"}, wantRefs: []string{"org/app:sha-983315b"}},
		{name: "push12", fixture: "event_push_invalidchars", cfg: Config{Kinds: []Kind{KindSemver, KindEdge}},
			images: []string{"org/app"}, wantRefs: nil},
		{name: "push18", fixture: "event_push_dev", cfg: Config{Kinds: []Kind{KindBranch, KindShaLong}},
			images: []string{"org/app"}, wantRefs: []string{"org/app:dev", "org/app:sha-860c1904a1ce19322e91ac35af1ab07466440c37"}},
		// type=raw,value=defbranch,enable={{is_default_branch}} on dev: skipped, like our default-branch-latest.
		{name: "push19", fixture: "event_push_dev", cfg: Config{Kinds: []Kind{KindEdge, KindShaLong, KindDefaultBranchLatest}, DefaultBranch: "master"},
			images: []string{"org/app"}, wantRefs: []string{"org/app:sha-860c1904a1ce19322e91ac35af1ab07466440c37"}},
		{name: "tag01", fixture: "event_tag_release1", cfg: Config{Kinds: metadataActionDefaultKinds},
			images: []string{"user/app"}, wantRefs: []string{"user/app:release1", "user/app:latest"}},
		{name: "tag02", fixture: "event_tag_20200110-RC2", cfg: Config{Kinds: metadataActionDefaultKinds},
			images: []string{"user/app"}, wantRefs: []string{"user/app:20200110-RC2", "user/app:latest"}},
		{name: "tag11", fixture: "event_tag_v1.1.1", cfg: Config{Kinds: []Kind{KindSemver, KindSemverMinor, KindSemverMajor}},
			images:   []string{"org/app", "ghcr.io/user/app"},
			wantRefs: []string{"org/app:1.1.1", "org/app:1.1", "org/app:1", "org/app:latest", "ghcr.io/user/app:1.1.1", "ghcr.io/user/app:1.1", "ghcr.io/user/app:1", "ghcr.io/user/app:latest"}},
		{name: "tag12", fixture: "event_tag_v1.1.1", cfg: Config{Kinds: []Kind{KindSemver}},
			images: []string{"org/app"}, wantRefs: []string{"org/app:1.1.1", "org/app:latest"}},
		// A pre-release gets only its full version, whatever the pattern, and no latest.
		{name: "tag13", fixture: "event_tag_v2.0.8-beta.67", cfg: Config{Kinds: []Kind{KindSemverMinor, KindSemverMajor}},
			images: []string{"org/app"}, wantRefs: []string{"org/app:2.0.8-beta.67"}},
		{name: "tag14", fixture: "event_tag_sometag", cfg: Config{Kinds: []Kind{KindTag, KindSemver, KindSemverMinor, KindSemverMajor}, Latest: LatestNever},
			images: []string{"ghcr.io/user/app"}, wantRefs: []string{"ghcr.io/user/app:sometag"}},
		{name: "tag21", fixture: "event_tag_v1.1.1", cfg: Config{Kinds: []Kind{KindSemver}, Suffix: "-dev", SuffixLatest: true},
			images: []string{"org/app"}, wantRefs: []string{"org/app:1.1.1-dev", "org/app:latest-dev"}},
		{name: "tag22", fixture: "event_tag_v1.1.1", cfg: Config{Kinds: []Kind{KindSemver}, Prefix: "foo-", PrefixLatest: true, Suffix: "-dev", SuffixLatest: true},
			images: []string{"org/app"}, wantRefs: []string{"org/app:foo-1.1.1-dev", "org/app:foo-latest-dev"}},
		{name: "latest05", fixture: "event_tag_v1.1.1", cfg: Config{Kinds: metadataActionDefaultKinds},
			images: []string{"org/app", "ghcr.io/user/app"}, wantRefs: []string{"org/app:v1.1.1", "org/app:latest", "ghcr.io/user/app:v1.1.1", "ghcr.io/user/app:latest"}},
		{name: "latest07", fixture: "event_tag_v1.1.1", cfg: Config{Kinds: []Kind{KindTag}, Latest: LatestNever},
			images: []string{"org/app"}, wantRefs: []string{"org/app:v1.1.1"}},
		// Image names are lowercased.
		{name: "latest08", fixture: "event_tag_v1.1.1", cfg: Config{Kinds: []Kind{KindTag}, Latest: LatestNever},
			images: []string{"org/app", "ghcr.io/MyUSER/MyApp"}, wantRefs: []string{"org/app:v1.1.1", "ghcr.io/myuser/myapp:v1.1.1"}},
		{name: "pr01", fixture: "event_pull_request", cfg: Config{Kinds: metadataActionDefaultKinds},
			images: []string{"user/app"}, wantRefs: []string{"user/app:pr-15"}},
		// On a pull_request event GITHUB_SHA (a9c8c58) is the merge commit.
		{name: "pr03", fixture: "event_pull_request", cfg: Config{Kinds: []Kind{KindPR, KindSha}},
			images: []string{"org/app"}, wantRefs: []string{"org/app:pr-15", "org/app:sha-a9c8c58"}, wantRevision: "a9c8c5828b91be19d9728548b24759e352367ef1"},
		// The pr kind keeps "pr-" in place of the flavor prefix; the suffix applies.
		{name: "pr05", fixture: "event_pull_request", cfg: Config{Kinds: []Kind{KindPR}, Prefix: "glo-", Suffix: "-bal"},
			images: []string{"org/app"}, wantRefs: []string{"org/app:pr-15-bal"}},
		// pull_request_target: GITHUB_REF is the base branch; the ref becomes refs/pull/15/merge.
		{name: "pr09", fixture: "event_pull_request_target", cfg: Config{Kinds: []Kind{KindTag, KindPR, KindBranch, KindSha, KindShaLong}},
			images: []string{"org/app"}, wantRefs: []string{"org/app:pr-15", "org/app:sha-2665741", "org/app:sha-266574110acf203503badf966df2ea24b5d732d7"}},
		// describe('pr-head-sha'): DOCKER_METADATA_PR_HEAD_SHA=true.
		{name: "pr-head-sha/pr03", fixture: "event_pull_request", cfg: Config{Kinds: []Kind{KindPR, KindSha}, UsePRHeadSHA: true},
			images: []string{"org/app"}, wantRefs: []string{"org/app:pr-15", "org/app:sha-3370e22"}, wantRevision: "3370e228f2209994d57af4427fe64e71bb79ac96"},
		{name: "pr-head-sha/pr09", fixture: "event_pull_request_target", cfg: Config{Kinds: []Kind{KindTag, KindPR, KindBranch, KindSha, KindShaLong}, UsePRHeadSHA: true},
			images: []string{"org/app"}, wantRefs: []string{"org/app:pr-15", "org/app:sha-3370e22", "org/app:sha-3370e228f2209994d57af4427fe64e71bb79ac96"}, wantRevision: "3370e228f2209994d57af4427fe64e71bb79ac96"},
		{name: "schedule01", fixture: "event_schedule", cfg: Config{Kinds: metadataActionDefaultKinds},
			images: []string{"user/app"}, wantRefs: []string{"user/app:nightly", "user/app:master"}},
		{name: "schedule05", fixture: "event_schedule", cfg: Config{Kinds: []Kind{KindSchedule, KindSha}},
			images: []string{"org/app"}, wantRefs: []string{"org/app:nightly", "org/app:sha-860c190"}},
		// schedule06's defbranch raw tag: a schedule event counts as the default branch
		// even though its payload does not name it.
		{name: "schedule06", fixture: "event_schedule", cfg: Config{Kinds: []Kind{KindSchedule, KindDefaultBranchLatest}},
			images: []string{"org/app"}, wantRefs: []string{"org/app:nightly", "org/app:latest"}},
		{name: "schedule07", fixture: "event_schedule", cfg: Config{Kinds: []Kind{KindSchedule}, Prefix: "glo-", Suffix: "-bal"},
			images: []string{"org/app"}, wantRefs: []string{"org/app:glo-nightly-bal"}},
		{name: "release01", fixture: "event_release_created", cfg: Config{Kinds: metadataActionDefaultKinds},
			images: []string{"user/app"}, wantRefs: []string{"user/app:v1.1.1", "user/app:latest"}},
		// raw07: flavor latest=true adds latest on a branch.
		{name: "raw07", fixture: "event_push_dev", cfg: Config{Kinds: []Kind{KindBranch}, Latest: LatestAlways},
			images: []string{"user/app"}, wantRefs: []string{"user/app:dev", "user/app:latest"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res, err := Compute(fixtureContext(t, tc.fixture), tc.cfg, created)
			if err != nil {
				t.Fatal(err)
			}
			var refs []string
			if len(res.Tags) > 0 {
				if refs, err = res.References(tc.images...); err != nil {
					t.Fatal(err)
				}
			}
			if strings.Join(refs, " ") != strings.Join(tc.wantRefs, " ") {
				t.Errorf("tags:\n got %q\nwant %q", refs, tc.wantRefs)
			}
			labels := res.LabelMap()
			if len(res.Tags) > 0 && labels[LabelVersion] != res.Tags[0].Name {
				t.Errorf("version label %q, want the first tag %q", labels[LabelVersion], res.Tags[0].Name)
			}
			if tc.wantRevision != "" && labels[LabelRevision] != tc.wantRevision {
				t.Errorf("revision label %q, want %q", labels[LabelRevision], tc.wantRevision)
			}
			for _, tag := range res.Tags {
				if tag.Reason == "" || !ValidTag(tag.Name) {
					t.Errorf("tag %+v: want a valid name and a reason", tag)
				}
			}
		})
	}
}

// TestComputeReadmeTables reproduces the "Docker Tags" tables of
// metadata-action's README: "Basic" (the default tags input), "Semver", and
// "Major version zero".
func TestComputeReadmeTables(t *testing.T) {
	t.Parallel()
	const sha = "860c1904a1ce19322e91ac35af1ab07466440c37"
	semverExample := []Kind{KindBranch, KindPR, KindSemver, KindSemverMinor}
	tests := []struct {
		name  string
		event string
		ref   string
		kinds []Kind
		want  []string
	}{
		{"Basic/pull_request", "pull_request", "refs/pull/2/merge", metadataActionDefaultKinds, []string{"pr-2"}},
		{"Basic/push master", "push", "refs/heads/master", metadataActionDefaultKinds, []string{"master"}},
		{"Basic/push releases/v1", "push", "refs/heads/releases/v1", metadataActionDefaultKinds, []string{"releases-v1"}},
		{"Basic/push tag v1.2.3", "push", "refs/tags/v1.2.3", metadataActionDefaultKinds, []string{"v1.2.3", "latest"}},
		// The README's own pitfall: with type=ref,event=tag a pre-release moves latest.
		{"Basic/push tag v2.0.8-beta.67", "push", "refs/tags/v2.0.8-beta.67", metadataActionDefaultKinds, []string{"v2.0.8-beta.67", "latest"}},
		{"Basic/workflow_dispatch", "workflow_dispatch", "refs/heads/master", metadataActionDefaultKinds, []string{"master"}},
		{"Semver/pull_request", "pull_request", "refs/pull/2/merge", semverExample, []string{"pr-2"}},
		{"Semver/push master", "push", "refs/heads/master", semverExample, []string{"master"}},
		{"Semver/push releases/v1", "push", "refs/heads/releases/v1", semverExample, []string{"releases-v1"}},
		{"Semver/push tag v1.2.3", "push", "refs/tags/v1.2.3", semverExample, []string{"1.2.3", "1.2", "latest"}},
		{"Semver/push tag v2.0.8-beta.67", "push", "refs/tags/v2.0.8-beta.67", semverExample, []string{"2.0.8-beta.67"}},
		{"type=ref/my/branch", "push", "refs/heads/my/branch", []Kind{KindBranch}, []string{"my-branch"}},
		{"Major version zero/v0.1.2", "push", "refs/tags/v0.1.2", []Kind{KindSemver, KindSemverMinor, KindSemverMajor}, []string{"0.1.2", "0.1", "latest"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res, err := Compute(Context{EventName: tc.event, Ref: tc.ref, SHA: sha, DefaultBranch: "master"}, Config{Kinds: tc.kinds}, created)
			if err != nil {
				t.Fatal(err)
			}
			if got := res.Names(); strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestComputePitfalls covers the cases the pipeline must get right, with the
// default Config unless said otherwise.
func TestComputePitfalls(t *testing.T) {
	t.Parallel()
	const (
		sha  = "0123456789abcdef0123456789abcdef01234567"
		head = "fedcba9876543210fedcba9876543210fedcba98"
	)
	long := strings.Repeat("feature-", 30) // 240 characters
	tests := []struct {
		name      string
		gc        Context
		cfg       Config
		want      []string
		wantNote  string // a substring of one note, if any
		wantLabel string // the revision label, if checked
	}{
		{name: "stable release", gc: Context{EventName: "push", Ref: "refs/tags/v1.2.3", SHA: sha},
			want: []string{"1.2.3", "1.2", "1", "sha-0123456", "latest"}},
		{name: "pre-release moves neither latest nor 1 nor 1.2", gc: Context{EventName: "push", Ref: "refs/tags/v1.2.3-rc.1", SHA: sha},
			want: []string{"1.2.3-rc.1", "sha-0123456"}},
		{name: "0.x gets no bare 0", gc: Context{EventName: "push", Ref: "refs/tags/v0.4.1", SHA: sha},
			want: []string{"0.4.1", "0.4", "sha-0123456", "latest"}, wantNote: "major version zero is not stable"},
		{name: "0.x with MajorZero", gc: Context{EventName: "push", Ref: "refs/tags/v0.4.1", SHA: sha}, cfg: Config{MajorZero: true},
			want: []string{"0.4.1", "0.4", "0", "sha-0123456", "latest"}},
		{name: "0.x pre-release", gc: Context{EventName: "push", Ref: "refs/tags/v0.4.1-beta.2", SHA: sha},
			want: []string{"0.4.1-beta.2", "sha-0123456"}},
		{name: "build metadata dropped", gc: Context{EventName: "push", Ref: "refs/tags/v1.2.3+build.5", SHA: sha},
			want: []string{"1.2.3", "1.2", "1", "sha-0123456", "latest"}},
		{name: "build metadata in the ref tag, + sanitised", gc: Context{EventName: "push", Ref: "refs/tags/v1.2.3+build.5", SHA: sha},
			cfg: Config{Kinds: []Kind{KindSemver, KindTag}}, want: []string{"1.2.3", "v1.2.3-build.5", "latest"}},
		{name: "unprefixed semver tag", gc: Context{EventName: "push", Ref: "refs/tags/2.0.0", SHA: sha},
			want: []string{"2.0.0", "2.0", "2", "sha-0123456", "latest"}},
		{name: "non-semver tag: sha only, a note", gc: Context{EventName: "push", Ref: "refs/tags/release-2024", SHA: sha},
			want: []string{"sha-0123456"}, wantNote: `git tag "release-2024" is not a semantic version`},
		{name: "non-semver tag with KindTag moves latest (metadata-action tag01)", gc: Context{EventName: "push", Ref: "refs/tags/release-2024", SHA: sha},
			cfg: Config{Kinds: []Kind{KindSemver, KindTag, KindSha}}, want: []string{"release-2024", "sha-0123456", "latest"}},
		{name: "v1.2 is no semver tag", gc: Context{EventName: "push", Ref: "refs/tags/v1.2", SHA: sha},
			want: []string{"sha-0123456"}, wantNote: "2 dot-separated numbers"},
		{name: "p1/v1.0.0: slash becomes dash, not semver", gc: Context{EventName: "push", Ref: "refs/tags/p1/v1.0.0", SHA: sha},
			cfg: Config{Kinds: []Kind{KindSemver, KindTag}, Latest: LatestNever}, want: []string{"p1-v1.0.0"}},
		{name: "default branch: edge, branch, sha", gc: Context{EventName: "push", Ref: "refs/heads/main", SHA: sha, DefaultBranch: "main"},
			want: []string{"edge", "main", "sha-0123456"}},
		{name: "default branch latest recipe", gc: Context{EventName: "push", Ref: "refs/heads/main", SHA: sha, DefaultBranch: "main"},
			cfg: Config{Kinds: []Kind{KindBranch, KindDefaultBranchLatest, KindSha}}, want: []string{"main", "latest", "sha-0123456"}},
		{name: "default branch from Config", gc: Context{EventName: "push", Ref: "refs/heads/trunk", SHA: sha},
			cfg: Config{DefaultBranch: "trunk"}, want: []string{"edge", "trunk", "sha-0123456"}},
		{name: "create event of a branch is not the default branch", gc: Context{EventName: "create", Ref: "refs/heads/dev", SHA: sha, DefaultBranch: "master"},
			cfg: Config{Kinds: []Kind{KindBranch, KindDefaultBranchLatest}}, want: []string{"dev"}},
		{name: "branch with slashes and uppercase", gc: Context{EventName: "push", Ref: "refs/heads/Feature/Login", SHA: sha},
			want: []string{"Feature-Login", "sha-0123456"}},
		{name: "branch with invalid characters (event_push_invalidchars)", gc: Context{EventName: "push", Ref: "refs/heads/my/feature#1245", SHA: sha},
			cfg: Config{Kinds: []Kind{KindBranch}}, want: []string{"my-feature-1245"}},
		{name: "branch starting with dashes", gc: Context{EventName: "push", Ref: "refs/heads/--x", SHA: sha},
			cfg: Config{Kinds: []Kind{KindBranch}}, want: []string{"x"}},
		{name: "branch starting with a dash, with a prefix", gc: Context{EventName: "push", Ref: "refs/heads/-x", SHA: sha},
			cfg: Config{Kinds: []Kind{KindBranch}, Prefix: "b"}, want: []string{"b-x"}},
		{name: "long branch shortened with a hash", gc: Context{EventName: "push", Ref: "refs/heads/" + long, SHA: sha},
			cfg: Config{Kinds: []Kind{KindBranch}}, want: []string{long[:119] + "-" + hash8(long)}},
		{name: "long branch with suffix", gc: Context{EventName: "push", Ref: "refs/heads/" + long, SHA: sha},
			cfg: Config{Kinds: []Kind{KindBranch}, Suffix: "-dev"}, want: []string{long[:115] + "-" + hash8(long) + "-dev"}},
		{name: "branch named latest", gc: Context{EventName: "push", Ref: "refs/heads/latest", SHA: sha},
			cfg: Config{Kinds: []Kind{KindBranch}}, want: []string{"latest"}, wantNote: "overwrites the latest image"},
		{name: "pull request: merge sha by default", gc: Context{EventName: "pull_request", Ref: "refs/pull/12/merge", SHA: sha, PRHeadSHA: head},
			want: []string{"pr-12", "sha-0123456"}, wantNote: "is the merge commit GitHub made, not the PR head", wantLabel: sha},
		{name: "pull request: head sha", gc: Context{EventName: "pull_request", Ref: "refs/pull/12/merge", SHA: sha, PRHeadSHA: head},
			cfg: Config{UsePRHeadSHA: true}, want: []string{"pr-12", "sha-fedcba9"}, wantLabel: head},
		{name: "pull request: head sha wanted but unknown", gc: Context{EventName: "pull_request", Ref: "refs/pull/12/merge", SHA: sha},
			cfg: Config{UsePRHeadSHA: true}, want: []string{"pr-12", "sha-0123456"}, wantNote: "has no pull_request.head.sha", wantLabel: sha},
		{name: "head sha ignored outside pull requests", gc: Context{EventName: "push", Ref: "refs/heads/dev", SHA: sha, PRHeadSHA: head},
			cfg: Config{UsePRHeadSHA: true, Kinds: []Kind{KindSha}}, want: []string{"sha-0123456"}, wantLabel: sha},
		{name: "refs/pull/N/head", gc: Context{EventName: "pull_request", Ref: "refs/pull/12/head", SHA: sha},
			cfg: Config{Kinds: []Kind{KindPR}}, want: []string{"pr-12-head"}},
		// meta.test.ts tag19 and pr05: sha- and pr- replace the flavor prefix, the suffix stays.
		{name: "sha and pr keep their prefix", gc: Context{EventName: "pull_request", Ref: "refs/pull/4/merge", SHA: sha},
			cfg: Config{Kinds: []Kind{KindPR, KindSha}, Prefix: "glo-", Suffix: "-dev"}, want: []string{"pr-4-dev", "sha-0123456-dev"}},
		{name: "sha length 12", gc: Context{EventName: "push", Ref: "refs/heads/dev", SHA: sha},
			cfg: Config{Kinds: []Kind{KindSha}, ShaLength: 12}, want: []string{"sha-0123456789ab"}},
		{name: "sha length beyond the sha", gc: Context{EventName: "push", Ref: "refs/heads/dev", SHA: sha},
			cfg: Config{Kinds: []Kind{KindSha, KindShaLong}, ShaLength: 50}, want: []string{"sha-" + sha}},
		{name: "uppercase sha is lowercased", gc: Context{EventName: "push", Ref: "refs/heads/dev", SHA: strings.ToUpper(sha)},
			cfg: Config{Kinds: []Kind{KindSha}}, want: []string{"sha-0123456"}, wantLabel: sha},
		{name: "no ref, no sha: nothing", gc: Context{}, want: nil, wantNote: "no tag applies"},
		{name: "no ref: sha only", gc: Context{SHA: sha}, want: []string{"sha-0123456"}},
		{name: "latest=false on a release", gc: Context{EventName: "push", Ref: "refs/tags/v1.2.3", SHA: sha},
			cfg: Config{Latest: LatestNever}, want: []string{"1.2.3", "1.2", "1", "sha-0123456"}},
		{name: "latest=true on a PR", gc: Context{EventName: "pull_request", Ref: "refs/pull/3/merge", SHA: sha},
			cfg: Config{Latest: LatestAlways, Kinds: []Kind{KindPR}}, want: []string{"pr-3", "latest"}},
		{name: "sha first decides latest=auto: no latest", gc: Context{EventName: "push", Ref: "refs/tags/v1.2.3", SHA: sha},
			cfg: Config{Kinds: []Kind{KindSha}}, want: []string{"sha-0123456"}},
		{name: "latest recipe and latest mode give one latest", gc: Context{EventName: "schedule", Ref: "refs/heads/main", SHA: sha},
			cfg: Config{Kinds: []Kind{KindSchedule, KindDefaultBranchLatest}, Latest: LatestAlways}, want: []string{"nightly", "latest"}},
		{name: "kinds in any order come out by priority", gc: Context{EventName: "push", Ref: "refs/tags/v3.1.4", SHA: sha},
			cfg: Config{Kinds: []Kind{KindSha, KindTag, KindSemverMajor, KindSemver}}, want: []string{"3", "3.1.4", "v3.1.4", "sha-0123456", "latest"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res, err := Compute(tc.gc, tc.cfg, created)
			if err != nil {
				t.Fatal(err)
			}
			if got := res.Names(); strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("tags:\n got %q\nwant %q", got, tc.want)
			}
			if tc.wantNote != "" && !strings.Contains(strings.Join(res.Notes, "\n"), tc.wantNote) {
				t.Errorf("notes %q: want one containing %q", res.Notes, tc.wantNote)
			}
			if tc.wantLabel != "" && res.LabelMap()[LabelRevision] != tc.wantLabel {
				t.Errorf("revision label %q, want %q", res.LabelMap()[LabelRevision], tc.wantLabel)
			}
			for _, tag := range res.Tags {
				if err := CheckTag(tag.Name); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

func TestComputeLongBranchesStayDistinct(t *testing.T) {
	t.Parallel()
	base := strings.Repeat("a", 150)
	seen := map[string]string{}
	for _, suffix := range []string{"-one", "-two", "/one"} {
		res, err := Compute(Context{Ref: "refs/heads/" + base + suffix}, Config{Kinds: []Kind{KindBranch}}, created)
		if err != nil {
			t.Fatal(err)
		}
		name := res.Tags[0].Name
		if len(name) != MaxTagLength {
			t.Errorf("%s: tag %q is %d characters, want %d", suffix, name, len(name), MaxTagLength)
		}
		if prev, dup := seen[name]; dup {
			t.Errorf("branches ending %q and %q share the tag %q", prev, suffix, name)
		}
		seen[name] = suffix
	}
}

func TestComputeErrors(t *testing.T) {
	t.Parallel()
	const sha = "0123456789abcdef0123456789abcdef01234567"
	tests := []struct {
		name      string
		gc        Context
		cfg       Config
		created   time.Time
		wantInErr string
		config    bool // errors.Is(err, ErrConfig)
	}{
		{name: "branch with nothing usable", gc: Context{Ref: "refs/heads/#", SHA: sha}, wantInErr: `sanitising "#" into a tag: nothing is left`},
		{name: "short sha", gc: Context{SHA: "abc1234"}, wantInErr: `checking sha "abc1234": want a full commit id`},
		{name: "non-hex sha", gc: Context{SHA: strings.Repeat("z", 40)}, wantInErr: `"z" is not a hex digit`},
		{name: "bad head sha", gc: Context{SHA: sha, PRHeadSHA: "nope"}, wantInErr: `checking pull request head sha "nope"`},
		{name: "short ref", gc: Context{Ref: "main"}, wantInErr: `checking ref "main": want a full ref`},
		{name: "ref with space", gc: Context{Ref: "refs/heads/a b"}, wantInErr: `contains " "`},
		{name: "ref with ..", gc: Context{Ref: "refs/heads/a..b"}, wantInErr: `contains ".."`},
		{name: "ref with .lock", gc: Context{Ref: "refs/heads/x.lock"}, wantInErr: `ends with ".lock"`},
		{name: "zero time", gc: Context{SHA: sha}, created: time.Time{}, wantInErr: "the creation time is zero"},
		{name: "unknown kind", cfg: Config{Kinds: []Kind{"semvar"}}, wantInErr: `unknown tag kind "semvar"`, config: true},
		{name: "kind twice", cfg: Config{Kinds: []Kind{KindSha, KindSha}}, wantInErr: `tag kind "sha" listed twice`, config: true},
		{name: "bad latest", cfg: Config{Latest: "yes"}, wantInErr: `latest mode "yes"`, config: true},
		{name: "prefix with slash", cfg: Config{Prefix: "a/"}, wantInErr: `prefix "a/" has "/"`, config: true},
		{name: "prefix starting with dash", cfg: Config{Prefix: "-a"}, wantInErr: `prefix "-a" starts with "-"`, config: true},
		{name: "suffix too long", cfg: Config{Suffix: strings.Repeat("s", 41)}, wantInErr: "at most 40", config: true},
		{name: "sha length 2", cfg: Config{ShaLength: 2}, wantInErr: "sha length 2", config: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			at := created
			if tc.name == "zero time" {
				at = tc.created
			}
			res, err := Compute(tc.gc, tc.cfg, at)
			if err == nil {
				t.Fatalf("Compute succeeded with %q, want an error", res.Names())
			}
			if !strings.HasPrefix(err.Error(), "computing tags: ") || !strings.Contains(err.Error(), tc.wantInErr) {
				t.Errorf("error %q: want it to start with \"computing tags: \" and contain %q", err, tc.wantInErr)
			}
			if errors.Is(err, ErrConfig) != tc.config {
				t.Errorf("errors.Is(err, ErrConfig) = %t, want %t", !tc.config, tc.config)
			}
		})
	}
}

func TestLabels(t *testing.T) {
	t.Parallel()
	gc := fixtureContext(t, "event_push_dev")
	res, err := Compute(gc, Config{Kinds: metadataActionDefaultKinds}, created.In(time.FixedZone("Tokyo", 9*3600)))
	if err != nil {
		t.Fatal(err)
	}
	// meta.test.ts push01, with the repository of the event payload rather
	// than the mocked API answer (repo.json).
	want := []string{
		"org.opencontainers.image.created=2020-01-10T00:30:00.000Z",
		`org.opencontainers.image.description=Test "Docker" Actions`,
		"org.opencontainers.image.licenses=MIT",
		"org.opencontainers.image.revision=860c1904a1ce19322e91ac35af1ab07466440c37",
		"org.opencontainers.image.source=https://github.com/docker/test-docker-action",
		"org.opencontainers.image.title=test-docker-action",
		"org.opencontainers.image.url=https://github.com/docker/test-docker-action",
		"org.opencontainers.image.version=dev",
	}
	var got []string
	for _, l := range res.Labels {
		got = append(got, l.String())
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("labels:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// meta.test.ts null01: no tags, empty values kept.
	res, err = Compute(Context{}, Config{}, created)
	if err != nil {
		t.Fatal(err)
	}
	m := res.LabelMap()
	if len(m) != 8 || m[LabelVersion] != "" || m[LabelRevision] != "" || m[LabelCreated] != "2020-01-10T00:30:00.000Z" {
		t.Errorf("labels of an empty context: %v", m)
	}
}

func TestReferences(t *testing.T) {
	t.Parallel()
	res := Result{Tags: []Tag{{Name: "1.2.3"}, {Name: "latest"}}}
	got, err := res.References("Registry.Example.com:5000/NS/Frontend", "localhost/app", "registry.example.com:5000/ns/frontend")
	if err != nil {
		t.Fatal(err)
	}
	want := "registry.example.com:5000/ns/frontend:1.2.3 registry.example.com:5000/ns/frontend:latest localhost/app:1.2.3 localhost/app:latest"
	if strings.Join(got, " ") != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	for _, tc := range []struct{ image, wantInErr string }{
		{"", "empty"},
		{"app:1.0", "contains a tag"},
		{"ghcr.io/o/app:1.0", "contains a tag"},
		{"app@sha256:abc", "contains a digest"},
		{"ghcr.io/o/-app", `path component "-app"`},
		{"ghcr.io//app", `path component ""`},
		{"bad_host.io:x/app", "registry host"},
		{strings.Repeat("a", 256), "the limit is 255"},
	} {
		if _, err := res.References(tc.image); err == nil || !strings.Contains(err.Error(), tc.wantInErr) || !strings.Contains(err.Error(), "building image references") {
			t.Errorf("References(%q) error %v, want one containing %q", tc.image, err, tc.wantInErr)
		}
	}
	if _, err := res.References(); err == nil {
		t.Error("References() with no image succeeded")
	}
	bad := Result{Tags: []Tag{{Name: "-bad"}}}
	if _, err := bad.References("app"); err == nil {
		t.Error("References kept an invalid tag")
	}
}

func TestSanitizeTag(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"feature/login":   "feature-login",
		"my/feature#1245": "my-feature-1245",
		"Feature/Login":   "Feature-Login",
		"a//b##c":         "a-b-c",
		"ünïcode":         "-n-code",
		"v1.2.3+build":    "v1.2.3-build",
		"ok_1.2-x":        "ok_1.2-x",
	} {
		if got := SanitizeTag(in); got != want {
			t.Errorf("SanitizeTag(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestValidTag(t *testing.T) {
	t.Parallel()
	for tag, want := range map[string]bool{
		"latest": true, "1.2.3": true, "_x": true, "A": true, "Feature-Login": true,
		strings.Repeat("a", 128): true, strings.Repeat("a", 129): false,
		"": false, ".x": false, "-x": false, "a/b": false, "a+b": false, "a:b": false, "é": false,
	} {
		if ValidTag(tag) != want || (CheckTag(tag) == nil) != want {
			t.Errorf("ValidTag(%q) = %t, CheckTag = %v; want %t", tag, ValidTag(tag), CheckTag(tag), want)
		}
	}
}

func hash8(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:8]
}
