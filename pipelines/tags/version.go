package tags

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// maxVersionLength is npm semver's MAX_LENGTH: longer strings are never a
// version.
const maxVersionLength = 256

// maxSafeInteger is JavaScript's Number.MAX_SAFE_INTEGER, the largest
// major/minor/patch npm semver accepts.
const maxSafeInteger = 1<<53 - 1

// ErrInvalidVersion is matched (with errors.Is) by every *VersionError.
var ErrInvalidVersion = errors.New("invalid version")

// VersionError reports a string that is not a version metadata-action
// accepts for its semver tags, or not one Release accepts.
type VersionError struct {
	// Op is what was being done: "parsing version" or "checking release version".
	Op string
	// Input is the string as given.
	Input string
	// Reason says what is wrong and how to write it instead.
	Reason string
}

func (e *VersionError) Error() string {
	return fmt.Sprintf("%s %q: %s", e.Op, e.Input, e.Reason)
}

// Is makes errors.Is(err, ErrInvalidVersion) true for a *VersionError.
func (e *VersionError) Is(target error) bool { return target == ErrInvalidVersion }

// Version is a Semantic Versioning 2.0.0 version as npm's semver package
// parses it in strict mode, the test metadata-action applies to a git tag
// (semver.valid) before it produces semver tags.
type Version struct {
	// Major, Minor and Patch are the three numbers, each at most 2^53-1.
	Major, Minor, Patch uint64
	// Prerelease holds the dot-separated identifiers after "-", if any.
	Prerelease []string
	// Build holds the dot-separated identifiers after "+", if any. They never
	// reach an image tag: npm semver's version string leaves them out.
	Build []string
	// Original is the string that was parsed, leading "v" and build included.
	Original string
}

// String renders the version as npm semver's `version` property, which is
// metadata-action's `{{version}}`: MAJOR.MINOR.PATCH, then "-" and the
// pre-release identifiers if any. The "v" and the build metadata are left out.
func (v Version) String() string {
	var b strings.Builder
	b.WriteString(strconv.FormatUint(v.Major, 10))
	b.WriteByte('.')
	b.WriteString(strconv.FormatUint(v.Minor, 10))
	b.WriteByte('.')
	b.WriteString(strconv.FormatUint(v.Patch, 10))
	if len(v.Prerelease) > 0 {
		b.WriteByte('-')
		b.WriteString(strings.Join(v.Prerelease, "."))
	}
	return b.String()
}

// IsPrerelease reports whether the version has pre-release identifiers
// (1.2.3-rc.1). metadata-action gives a pre-release only its full version as a
// tag and never `latest`.
func (v Version) IsPrerelease() bool { return len(v.Prerelease) > 0 }

// ParseVersion parses s the way npm semver's strict parser (semver.valid, used
// by metadata-action's type=semver) does: MAJOR.MINOR.PATCH, each a number
// without leading zeros, an optional "-pre.release" and "+build" part, and an
// optional single lowercase "v" in front. "v1.2", "1.2.3.4", "1.2.3rc2",
// "V1.2.3" and "v01.2.3" are all rejected, as npm semver rejects them.
//
// One deliberate difference: npm semver trims surrounding whitespace first;
// ParseVersion rejects it (a git tag name cannot contain whitespace, so a
// string that has some did not come from a tag).
func ParseVersion(s string) (Version, error) {
	v, reason := parseVersion(s)
	if reason != "" {
		return Version{}, &VersionError{Op: "parsing version", Input: s, Reason: reason}
	}
	return v, nil
}

// Release checks that version is fit to be pushed as a release git tag and
// returns it parsed. On top of ParseVersion it requires:
//   - the leading "v" (v1.2.3): the release workflow runs on tags matching v*,
//     and metadata-action's own README uses v-prefixed tags throughout;
//   - no build metadata (v1.2.3+build.5): image tags drop it, so two such
//     releases would overwrite each other's 1.2.3 image;
//   - a version that fits in an image tag (128 characters).
//
// Pre-releases (v1.2.3-rc.1) are accepted: they are published under their
// full version only and never move `latest`, `1` or `1.2`.
func Release(version string) (Version, error) {
	fail := func(reason string) (Version, error) {
		return Version{}, &VersionError{Op: "checking release version", Input: version, Reason: reason}
	}
	if !strings.HasPrefix(version, "v") {
		if _, reason := parseVersion(version); reason == "" {
			return fail(fmt.Sprintf("a release tag starts with \"v\": use %q", "v"+version))
		}
		return fail("a release tag is \"v\" then MAJOR.MINOR.PATCH, e.g. v1.2.3 or v1.2.3-rc.1")
	}
	v, reason := parseVersion(version)
	if reason != "" {
		return fail(reason)
	}
	if len(v.Build) > 0 {
		return fail(fmt.Sprintf("build metadata %q is dropped from image tags, so this release would overwrite %s: remove the \"+…\" part",
			"+"+strings.Join(v.Build, "."), v.String()))
	}
	if n := len(v.String()); n > MaxTagLength {
		return fail(fmt.Sprintf("the image tag %s would be %d characters, the limit is %d: shorten the pre-release part", v.String(), n, MaxTagLength))
	}
	return v, nil
}

// parseVersion returns the version or a non-empty reason it is not one.
func parseVersion(s string) (Version, string) {
	const shape = "want MAJOR.MINOR.PATCH with an optional leading \"v\", e.g. v1.2.3, v1.2.3-rc.1 or 1.2.3"
	if s == "" {
		return Version{}, "empty: " + shape
	}
	if len(s) > maxVersionLength {
		return Version{}, fmt.Sprintf("longer than %d characters", maxVersionLength)
	}
	if strings.TrimSpace(s) != s || strings.ContainsAny(s, " \t\r\n") {
		return Version{}, "contains whitespace: " + shape
	}
	v := Version{Original: s}
	rest := s
	if strings.HasPrefix(rest, "v") {
		rest = rest[1:]
	} else if strings.HasPrefix(rest, "V") || strings.HasPrefix(rest, "=") {
		return Version{}, fmt.Sprintf("the prefix %q is not accepted (npm semver strict mode): use a lowercase \"v\" or none", rest[:1])
	}

	// The three numbers end where a "-" or "+" starts the optional parts.
	core := rest
	if i := strings.IndexAny(rest, "-+"); i >= 0 {
		core, rest = rest[:i], rest[i:]
	} else {
		rest = ""
	}
	parts := strings.Split(core, ".")
	names := [3]string{"major", "minor", "patch"}
	var nums [3]uint64
	for i, p := range parts {
		if i == 3 {
			return Version{}, fmt.Sprintf("%d dot-separated components, want exactly 3 (MAJOR.MINOR.PATCH; a pre-release goes after \"-\", e.g. 1.2.3-4)", len(parts))
		}
		n, reason := parseNumber(names[i], p)
		if reason != "" {
			if i == 2 {
				reason += hintAfterPatch(core)
			}
			return Version{}, reason
		}
		nums[i] = n
	}
	if len(parts) < 3 {
		return Version{}, fmt.Sprintf("%d dot-separated numbers, want 3: %s", len(parts), shape)
	}
	v.Major, v.Minor, v.Patch = nums[0], nums[1], nums[2]

	if strings.HasPrefix(rest, "-") {
		pre := rest[1:]
		if i := strings.IndexByte(pre, '+'); i >= 0 {
			pre, rest = pre[:i], pre[i:]
		} else {
			rest = ""
		}
		ids, reason := parseIdentifiers("pre-release", pre, true)
		if reason != "" {
			return Version{}, reason
		}
		v.Prerelease = ids
	}
	if strings.HasPrefix(rest, "+") {
		ids, reason := parseIdentifiers("build metadata", rest[1:], false)
		if reason != "" {
			return Version{}, reason
		}
		v.Build = ids
		rest = ""
	}
	if rest != "" {
		return Version{}, fmt.Sprintf("unexpected %q after the version: %s", rest, shape)
	}
	return v, ""
}

// parseNumber parses one of MAJOR, MINOR, PATCH: 0 or a digit string without
// a leading zero, at most 2^53-1.
func parseNumber(name, p string) (uint64, string) {
	if p == "" {
		return 0, fmt.Sprintf("%s version is empty", name)
	}
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return 0, fmt.Sprintf("%s version %q is not a number", name, p)
		}
	}
	if len(p) > 1 && p[0] == '0' {
		return 0, fmt.Sprintf("%s version %q has a leading zero", name, p)
	}
	if len(p) > 16 {
		return 0, fmt.Sprintf("%s version %q is larger than 2^53-1", name, p)
	}
	n, err := strconv.ParseUint(p, 10, 64)
	if err != nil || n > maxSafeInteger {
		return 0, fmt.Sprintf("%s version %q is larger than 2^53-1", name, p)
	}
	return n, ""
}

// hintAfterPatch adds a hint for the common "1.2.3rc2" shape (a pre-release
// without its "-"), which npm semver only accepts in loose mode.
func hintAfterPatch(core string) string {
	dot := strings.LastIndexByte(core, '.')
	i := dot + 1
	for i < len(core) && core[i] >= '0' && core[i] <= '9' {
		i++
	}
	if i > dot+1 && i < len(core) {
		return fmt.Sprintf(" (a pre-release needs a \"-\": %s-%s)", core[:i], core[i:])
	}
	return ""
}

// parseIdentifiers splits dot-separated identifiers of [0-9A-Za-z-]; numeric
// pre-release identifiers must not have leading zeros.
func parseIdentifiers(what, s string, numericNoLeadingZero bool) ([]string, string) {
	if s == "" {
		return nil, fmt.Sprintf("%s is empty", what)
	}
	ids := strings.Split(s, ".")
	for _, id := range ids {
		if id == "" {
			return nil, fmt.Sprintf("%s %q has an empty identifier", what, s)
		}
		digits := true
		for i := 0; i < len(id); i++ {
			c := id[i]
			switch {
			case c >= '0' && c <= '9':
			case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '-':
				digits = false
			default:
				return nil, fmt.Sprintf("%s identifier %q has %q: only letters, digits and \"-\" are allowed", what, id, id[i:i+1])
			}
		}
		if numericNoLeadingZero && digits && len(id) > 1 && id[0] == '0' {
			return nil, fmt.Sprintf("numeric %s identifier %q has a leading zero", what, id)
		}
	}
	return ids, ""
}
