package tags

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Kind is one kind of tag Compute can produce. Each maps onto one
// metadata-action `tags` entry; the comment names it.
type Kind string

// The kinds of tags, each with metadata-action's default priority: a kind of
// higher priority comes first in the tag list, and the first tag produced is
// the image version (org.opencontainers.image.version).
const (
	// KindSchedule is type=schedule (priority 1000): "nightly" on a schedule event.
	KindSchedule Kind = "schedule"
	// KindSemver is type=semver,pattern={{version}} (900): 1.2.3, 1.2.3-rc.1.
	KindSemver Kind = "semver"
	// KindSemverMinor is type=semver,pattern={{major}}.{{minor}} (900): 1.2.
	// A pre-release gets its full version instead (deduplicated away).
	KindSemverMinor Kind = "semver-minor"
	// KindSemverMajor is type=semver,pattern={{major}} (900): 1. Skipped for
	// major version zero unless Config.MajorZero is set, see Config.
	KindSemverMajor Kind = "semver-major"
	// KindEdge is type=edge (700): "edge" on a push to the default branch.
	KindEdge Kind = "edge"
	// KindBranch is type=ref,event=branch (600): the sanitised branch name.
	KindBranch Kind = "branch"
	// KindTag is type=ref,event=tag (600): the sanitised git tag, as is
	// (v1.2.3 stays v1.2.3). In latest=auto mode it sets `latest` on any git
	// tag, semver or not, when it is the first tag produced (metadata-action).
	KindTag Kind = "tag"
	// KindPR is type=ref,event=pr (600): "pr-" and the pull request number.
	KindPR Kind = "pr"
	// KindDefaultBranchLatest is the README's recipe
	// type=raw,value=latest,enable={{is_default_branch}} (200): a "latest" tag
	// on every build of the default branch.
	KindDefaultBranchLatest Kind = "default-branch-latest"
	// KindSha is type=sha (100): "sha-" and the short commit id.
	KindSha Kind = "sha"
	// KindShaLong is type=sha,format=long (100): "sha-" and the full commit id.
	KindShaLong Kind = "sha-long"
)

// priority is metadata-action's DefaultPriorities for the matching type.
var priority = map[Kind]int{
	KindSchedule:            1000,
	KindSemver:              900,
	KindSemverMinor:         900,
	KindSemverMajor:         900,
	KindEdge:                700,
	KindBranch:              600,
	KindTag:                 600,
	KindPR:                  600,
	KindDefaultBranchLatest: 200,
	KindSha:                 100,
	KindShaLong:             100,
}

// AllKinds lists every kind, in metadata-action's priority order.
func AllKinds() []Kind {
	return []Kind{KindSchedule, KindSemver, KindSemverMinor, KindSemverMajor, KindEdge,
		KindBranch, KindTag, KindPR, KindDefaultBranchLatest, KindSha, KindShaLong}
}

// DefaultKinds is what a zero Config enables: metadata-action README's
// "Semver" example (version, major.minor, branch, pr) plus {{major}} (with
// the major-zero rule), edge for the default branch, and the short sha on
// every event. Not KindTag: a v1.2.3 tag would add a redundant "v1.2.3" tag,
// and a non-semver tag (release-2024) would move `latest`.
func DefaultKinds() []Kind {
	return []Kind{KindSemver, KindSemverMinor, KindSemverMajor, KindEdge, KindBranch, KindPR, KindSha}
}

// ParseKind parses the name of a kind ("semver", "branch", "sha-long", …).
func ParseKind(s string) (Kind, error) {
	k := Kind(strings.TrimSpace(strings.ToLower(s)))
	if _, ok := priority[k]; !ok {
		names := make([]string, 0, len(priority))
		for _, k := range AllKinds() {
			names = append(names, string(k))
		}
		return "", fmt.Errorf("parsing tag kind %q: unknown, want one of %s", s, strings.Join(names, ", "))
	}
	return k, nil
}

// ParseKinds parses a comma-separated list of kinds, e.g.
// "semver,semver-minor,branch,pr,sha".
func ParseKinds(s string) ([]Kind, error) {
	var kinds []Kind
	for _, f := range strings.Split(s, ",") {
		if strings.TrimSpace(f) == "" {
			continue
		}
		k, err := ParseKind(f)
		if err != nil {
			return nil, fmt.Errorf("parsing tag kinds %q: %w", s, err)
		}
		kinds = append(kinds, k)
	}
	if len(kinds) == 0 {
		return nil, fmt.Errorf("parsing tag kinds %q: no kind named", s)
	}
	return kinds, nil
}

// LatestMode is metadata-action's flavor `latest=<auto|true|false>`.
type LatestMode string

// The latest modes.
const (
	// LatestAuto (the default) decides from the first tag produced, the most
	// specific one: a stable (non-pre-release) semver tag, or a KindTag tag,
	// adds `latest`; a pre-release, branch, edge, pr or sha tag does not.
	// metadata-action cannot know whether the tag is the newest release, and
	// neither can this: pushing v1.2.4 after v2.0.0 moves latest back.
	LatestAuto LatestMode = "auto"
	// LatestAlways adds `latest` whenever any tag is produced.
	LatestAlways LatestMode = "true"
	// LatestNever never adds it (KindDefaultBranchLatest still can).
	LatestNever LatestMode = "false"
)

// ParseLatestMode parses "auto", "true" or "false".
func ParseLatestMode(s string) (LatestMode, error) {
	switch m := LatestMode(strings.TrimSpace(s)); m {
	case LatestAuto, LatestAlways, LatestNever:
		return m, nil
	case "":
		return LatestAuto, nil
	}
	return "", fmt.Errorf("parsing latest mode %q: want auto, true or false", s)
}

// DefaultShaLength is metadata-action's default short sha length.
const DefaultShaLength = 7

// maxAffixLength bounds Prefix and Suffix so a shortened tag keeps room.
const maxAffixLength = 40

// Config says which tags to produce. The zero value is the default: see
// DefaultKinds, LatestAuto, DefaultShaLength.
type Config struct {
	// Kinds enabled, in any order (ties in priority keep this order).
	// Nil or empty means DefaultKinds.
	Kinds []Kind
	// Latest is the flavor latest mode; "" means LatestAuto.
	Latest LatestMode
	// Prefix and Suffix are the flavor prefix and suffix, added to every tag
	// except: the pr and sha kinds have their own prefix ("pr-", "sha-") which
	// replaces Prefix (Suffix still applies), as in metadata-action; and
	// `latest` gets them only with PrefixLatest / SuffixLatest (onlatest=true).
	// Letters, digits, '_', '.', '-' only, at most 40 characters each; Prefix
	// cannot start with '.' or '-'.
	Prefix, Suffix             string
	PrefixLatest, SuffixLatest bool
	// ShaLength is the length of the short sha (DOCKER_METADATA_SHORT_SHA_LENGTH);
	// 0 means 7. At least 4. A length at or above the sha's gives the full sha.
	ShaLength int
	// DefaultBranch, when set, overrides Context.DefaultBranch (the edge and
	// default-branch-latest kinds; it is type=edge's branch= attribute).
	DefaultBranch string
	// MajorZero makes KindSemverMajor emit "0" for 0.y.z versions.
	// metadata-action emits it; its README ("Major version zero") tells users
	// to disable {{major}} for v0. tags because 0.y.z is not stable. Off by
	// default here, which is that advice built in.
	MajorZero bool
	// UsePRHeadSHA is DOCKER_METADATA_PR_HEAD_SHA=true: on pull_request and
	// pull_request_target events, the sha tag and the revision label use the
	// PR head commit (Context.PRHeadSHA) instead of GITHUB_SHA, which is a
	// merge commit of head into base that exists nowhere in the history. Set
	// it only when the workflow builds the head (actions/checkout with
	// ref: ${{ github.event.pull_request.head.sha }}); by default the image is
	// built from the merge commit, and then GITHUB_SHA is the truth.
	UsePRHeadSHA bool
}

// ConfigFromEnv applies metadata-action's environment variables to base:
// DOCKER_METADATA_PR_HEAD_SHA (true/false, case-insensitive) and
// DOCKER_METADATA_SHORT_SHA_LENGTH (a number). getenv is os.Getenv in
// production and a map lookup in tests.
func ConfigFromEnv(base Config, getenv func(string) string) (Config, error) {
	c := base
	if v := strings.TrimSpace(getenv("DOCKER_METADATA_PR_HEAD_SHA")); v != "" {
		// metadata-action tests /true/i, so anything else is false.
		c.UsePRHeadSHA = strings.Contains(strings.ToLower(v), "true")
	}
	if v := strings.TrimSpace(getenv("DOCKER_METADATA_SHORT_SHA_LENGTH")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return Config{}, fmt.Errorf("reading DOCKER_METADATA_SHORT_SHA_LENGTH %q: not a whole number: %w", v, err)
		}
		c.ShaLength = n
	}
	return c, c.validate()
}

// ErrConfig is matched (with errors.Is) by every configuration error.
var ErrConfig = errors.New("invalid tags configuration")

func configError(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrConfig}, args...)...)
}

// validate checks c and is called by Compute.
func (c Config) validate() error {
	seen := map[Kind]bool{}
	for _, k := range c.Kinds {
		if _, ok := priority[k]; !ok {
			return configError("unknown tag kind %q", k)
		}
		if seen[k] {
			return configError("tag kind %q listed twice", k)
		}
		seen[k] = true
	}
	switch c.Latest {
	case "", LatestAuto, LatestAlways, LatestNever:
	default:
		return configError("latest mode %q: want auto, true or false", c.Latest)
	}
	for _, a := range []struct{ name, v string }{{"prefix", c.Prefix}, {"suffix", c.Suffix}} {
		if len(a.v) > maxAffixLength {
			return configError("%s %q is %d characters, at most %d", a.name, a.v, len(a.v), maxAffixLength)
		}
		for i := 0; i < len(a.v); i++ {
			if !tagChar(a.v[i]) {
				return configError("%s %q has %q: use letters, digits, '_', '.', '-'", a.name, a.v, a.v[i:i+1])
			}
		}
	}
	if c.Prefix != "" && (c.Prefix[0] == '.' || c.Prefix[0] == '-') {
		return configError("prefix %q starts with %q, which a tag cannot", c.Prefix, c.Prefix[:1])
	}
	if c.ShaLength < 0 || (c.ShaLength > 0 && c.ShaLength < 4) {
		return configError("sha length %d: want 0 (the default, 7) or at least 4", c.ShaLength)
	}
	return nil
}

// kinds returns the enabled kinds sorted by descending priority, ties in the
// order given (metadata-action sorts its tags input the same way, stably).
func (c Config) kinds() []Kind {
	ks := c.Kinds
	if len(ks) == 0 {
		ks = DefaultKinds()
	}
	out := make([]Kind, len(ks))
	copy(out, ks)
	// insertion sort: stable, and lists are tiny
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && priority[out[j]] > priority[out[j-1]]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func (c Config) latestMode() LatestMode {
	if c.Latest == "" {
		return LatestAuto
	}
	return c.Latest
}

func (c Config) shaLength() int {
	if c.ShaLength == 0 {
		return DefaultShaLength
	}
	return c.ShaLength
}
