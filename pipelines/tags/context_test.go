package tags

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"testing"
)

func TestFromGitHubEnvFixtures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fixture string
		want    Context
	}{
		{"event_push_dev", Context{EventName: "push", Ref: "refs/heads/dev", SHA: "860c1904a1ce19322e91ac35af1ab07466440c37", DefaultBranch: "master",
			Repo: Repo{Name: "test-docker-action", Description: `Test "Docker" Actions`, URL: "https://github.com/docker/test-docker-action", License: "MIT"}}},
		{"event_pull_request", Context{EventName: "pull_request", Ref: "refs/pull/15/merge", SHA: "a9c8c5828b91be19d9728548b24759e352367ef1",
			PRHeadSHA: "3370e228f2209994d57af4427fe64e71bb79ac96", DefaultBranch: "master",
			Repo: Repo{Name: "test-docker-action", Description: `Test "Docker" Actions`, URL: "https://github.com/docker/test-docker-action", License: "MIT"}}},
		// GITHUB_REF is refs/heads/master; metadata-action rewrites it from payload.number.
		{"event_pull_request_target", Context{EventName: "pull_request_target", Ref: "refs/pull/15/merge", SHA: "266574110acf203503badf966df2ea24b5d732d7",
			PRHeadSHA: "3370e228f2209994d57af4427fe64e71bb79ac96", DefaultBranch: "master",
			Repo: Repo{Name: "test-docker-action", Description: `Test "Docker" Actions`, URL: "https://github.com/docker/test-docker-action", License: "MIT"}}},
		// No repository in a schedule payload: name and URL from GITHUB_REPOSITORY.
		{"event_schedule", Context{EventName: "schedule", Ref: "refs/heads/master", SHA: "860c1904a1ce19322e91ac35af1ab07466440c37",
			Repo: Repo{Name: "test-docker-action", URL: "https://github.com/docker/test-docker-action"}}},
		// No GITHUB_EVENT_PATH at all.
		{"event_tag_v2.0.8-beta.67", Context{EventName: "push", Ref: "refs/tags/v2.0.8-beta.67", SHA: "860c1904a1ce19322e91ac35af1ab07466440c37",
			Repo: Repo{Name: "test-docker-action", URL: "https://github.com/docker/test-docker-action"}}},
	}
	for _, tc := range tests {
		t.Run(tc.fixture, func(t *testing.T) {
			t.Parallel()
			if got := fixtureContext(t, tc.fixture); got != tc.want {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestFromGitHubEnv(t *testing.T) {
	t.Parallel()
	const sha = "0123456789abcdef0123456789abcdef01234567"
	base := map[string]string{
		"GITHUB_EVENT_NAME": "push",
		"GITHUB_REF":        "refs/heads/main",
		"GITHUB_SHA":        sha,
		"GITHUB_REPOSITORY": "acme/hivemind",
		"GITHUB_EVENT_PATH": "/event.json",
	}
	files := map[string]string{
		"/event.json":        `{"repository": {"name": "hivemind", "description": null, "license": null, "default_branch": "main"}}`,
		"/pr.json":           `{"number": 7, "pull_request": {"head": {"sha": "FEDCBA9876543210FEDCBA9876543210FEDCBA98"}}}`,
		"/target-nonum.json": `{"pull_request": {"head": {}}}`,
		"/bad.json":          `{"repository": `,
		"/wrongtype.json":    `{"pull_request": {"head": {"sha": 42}}}`,
		"/badsha.json":       `{"pull_request": {"head": {"sha": "not-a-sha"}}}`,
	}
	readFile := func(p string) ([]byte, error) {
		if s, ok := files[p]; ok {
			return []byte(s), nil
		}
		if p == "/denied.json" {
			return nil, fs.ErrPermission
		}
		return nil, &fs.PathError{Op: "open", Path: p, Err: fs.ErrNotExist}
	}
	with := func(kv ...string) func(string) string {
		env := map[string]string{}
		for k, v := range base {
			env[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			env[kv[i]] = kv[i+1]
		}
		return func(k string) string { return env[k] }
	}

	gc, err := FromGitHubEnv(with(), readFile)
	if err != nil {
		t.Fatal(err)
	}
	want := Context{EventName: "push", Ref: "refs/heads/main", SHA: sha, DefaultBranch: "main",
		Repo: Repo{Name: "hivemind", URL: "https://github.com/acme/hivemind"}}
	if gc != want {
		t.Errorf("null description and license:\n got %+v\nwant %+v", gc, want)
	}

	gc, err = FromGitHubEnv(with("GITHUB_SERVER_URL", "https://ghe.example.com/", "GITHUB_EVENT_PATH", ""), readFile)
	if err != nil || gc.Repo.URL != "https://ghe.example.com/acme/hivemind" {
		t.Errorf("GitHub Enterprise server: %+v, %v", gc.Repo, err)
	}

	gc, err = FromGitHubEnv(with("GITHUB_EVENT_NAME", "pull_request_target", "GITHUB_EVENT_PATH", "/pr.json"), readFile)
	if err != nil || gc.Ref != "refs/pull/7/merge" || gc.PRHeadSHA != "fedcba9876543210fedcba9876543210fedcba98" {
		t.Errorf("pull_request_target: %+v, %v", gc, err)
	}

	for _, tc := range []struct {
		name      string
		getenv    func(string) string
		wantInErr string
	}{
		{"missing file", with("GITHUB_EVENT_PATH", "/nope.json"), `reading GITHUB_EVENT_PATH "/nope.json": the file does not exist`},
		{"unreadable file", with("GITHUB_EVENT_PATH", "/denied.json"), `reading GITHUB_EVENT_PATH "/denied.json": permission denied`},
		{"truncated JSON", with("GITHUB_EVENT_PATH", "/bad.json"), "not valid JSON"},
		{"wrong type", with("GITHUB_EVENT_PATH", "/wrongtype.json"), `"pull_request.head.sha" is the number 42, want a string`},
		{"bad head sha", with("GITHUB_EVENT_PATH", "/badsha.json"), `checking pull request head sha "not-a-sha"`},
		{"target without number", with("GITHUB_EVENT_NAME", "pull_request_target", "GITHUB_EVENT_PATH", "/target-nonum.json"), "its payload has no pull request number"},
		{"short ref", with("GITHUB_REF", "main"), `checking ref "main"`},
		{"short sha", with("GITHUB_SHA", "abc"), `checking sha "abc"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := FromGitHubEnv(tc.getenv, readFile)
			if err == nil || !strings.Contains(err.Error(), tc.wantInErr) {
				t.Errorf("error %v, want one containing %q", err, tc.wantInErr)
			}
		})
	}
	if _, err := FromGitHubEnv(with("GITHUB_EVENT_PATH", "/nope.json"), readFile); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a missing event file should wrap fs.ErrNotExist: %v", err)
	}
}

func TestParseEvent(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/events/event_pull_request.json")
	if err != nil {
		t.Fatal(err)
	}
	ev, err := ParseEvent(data)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Number != 15 || ev.PRHeadSHA != "3370e228f2209994d57af4427fe64e71bb79ac96" || ev.Repo.DefaultBranch != "master" || ev.Repo.License != "MIT" {
		t.Errorf("got %+v", ev)
	}

	ev, err = ParseEvent([]byte(`{"pull_request": {"number": 9}}`))
	if err != nil || ev.Number != 9 {
		t.Errorf("pull_request.number fallback: %+v, %v", ev, err)
	}

	for in, wantInErr := range map[string]string{
		``:                                      "empty",
		`   `:                                   "empty",
		`[]`:                                    "the top level is an array",
		`"x"`:                                   "the top level is a string",
		`null`:                                  "the top level is null",
		`{} {}`:                                 "data after the JSON object",
		`{"number": "15"}`:                      `"number" is a string, want a number`,
		`{"number": 1.5}`:                       `"number" is the number 1.5, want a whole number`,
		`{"number": -3}`:                        "want a whole number from 1",
		`{"number": 1e30}`:                      "want a whole number from 1",
		`{"pull_request": "x"}`:                 `"pull_request" is a string, want an object`,
		`{"pull_request": {"head": []}}`:        `"pull_request.head" is an array, want an object`,
		`{"repository": {"license": true}}`:     `"repository.license" is true, want an object`,
		`{"repository": {"default_branch": 1}}`: `"repository.default_branch" is the number 1, want a string`,
		`{"a": }`:                               "not valid JSON",
	} {
		_, err := ParseEvent([]byte(in))
		if err == nil || !strings.Contains(err.Error(), wantInErr) || !strings.HasPrefix(err.Error(), "parsing event payload: ") {
			t.Errorf("ParseEvent(%q) error %v, want one containing %q", in, err, wantInErr)
		}
	}
}

func TestFromLocalGit(t *testing.T) {
	t.Parallel()
	const sha = "0123456789abcdef0123456789abcdef01234567"
	tests := []struct {
		name string
		in   LocalGit
		want Context
	}{
		{"branch", LocalGit{Branch: "feature/login", SHA: sha + "\n", DefaultBranch: "origin/main", RemoteURL: "git@github.com:acme/hivemind.git"},
			Context{EventName: "push", Ref: "refs/heads/feature/login", SHA: sha, DefaultBranch: "main", Repo: Repo{Name: "hivemind", URL: "https://github.com/acme/hivemind"}}},
		{"tag wins over branch", LocalGit{Branch: "main", Tag: "v1.2.3", SHA: sha, DefaultBranch: "main"},
			Context{EventName: "push", Ref: "refs/tags/v1.2.3", SHA: sha, DefaultBranch: "main"}},
		{"detached HEAD", LocalGit{Branch: "HEAD", SHA: sha, DefaultBranch: "refs/remotes/origin/trunk"},
			Context{EventName: "push", SHA: sha, DefaultBranch: "trunk"}},
		{"full refs accepted", LocalGit{Branch: "refs/heads/dev", SHA: strings.ToUpper(sha), DefaultBranch: "refs/heads/main", EventName: "workflow_dispatch"},
			Context{EventName: "workflow_dispatch", Ref: "refs/heads/dev", SHA: sha, DefaultBranch: "main"}},
		{"other remote", LocalGit{Branch: "dev", DefaultBranch: "upstream/main", Remote: "upstream"},
			Context{EventName: "push", Ref: "refs/heads/dev", DefaultBranch: "main"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := FromLocalGit(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
	for _, bad := range []LocalGit{{Branch: "a b"}, {Tag: "v1..2"}, {SHA: "abc"}, {DefaultBranch: "a~b"}} {
		if _, err := FromLocalGit(bad); err == nil || !strings.HasPrefix(err.Error(), "reading the local git context: ") {
			t.Errorf("FromLocalGit(%+v) error %v, want one", bad, err)
		}
	}
}

// TestLocalMatchesGitHub: the same commit gives the same tags on a laptop
// and in GitHub Actions.
func TestLocalMatchesGitHub(t *testing.T) {
	t.Parallel()
	const sha = "860c1904a1ce19322e91ac35af1ab07466440c37"
	for _, tc := range []struct {
		fixture string
		local   LocalGit
	}{
		{"event_push_dev", LocalGit{Branch: "dev", SHA: sha, DefaultBranch: "origin/master", RemoteURL: "https://github.com/docker/test-docker-action.git"}},
		{"event_tag_v1.1.1", LocalGit{Branch: "master", Tag: "v1.1.1", SHA: sha, DefaultBranch: "master", RemoteURL: "git@github.com:docker/test-docker-action.git"}},
	} {
		gh, err := Compute(fixtureContext(t, tc.fixture), Config{}, created)
		if err != nil {
			t.Fatal(err)
		}
		lc, err := FromLocalGit(tc.local)
		if err != nil {
			t.Fatal(err)
		}
		local, err := Compute(lc, Config{}, created)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(gh.Names()) != fmt.Sprint(local.Names()) {
			t.Errorf("%s: GitHub %q, local %q", tc.fixture, gh.Names(), local.Names())
		}
		if gh.LabelMap()[LabelSource] != local.LabelMap()[LabelSource] {
			t.Errorf("%s: source label GitHub %q, local %q", tc.fixture, gh.LabelMap()[LabelSource], local.LabelMap()[LabelSource])
		}
	}
}

func TestRepoFromRemote(t *testing.T) {
	t.Parallel()
	for in, want := range map[string][2]string{
		"https://github.com/acme/hivemind.git":                 {"https://github.com/acme/hivemind", "hivemind"},
		"https://x-access-token:s3cret@github.com/acme/hm.git": {"https://github.com/acme/hm", "hm"},
		"git@github.com:acme/hivemind.git":                     {"https://github.com/acme/hivemind", "hivemind"},
		"ssh://git@gitlab.example.com:2222/group/sub/app.git":  {"https://gitlab.example.com/group/sub/app", "app"},
		"git://github.com/acme/hivemind":                       {"https://github.com/acme/hivemind", "hivemind"},
		"http://user:pw@10.0.0.5:3000/acme/app":                {"http://10.0.0.5:3000/acme/app", "app"},
		"/srv/git/app.git":                                     {"", ""},
		"file:///srv/git/app.git":                              {"", ""},
		"":                                                     {"", ""},
		"https://github.com/":                                  {"", ""},
	} {
		u, name := repoFromRemote(in)
		if u != want[0] || name != want[1] {
			t.Errorf("repoFromRemote(%q) = %q, %q; want %q, %q", in, u, name, want[0], want[1])
		}
		if strings.Contains(u, "s3cret") || strings.Contains(u, "pw@") {
			t.Errorf("repoFromRemote(%q) leaked credentials: %q", in, u)
		}
	}
}

func TestIsDefaultBranch(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		gc       Context
		override string
		want     bool
	}{
		{Context{EventName: "push", Ref: "refs/heads/main", DefaultBranch: "main"}, "", true},
		{Context{EventName: "push", Ref: "refs/heads/dev", DefaultBranch: "main"}, "", false},
		{Context{EventName: "push", Ref: "refs/heads/dev", DefaultBranch: "main"}, "dev", true},
		{Context{EventName: "push", Ref: "refs/tags/main", DefaultBranch: "main"}, "", false},
		{Context{EventName: "schedule", Ref: "refs/heads/master"}, "", true},
		{Context{EventName: "issues", Ref: "refs/heads/master"}, "", true},
		{Context{EventName: "discussion", Ref: "refs/heads/master"}, "", true},
		{Context{EventName: "create", Ref: "refs/heads/dev", DefaultBranch: "master"}, "", false},
		{Context{EventName: "schedule"}, "", false},
		{Context{EventName: "pull_request", Ref: "refs/pull/1/merge", DefaultBranch: "main"}, "", false},
	} {
		if got := tc.gc.IsDefaultBranch(tc.override); got != tc.want {
			t.Errorf("%+v (override %q): got %t, want %t", tc.gc, tc.override, got, tc.want)
		}
	}
}

func TestConfigFromEnv(t *testing.T) {
	t.Parallel()
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	c, err := ConfigFromEnv(Config{}, env(map[string]string{"DOCKER_METADATA_PR_HEAD_SHA": "True", "DOCKER_METADATA_SHORT_SHA_LENGTH": "12"}))
	if err != nil || !c.UsePRHeadSHA || c.ShaLength != 12 {
		t.Errorf("got %+v, %v", c, err)
	}
	c, err = ConfigFromEnv(Config{UsePRHeadSHA: true, ShaLength: 9}, env(map[string]string{"DOCKER_METADATA_PR_HEAD_SHA": "false"}))
	if err != nil || c.UsePRHeadSHA || c.ShaLength != 9 {
		t.Errorf("got %+v, %v", c, err)
	}
	if _, err := ConfigFromEnv(Config{}, env(map[string]string{"DOCKER_METADATA_SHORT_SHA_LENGTH": "twelve"})); err == nil || !strings.Contains(err.Error(), `DOCKER_METADATA_SHORT_SHA_LENGTH "twelve"`) {
		t.Errorf("bad length: %v", err)
	}
	if _, err := ConfigFromEnv(Config{}, env(map[string]string{"DOCKER_METADATA_SHORT_SHA_LENGTH": "3"})); !errors.Is(err, ErrConfig) {
		t.Errorf("length 3: %v, want ErrConfig", err)
	}
}

func TestParseKindsAndLatest(t *testing.T) {
	t.Parallel()
	ks, err := ParseKinds(" semver, SEMVER-minor ,sha-long,")
	if err != nil || fmt.Sprint(ks) != "[semver semver-minor sha-long]" {
		t.Errorf("ParseKinds: %v, %v", ks, err)
	}
	if _, err := ParseKinds("semver,semvar"); err == nil || !strings.Contains(err.Error(), `parsing tag kind "semvar": unknown, want one of schedule, semver`) {
		t.Errorf("ParseKinds bad: %v", err)
	}
	if _, err := ParseKinds(" , "); err == nil {
		t.Error("ParseKinds of nothing succeeded")
	}
	for in, want := range map[string]LatestMode{"": LatestAuto, "auto": LatestAuto, "true": LatestAlways, " false ": LatestNever} {
		if got, err := ParseLatestMode(in); err != nil || got != want {
			t.Errorf("ParseLatestMode(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseLatestMode("always"); err == nil {
		t.Error(`ParseLatestMode("always") succeeded`)
	}
	if len(AllKinds()) != len(priority) {
		t.Errorf("AllKinds lists %d kinds, priority %d", len(AllKinds()), len(priority))
	}
}
