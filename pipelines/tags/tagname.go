package tags

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// MaxTagLength is the longest tag the Docker/OCI tag grammar allows.
const MaxTagLength = 128

// shortenHashLength is how many hex characters of sha256(value) end a tag
// that had to be shortened, so two long branch names that share their first
// 100+ characters still get different tags.
const shortenHashLength = 8

// ValidTag reports whether s is a valid image tag: the grammar of the
// distribution spec and `docker tag`, [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}.
func ValidTag(s string) bool {
	if s == "" || len(s) > MaxTagLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !tagChar(c) || (i == 0 && (c == '.' || c == '-')) {
			return false
		}
	}
	return true
}

// CheckTag returns nil if s is a valid tag, or an error that says why not.
func CheckTag(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("checking tag %q: a tag cannot be empty", s)
	case len(s) > MaxTagLength:
		return fmt.Errorf("checking tag %q: %d characters, the limit is %d", s, len(s), MaxTagLength)
	case s[0] == '.' || s[0] == '-':
		return fmt.Errorf("checking tag %q: a tag cannot start with %q", s, s[:1])
	}
	for i := 0; i < len(s); i++ {
		if !tagChar(s[i]) {
			return fmt.Errorf("checking tag %q: character %q is not allowed (use letters, digits, '_', '.', '-')", s, s[i:i+1])
		}
	}
	return nil
}

func tagChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-'
}

// SanitizeTag is metadata-action's sanitizeTag: every run of characters
// outside [A-Za-z0-9_.-] becomes a single "-" (feature/login → feature-login,
// my/feature#1245 → my-feature-1245). Case is kept: tags may be uppercase.
// The result can still be an invalid tag (it may start with "." or "-", or be
// too long); Compute goes further, see sanitizeValue.
func SanitizeTag(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	inRun := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if tagChar(c) {
			b.WriteByte(c)
			inRun = false
			continue
		}
		if !inRun {
			b.WriteByte('-')
			inRun = true
		}
	}
	return b.String()
}

// sanitizeValue turns value into the middle of a tag prefix+value+suffix
// that is always valid, or explains why it cannot. prefix and suffix are
// already valid tag characters (Config.validate checks them).
//
// On top of SanitizeTag, which is all metadata-action does (it would emit
// "-foo" for a branch "-foo" and let the registry push fail), it:
//   - drops leading "." and "-" when the tag would start with them (no prefix);
//   - shortens a value that makes the tag longer than 128 characters to its
//     first characters plus "-" and 8 hex characters of its sha256, so two long
//     branch names sharing a first part keep distinct tags.
//
// changed reports whether the value was altered beyond SanitizeTag.
func sanitizeValue(prefix, value, suffix string) (tag string, changed bool, err error) {
	v := SanitizeTag(value)
	if prefix == "" {
		trimmed := strings.TrimLeft(v, ".-")
		changed = trimmed != v
		v = trimmed
	}
	if v == "" {
		return "", false, fmt.Errorf("sanitising %q into a tag: nothing is left once the characters a tag cannot start with or contain are removed; rename it or disable this kind of tag", value)
	}
	if room := MaxTagLength - len(prefix) - len(suffix); len(v) > room {
		sum := sha256.Sum256([]byte(value))
		keep := room - 1 - shortenHashLength
		v = v[:keep] + "-" + hex.EncodeToString(sum[:])[:shortenHashLength]
		changed = true
	}
	tag = prefix + v + suffix
	if err := CheckTag(tag); err != nil {
		// Unreachable while Config.validate holds; kept so no invalid tag
		// can ever leave this package.
		return "", false, fmt.Errorf("sanitising %q into a tag: %w", value, err)
	}
	return tag, changed, nil
}
