package tags

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"strings"
)

// Context is the git context tags are computed from: what metadata-action
// reads from the GitHub Actions context (or, with context=git, from git).
// Build it with FromGitHubEnv in GitHub Actions, FromLocalGit anywhere else,
// or by hand in tests.
type Context struct {
	// EventName is the GitHub event (push, pull_request, pull_request_target,
	// schedule, workflow_dispatch, …); FromLocalGit uses "push".
	EventName string
	// Ref is the full git ref: refs/heads/<branch>, refs/tags/<tag> or
	// refs/pull/<n>/merge. Empty means no ref tags (only sha tags, if any).
	Ref string
	// SHA is the commit the event is about (GITHUB_SHA): on a pull_request
	// event it is the merge commit GitHub made, not the PR head.
	SHA string
	// PRHeadSHA is the pull request's head commit (pull_request.head.sha),
	// used instead of SHA when Config.UsePRHeadSHA is set.
	PRHeadSHA string
	// DefaultBranch is the repository's default branch name (main).
	DefaultBranch string
	// Repo describes the repository, for the OCI labels.
	Repo Repo
}

// Repo is what the OCI labels say about the repository.
type Repo struct {
	// Name is the repository name (org.opencontainers.image.title).
	Name string
	// Description is its description (org.opencontainers.image.description).
	Description string
	// URL is its web address, https://github.com/owner/repo
	// (org.opencontainers.image.url and .source).
	URL string
	// License is its SPDX license id, e.g. MIT (org.opencontainers.image.licenses).
	License string
}

// Branch returns the branch name if Ref is refs/heads/<branch>.
func (c Context) Branch() (string, bool) { return refSuffix(c.Ref, "refs/heads/") }

// GitTag returns the tag name if Ref is refs/tags/<tag>.
func (c Context) GitTag() (string, bool) { return refSuffix(c.Ref, "refs/tags/") }

// PullRequest returns what follows refs/pull/ in Ref without a trailing
// "/merge": the pull request number for refs/pull/12/merge.
func (c Context) PullRequest() (string, bool) {
	s, ok := refSuffix(c.Ref, "refs/pull/")
	if !ok {
		return "", false
	}
	s = strings.TrimSuffix(s, "/merge")
	return s, s != ""
}

func refSuffix(ref, prefix string) (string, bool) {
	if !strings.HasPrefix(ref, prefix) || len(ref) == len(prefix) {
		return "", false
	}
	return ref[len(prefix):], true
}

// IsDefaultBranch is metadata-action's {{is_default_branch}}: the ref is a
// branch named like the default branch, or the event is one GitHub only runs
// on the default branch (schedule, issues, discussion), whose payload may not
// name it. defaultBranch overrides c.DefaultBranch when not empty.
//
// Difference: metadata-action also answers true for every `create` event,
// but GitHub runs those on the ref that was created (a new branch or tag),
// so here a create event is judged by its ref like a push.
func (c Context) IsDefaultBranch(defaultBranch string) bool {
	if defaultBranch == "" {
		defaultBranch = c.DefaultBranch
	}
	branch, ok := c.Branch()
	if !ok {
		return false
	}
	if defaultBranch != "" && branch == defaultBranch {
		return true
	}
	for _, e := range []string{"schedule", "issues", "discussion"} {
		if strings.Contains(c.EventName, e) {
			return true
		}
	}
	return false
}

// isPullRequestEvent is metadata-action's /pull_request/ test, which also
// matches pull_request_target.
func (c Context) isPullRequestEvent() bool { return strings.Contains(c.EventName, "pull_request") }

// validate checks the fields Compute relies on.
func (c Context) validate() error {
	if c.Ref != "" {
		if err := checkRef(c.Ref); err != nil {
			return err
		}
	}
	if c.SHA != "" {
		if err := checkSHA("sha", c.SHA); err != nil {
			return err
		}
	}
	if c.PRHeadSHA != "" {
		if err := checkSHA("pull request head sha", c.PRHeadSHA); err != nil {
			return err
		}
	}
	if c.DefaultBranch != "" {
		if err := checkRefName("default branch", c.DefaultBranch); err != nil {
			return err
		}
	}
	return nil
}

// checkSHA accepts a full SHA-1 (40) or SHA-256 (64) commit id in hex.
func checkSHA(what, s string) error {
	if len(s) != 40 && len(s) != 64 {
		return fmt.Errorf("checking %s %q: want a full commit id (40 or 64 hex characters), as `git rev-parse HEAD` prints", what, s)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return fmt.Errorf("checking %s %q: %q is not a hex digit", what, s, s[i:i+1])
		}
	}
	return nil
}

// checkRef checks a full ref: "refs/" then a valid ref name.
func checkRef(ref string) error {
	if !strings.HasPrefix(ref, "refs/") {
		return fmt.Errorf("checking ref %q: want a full ref such as refs/heads/main, refs/tags/v1.2.3 or refs/pull/12/merge", ref)
	}
	return checkRefName("ref", ref)
}

// checkRefName applies the rules of `git check-ref-format` (with
// --allow-onelevel) so that nothing git itself would refuse reaches a tag.
func checkRefName(what, name string) error {
	bad := func(reason string) error {
		return fmt.Errorf("checking %s %q: not a valid git ref name: %s", what, name, reason)
	}
	switch {
	case name == "":
		return bad("empty")
	case name == "@":
		return bad(`"@" alone`)
	case strings.HasPrefix(name, "/") || strings.HasSuffix(name, "/"):
		return bad(`starts or ends with "/"`)
	case strings.Contains(name, "//"):
		return bad(`contains "//"`)
	case strings.Contains(name, ".."):
		return bad(`contains ".."`)
	case strings.Contains(name, "@{"):
		return bad(`contains "@{"`)
	case strings.HasSuffix(name, "."):
		return bad(`ends with "."`)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c < 0x20 || c == 0x7f || strings.IndexByte(" ~^:?*[\\", c) >= 0 {
			return bad(fmt.Sprintf("contains %q", name[i:i+1]))
		}
	}
	for _, comp := range strings.Split(name, "/") {
		if strings.HasPrefix(comp, ".") {
			return bad(fmt.Sprintf("component %q starts with \".\"", comp))
		}
		if strings.HasSuffix(comp, ".lock") {
			return bad(fmt.Sprintf("component %q ends with \".lock\"", comp))
		}
	}
	return nil
}

// FromGitHubEnv builds the Context of a GitHub Actions run from its
// environment: GITHUB_EVENT_NAME, GITHUB_REF, GITHUB_SHA, GITHUB_SERVER_URL,
// GITHUB_REPOSITORY and the event payload at GITHUB_EVENT_PATH, from which it
// takes pull_request.head.sha, the pull request number and the repository
// (name, description, html_url, license.spdx_id, default_branch).
// getenv is os.Getenv and readFile os.ReadFile in production.
//
// As metadata-action does, a pull_request_target event (whose GITHUB_REF is
// the base branch) gets the ref refs/pull/<number>/merge.
//
// Unlike metadata-action, which warns and carries on with an empty payload,
// a GITHUB_EVENT_PATH that cannot be read is an error.
func FromGitHubEnv(getenv func(string) string, readFile func(string) ([]byte, error)) (Context, error) {
	c := Context{
		EventName: getenv("GITHUB_EVENT_NAME"),
		Ref:       getenv("GITHUB_REF"),
		SHA:       strings.ToLower(getenv("GITHUB_SHA")),
	}
	var ev Event
	if path := getenv("GITHUB_EVENT_PATH"); path != "" {
		data, err := readFile(path)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return Context{}, fmt.Errorf("reading GITHUB_EVENT_PATH %q: the file does not exist; unset the variable outside GitHub Actions: %w", path, err)
			}
			return Context{}, fmt.Errorf("reading GITHUB_EVENT_PATH %q: %w", path, err)
		}
		ev, err = ParseEvent(data)
		if err != nil {
			return Context{}, fmt.Errorf("reading GITHUB_EVENT_PATH %q: %w", path, err)
		}
	}
	c.PRHeadSHA = strings.ToLower(ev.PRHeadSHA)
	c.DefaultBranch = ev.Repo.DefaultBranch
	c.Repo = Repo{Name: ev.Repo.Name, Description: ev.Repo.Description, URL: ev.Repo.URL, License: ev.Repo.License}

	if strings.Contains(c.EventName, "pull_request_target") {
		if ev.Number == 0 {
			return Context{}, fmt.Errorf("reading the %s event: its payload has no pull request number, so no pr tag can be made (is GITHUB_EVENT_PATH the event payload?)", c.EventName)
		}
		c.Ref = fmt.Sprintf("refs/pull/%d/merge", ev.Number)
	}

	if repo := getenv("GITHUB_REPOSITORY"); repo != "" {
		if c.Repo.URL == "" {
			server := strings.TrimSuffix(getenv("GITHUB_SERVER_URL"), "/")
			if server == "" {
				server = "https://github.com"
			}
			c.Repo.URL = server + "/" + repo
		}
		if c.Repo.Name == "" {
			c.Repo.Name = repo[strings.LastIndexByte(repo, '/')+1:]
		}
	}
	if err := c.validate(); err != nil {
		return Context{}, fmt.Errorf("reading the GitHub Actions context: %w", err)
	}
	return c, nil
}

// LocalGit holds the facts a script collects by running git, so tags can be
// computed the same way on a laptop, in a pre-push hook or in a release
// script. Each field names the command that gives it.
type LocalGit struct {
	// Branch is `git branch --show-current` (empty, or "HEAD", when detached).
	// refs/heads/<branch> is accepted too.
	Branch string
	// Tag is a tag pointing at HEAD, `git tag --points-at HEAD` (first line);
	// empty if none. When set it wins over Branch, see FromLocalGit.
	Tag string
	// SHA is `git rev-parse HEAD`.
	SHA string
	// DefaultBranch is the default branch: "main", or what
	// `git symbolic-ref --short refs/remotes/origin/HEAD` prints ("origin/main"),
	// or refs/remotes/origin/main. The "<Remote>/" part is removed.
	DefaultBranch string
	// Remote is the remote DefaultBranch refers to; "" means "origin".
	Remote string
	// RemoteURL is `git remote get-url origin`; it becomes the repository URL
	// of the labels (credentials removed, SSH forms turned into https).
	RemoteURL string
	// EventName is the event to pretend; "" means "push".
	EventName string
}

// FromLocalGit builds a Context from git facts. The ref is refs/tags/<Tag>
// when Tag is set, else refs/heads/<Branch>, else none (sha tags only).
//
// Difference from metadata-action's context=git (docker/actions-toolkit
// Git.ref): there, a checked-out branch wins over a tag pointing at the same
// commit; here the tag wins, because a release script runs on the commit it
// tagged and must produce the tags the tag-push workflow will. A pre-push hook
// pushing a branch passes Tag "".
func FromLocalGit(g LocalGit) (Context, error) {
	c := Context{EventName: g.EventName, SHA: strings.ToLower(strings.TrimSpace(g.SHA))}
	if c.EventName == "" {
		c.EventName = "push"
	}
	tag := strings.TrimSpace(g.Tag)
	branch := strings.TrimPrefix(strings.TrimSpace(g.Branch), "refs/heads/")
	switch {
	case tag != "":
		c.Ref = "refs/tags/" + strings.TrimPrefix(tag, "refs/tags/")
	case branch != "" && branch != "HEAD":
		c.Ref = "refs/heads/" + branch
	}
	remote := g.Remote
	if remote == "" {
		remote = "origin"
	}
	def := strings.TrimSpace(g.DefaultBranch)
	def = strings.TrimPrefix(def, "refs/remotes/")
	def = strings.TrimPrefix(def, "refs/heads/")
	def = strings.TrimPrefix(def, remote+"/")
	c.DefaultBranch = def
	c.Repo.URL, c.Repo.Name = repoFromRemote(strings.TrimSpace(g.RemoteURL))
	if err := c.validate(); err != nil {
		return Context{}, fmt.Errorf("reading the local git context: %w", err)
	}
	return c, nil
}

// repoFromRemote turns a git remote URL into a web URL and a repository
// name: https://user:token@host/o/r.git, git@host:o/r.git,
// ssh://git@host:22/o/r.git and git://host/o/r all give https://host/o/r
// and r. Credentials never survive. Local paths and unknown forms give "".
func repoFromRemote(remote string) (webURL, name string) {
	if remote == "" {
		return "", ""
	}
	var host, path string
	if u, err := url.Parse(remote); err == nil && u.Scheme != "" && u.Host != "" {
		switch u.Scheme {
		case "https", "http", "ssh", "git", "git+ssh", "ssh+git":
		default:
			return "", ""
		}
		host, path = u.Hostname(), u.Path
		if u.Scheme == "http" {
			// keep plain http (a local registry mirror); never the userinfo
			return buildRepoURL("http", host, u.Port(), path)
		}
	} else if at := strings.Index(remote, "@"); at >= 0 && strings.Contains(remote[at:], ":") && !strings.Contains(remote, "://") {
		// scp-like: [user@]host:path
		rest := remote[at+1:]
		colon := strings.IndexByte(rest, ':')
		host, path = rest[:colon], rest[colon+1:]
	} else {
		return "", ""
	}
	return buildRepoURL("https", host, "", path)
}

func buildRepoURL(scheme, host, port, path string) (string, string) {
	path = strings.Trim(strings.TrimSuffix(strings.TrimSuffix(path, "/"), ".git"), "/")
	if host == "" || path == "" || strings.ContainsAny(host, "/@ ") {
		return "", ""
	}
	if port != "" {
		host += ":" + port
	}
	u := url.URL{Scheme: scheme, Host: host, Path: "/" + path}
	return u.String(), path[strings.LastIndexByte(path, '/')+1:]
}
