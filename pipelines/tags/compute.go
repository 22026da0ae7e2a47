package tags

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// KindLatest marks the `latest` tag the latest mode adds. It is not a kind
// one enables: see LatestMode and KindDefaultBranchLatest.
const KindLatest Kind = "latest"

// Tag is one image tag and why it was produced.
type Tag struct {
	// Name is the tag, valid for the tag grammar: 1.2.3, pr-12, sha-860c190.
	Name string
	// Kind is the kind that produced it (KindLatest for the latest mode).
	Kind Kind
	// Reason says, for the report, which fact made this tag.
	Reason string
}

// Result is what Compute decides.
type Result struct {
	// Tags are ordered most specific first as metadata-action orders them
	// (by kind priority: semver, edge, ref, sha…, then `latest` last) and
	// without duplicates.
	Tags []Tag
	// Version is the first tag, the image version
	// (org.opencontainers.image.version); "" when there is no tag.
	Version string
	// Latest reports whether `latest` is among Tags because of the latest
	// mode.
	Latest bool
	// SHA is the commit the sha tags and the revision label name: Context.SHA,
	// or Context.PRHeadSHA when Config.UsePRHeadSHA applies.
	SHA string
	// Labels are the OCI labels, sorted by key.
	Labels []Label
	// Notes explain what was skipped or might surprise (an invalid semver
	// tag, a merge-commit sha, no tags at all), for the report.
	Notes []string
}

// Names returns the tag names in order.
func (r Result) Names() []string {
	names := make([]string, len(r.Tags))
	for i, t := range r.Tags {
		names[i] = t.Name
	}
	return names
}

// Compute decides the tags and labels of an image built from gc, the way
// docker/metadata-action does with the equivalent `tags` and `flavor`
// inputs (see Kind and Config). created is the image creation time for the
// org.opencontainers.image.created label; pass it in so results are
// reproducible.
//
// It never returns an invalid tag: a value that cannot be made into one is an
// error. A context with no usable ref or sha gives no tags and a note, as in
// metadata-action; callers that must publish check len(Result.Tags).
func Compute(gc Context, cfg Config, created time.Time) (Result, error) {
	if err := cfg.validate(); err != nil {
		return Result{}, fmt.Errorf("computing tags: %w", err)
	}
	if err := gc.validate(); err != nil {
		return Result{}, fmt.Errorf("computing tags: %w", err)
	}
	if created.IsZero() {
		return Result{}, errors.New("computing tags: the creation time is zero; pass the build time (e.g. the commit time, for reproducible images)")
	}
	c := computation{gc: gc, cfg: cfg, seen: map[string]bool{}}
	c.chooseSHA()
	c.parseSemver()
	for _, k := range cfg.kinds() {
		if err := c.produce(k); err != nil {
			return Result{}, fmt.Errorf("computing tags: %w", err)
		}
	}
	if c.latest && len(c.res.Tags) > 0 {
		name := "latest"
		if cfg.PrefixLatest {
			name = cfg.Prefix + name
		}
		if cfg.SuffixLatest {
			name += cfg.Suffix
		}
		c.add(Tag{Name: name, Kind: KindLatest, Reason: c.latestReason})
		c.res.Latest = true
	}
	if len(c.res.Tags) == 0 {
		c.note("no tag applies to this event (ref %q, sha %q) with the kinds enabled (%s)", gc.Ref, gc.SHA, kindList(cfg.kinds()))
	} else {
		c.res.Version = c.res.Tags[0].Name
	}
	c.res.Labels = labels(gc.Repo, c.res.Version, c.res.SHA, created)
	return c.res, nil
}

// computation is the state of one Compute call.
type computation struct {
	gc  Context
	cfg Config
	res Result

	seen map[string]bool
	// decided is set by the first tag produced, which decides `latest` in
	// auto mode (metadata-action's setVersion).
	decided      bool
	latest       bool
	latestReason string

	gitTag    string
	isTag     bool
	version   Version
	versionOK bool
}

func (c *computation) note(format string, args ...any) {
	c.res.Notes = append(c.res.Notes, fmt.Sprintf(format, args...))
}

// chooseSHA picks the commit for the sha tags and the revision label.
func (c *computation) chooseSHA() {
	gc := c.gc
	c.res.SHA = strings.ToLower(gc.SHA)
	if !gc.isPullRequestEvent() {
		return
	}
	head := strings.ToLower(gc.PRHeadSHA)
	switch {
	case c.cfg.UsePRHeadSHA && head != "":
		c.res.SHA = head
	case c.cfg.UsePRHeadSHA:
		c.note("UsePRHeadSHA is set but the event has no pull_request.head.sha: the sha tag and revision label use %q", gc.SHA)
	case head != "" && head != c.res.SHA:
		c.note("on a %s event the sha %s is the merge commit GitHub made, not the PR head %s: the sha tag and revision label name the merge commit (what was built by default); set UsePRHeadSHA (DOCKER_METADATA_PR_HEAD_SHA=true) if the workflow builds the head",
			gc.EventName, short(c.res.SHA), short(head))
	}
}

func short(sha string) string {
	if len(sha) > DefaultShaLength {
		return sha[:DefaultShaLength]
	}
	return sha
}

// parseSemver parses the git tag once for the semver kinds, as
// metadata-action's procSemver: "/" becomes "-" first, then npm semver's
// strict test.
func (c *computation) parseSemver() {
	c.gitTag, c.isTag = c.gc.GitTag()
	if !c.isTag {
		return
	}
	v, err := ParseVersion(strings.ReplaceAll(c.gitTag, "/", "-"))
	if err != nil {
		for _, k := range c.cfg.kinds() {
			if k == KindSemver || k == KindSemverMinor || k == KindSemverMajor {
				c.note("git tag %q is not a semantic version, so no semver tags: %v", c.gitTag, err)
				break
			}
		}
		return
	}
	c.version, c.versionOK = v, true
}

// produce adds the tag of kind k, if the context calls for one.
func (c *computation) produce(k Kind) error {
	gc, cfg := c.gc, c.cfg
	prefix := cfg.Prefix
	var value, reason string
	autoLatest := false
	switch k {
	case KindSchedule:
		if !strings.Contains(gc.EventName, "schedule") {
			return nil
		}
		value, reason = "nightly", fmt.Sprintf("type=schedule: %s event", gc.EventName)

	case KindSemver, KindSemverMinor, KindSemverMajor:
		if !c.versionOK {
			return nil
		}
		v := c.version
		autoLatest = !v.IsPrerelease()
		pattern := map[Kind]string{KindSemver: "{{version}}", KindSemverMinor: "{{major}}.{{minor}}", KindSemverMajor: "{{major}}"}[k]
		switch {
		case k == KindSemver:
			value = v.String()
			reason = fmt.Sprintf("type=semver,pattern=%s of git tag %q", pattern, c.gitTag)
		case v.IsPrerelease():
			value = v.String()
			reason = fmt.Sprintf("type=semver,pattern=%s of pre-release git tag %q: a pre-release gets its full version only", pattern, c.gitTag)
		case k == KindSemverMinor:
			value = fmt.Sprintf("%d.%d", v.Major, v.Minor)
			reason = fmt.Sprintf("type=semver,pattern=%s of git tag %q", pattern, c.gitTag)
		case v.Major == 0 && !cfg.MajorZero:
			c.note("no major tag %q for git tag %q: major version zero is not stable (metadata-action README, \"Major version zero\"); set MajorZero to tag it", cfg.Prefix+"0"+cfg.Suffix, c.gitTag)
			return nil
		default:
			value = fmt.Sprintf("%d", v.Major)
			reason = fmt.Sprintf("type=semver,pattern=%s of git tag %q", pattern, c.gitTag)
		}

	case KindEdge:
		branch, ok := gc.Branch()
		def := cfg.DefaultBranch
		if def == "" {
			def = gc.DefaultBranch
		}
		if !ok || def == "" || branch != def {
			return nil
		}
		value, reason = "edge", fmt.Sprintf("type=edge: %s on the default branch %q", gc.EventName, def)

	case KindBranch:
		branch, ok := gc.Branch()
		if !ok {
			return nil
		}
		value, reason = branch, fmt.Sprintf("type=ref,event=branch: branch %q", branch)

	case KindTag:
		if !c.isTag {
			return nil
		}
		value, reason = c.gitTag, fmt.Sprintf("type=ref,event=tag: git tag %q", c.gitTag)
		autoLatest = true

	case KindPR:
		pr, ok := gc.PullRequest()
		if !ok {
			return nil
		}
		prefix = "pr-"
		value, reason = pr, fmt.Sprintf("type=ref,event=pr: pull request ref %q", gc.Ref)

	case KindDefaultBranchLatest:
		if !gc.IsDefaultBranch(cfg.DefaultBranch) {
			return nil
		}
		branch, _ := gc.Branch()
		value, reason = "latest", fmt.Sprintf("type=raw,value=latest,enable={{is_default_branch}}: %s on branch %q", gc.EventName, branch)

	case KindSha, KindShaLong:
		sha := c.res.SHA
		if sha == "" {
			return nil
		}
		prefix = "sha-"
		what := "commit"
		switch {
		case gc.isPullRequestEvent() && sha == strings.ToLower(gc.PRHeadSHA) && sha != strings.ToLower(gc.SHA):
			what = "pull request head commit"
		case gc.isPullRequestEvent():
			what = "merge commit"
		}
		if k == KindShaLong {
			value, reason = sha, fmt.Sprintf("type=sha,format=long: %s %s", what, sha)
		} else {
			n := cfg.shaLength()
			value = sha
			if n < len(sha) {
				value = sha[:n]
			}
			reason = fmt.Sprintf("type=sha: %s %s, first %d characters", what, sha, len(value))
		}
	}

	name, changed, err := sanitizeValue(prefix, value, cfg.Suffix)
	if err != nil {
		return fmt.Errorf("%s tag: %w", k, err)
	}
	if changed || SanitizeTag(value) != value {
		reason += fmt.Sprintf(", sanitised to %q", name)
	}
	if name == "latest" && k != KindDefaultBranchLatest {
		c.note("the %s tag is %q, which overwrites the latest image: rename the ref or disable the kind", k, name)
	}
	if !c.decided {
		c.decided = true
		switch cfg.latestMode() {
		case LatestAuto:
			c.latest = autoLatest
			if autoLatest {
				c.latestReason = fmt.Sprintf("latest=auto: the first tag %q comes from %s", name, describeAutoLatest(k, c))
			}
		case LatestAlways:
			c.latest, c.latestReason = true, "latest=true"
		}
	}
	c.add(Tag{Name: name, Kind: k, Reason: reason})
	return nil
}

func describeAutoLatest(k Kind, c *computation) string {
	if k == KindTag {
		return fmt.Sprintf("git tag %q (type=ref,event=tag sets latest on any tag)", c.gitTag)
	}
	return fmt.Sprintf("the stable version %s of git tag %q", c.version, c.gitTag)
}

// add appends t unless a tag of that name is already there (the first keeps
// its place and reason, as metadata-action's de-duplication keeps the first).
func (c *computation) add(t Tag) {
	if c.seen[t.Name] {
		return
	}
	c.seen[t.Name] = true
	c.res.Tags = append(c.res.Tags, t)
}

func kindList(ks []Kind) string {
	s := make([]string, len(ks))
	for i, k := range ks {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}
