package report

import (
	"cmp"
	"reflect"
	"regexp"
	"slices"
	"strings"
)

// Redacted is what Redact puts in place of a value, as GitHub masks do.
const Redacted = "***"

// Redact returns a copy of the report in which every occurrence of each
// value, in any text of it, is replaced by Redacted. A value spanning lines
// is also redacted line by line (as GitHub masks it). Empty values are
// ignored. r is not changed.
func (r *Report) Redact(values ...string) *Report {
	var pairs []string
	for _, v := range expandMasks(values) {
		pairs = append(pairs, v, Redacted)
	}
	rep := strings.NewReplacer(pairs...)
	c := mapStrings(reflect.ValueOf(*r), rep.Replace).Interface().(Report)
	return &c
}

// expandMasks returns the non-empty values and their non-empty lines,
// deduplicated, longest first (so that a value containing another is
// replaced whole).
func expandMasks(values []string) []string {
	var out []string
	for _, v := range values {
		if strings.TrimSpace(v) == "" {
			continue
		}
		out = append(out, v)
		if strings.ContainsAny(v, "\r\n") {
			for _, l := range strings.FieldsFunc(v, func(r rune) bool { return r == '\n' || r == '\r' }) {
				if strings.TrimSpace(l) != "" {
					out = append(out, l)
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b string) int {
		if c := cmp.Compare(len(b), len(a)); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	return slices.Compact(out)
}

// MaskValues returns what a runner should mask for values: each non-empty
// value and each of its lines, longest first. GitHub masks a multi-line
// value only line by line.
func MaskValues(values ...string) []string { return expandMasks(values) }

// MinSecretLength is the length below which SecretLike does not report a
// value: a mask applies to the whole log, and masking a short, common word
// (a test database's password "postgres") would garble it.
const MinSecretLength = 8

// secretPattern finds credentials in text: the first group of re is the
// secret. re runs on the text with ASCII letters lowercased when lower is
// set (the indexes are the same), and only when the lowercased text holds
// one of the hints, as most text holds no candidate at all.
type secretPattern struct {
	hint  []string
	lower bool
	re    *regexp.Regexp
}

var secretPatterns = []secretPattern{
	// GitHub tokens: classic (ghp_, gho_, ghu_, ghs_, ghr_) and fine-grained.
	{[]string{"gh"}, false, regexp.MustCompile(`\b(gh[pousr]_[A-Za-z0-9]{36,})\b`)},
	{[]string{"github_pat_"}, false, regexp.MustCompile(`\b(github_pat_[A-Za-z0-9_]{22,})\b`)},
	// npm access tokens, as an .npmrc's _authToken carries them.
	{[]string{"npm_"}, false, regexp.MustCompile(`\b(npm_[A-Za-z0-9]{36})\b`)},
	// AWS access key IDs.
	{[]string{"akia", "asia"}, false, regexp.MustCompile(`\b((?:AKIA|ASIA)[0-9A-Z]{16})\b`)},
	// Slack tokens.
	{[]string{"xox"}, false, regexp.MustCompile(`\b(xox[abprs]-[A-Za-z0-9-]{10,})\b`)},
	// Bearer tokens in an Authorization header.
	{[]string{"bearer"}, true, regexp.MustCompile(`\bbearer\s+([a-z0-9._~+/\-]+=*)`)},
}

// urlPasswords returns the passwords of URLs in s:
// scheme://user:password@host.
func urlPasswords(s string) []string {
	var out []string
	for rest := s; ; {
		i := strings.Index(rest, "://")
		if i < 0 {
			return out
		}
		rest = rest[i+3:]
		authority := rest
		if j := strings.IndexAny(authority, "/?# \t\r\n'\"<>"); j >= 0 {
			authority = authority[:j]
		}
		at := strings.LastIndexByte(authority, '@')
		if at < 0 {
			continue
		}
		if _, pass, ok := strings.Cut(authority[:at], ":"); ok && pass != "" {
			out = append(out, pass)
		}
	}
}

// secretNames are what the NAME of a NAME=value pair says when the value is
// a secret (DB_PASSWORD=…, NPM_TOKEN=…, _authToken=…).
var secretNames = []string{"password", "passwd", "secret", "token", "apikey", "api_key", "auth"}

// assignedSecrets returns the values of NAME=value pairs in s whose NAME
// says password, secret, token or key (environment variables, .npmrc
// lines, command lines). lower is asciiLower(s).
func assignedSecrets(s, lower string) []string {
	var out []string
	for i := strings.IndexByte(lower, '='); i >= 0; {
		start := i
		for start > 0 && isNameByte(lower[start-1]) {
			start--
		}
		end := i + 1
		for end < len(s) && !strings.ContainsRune(" \t\r\n'\"&;,", rune(s[end])) {
			end++
		}
		name := lower[start:i]
		if end > i+1 && slices.ContainsFunc(secretNames, func(n string) bool { return strings.Contains(name, n) }) {
			out = append(out, s[i+1:end])
		}
		next := strings.IndexByte(lower[i+1:], '=')
		if next < 0 {
			break
		}
		i += 1 + next
	}
	return out
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-'
}

// asciiLower lowercases ASCII letters only, so that byte offsets in the
// result are offsets in s.
func asciiLower(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, strings.ToValidUTF8(s, "\x00"))
}

// SecretLike returns the substrings of the report's text that look like
// credentials (URL passwords, GitHub, npm, AWS and Slack tokens, bearer
// tokens, NAME=value pairs whose NAME says password, secret, token or key),
// deduplicated and sorted. Values shorter than MinSecretLength, and values
// that are already redacted or are variable references ($VAR, ${VAR}), are
// left out. The pipeline keeps credentials out of its report (they are
// Dagger secrets); this is the net for what a tool's output let through.
func (r *Report) SecretLike() []string {
	found := map[string]bool{}
	mapStrings(reflect.ValueOf(*r), func(s string) string {
		lower := asciiLower(s)
		if len(lower) != len(s) {
			return s // invalid UTF-8: offsets would not line up
		}
		for _, p := range secretPatterns {
			if !slices.ContainsFunc(p.hint, func(h string) bool { return strings.Contains(lower, h) }) {
				continue
			}
			text := s
			if p.lower {
				text = lower
			}
			for _, m := range p.re.FindAllStringSubmatchIndex(text, -1) {
				if v := s[m[2]:m[3]]; plausibleSecret(v) {
					found[v] = true
				}
			}
		}
		for _, v := range append(urlPasswords(s), assignedSecrets(s, lower)...) {
			if plausibleSecret(v) {
				found[v] = true
			}
		}
		return s
	})
	return slices.Sorted(func(yield func(string) bool) {
		for v := range found {
			if !yield(v) {
				return
			}
		}
	})
}

func plausibleSecret(v string) bool {
	if len(v) < MinSecretLength || strings.HasPrefix(v, "$") || strings.Contains(v, Redacted) {
		return false
	}
	lower := strings.ToLower(v)
	for _, placeholder := range []string{"redacted", "<hidden>", "xxxxxxxx", "********", "changeme"} {
		if strings.Contains(lower, placeholder) {
			return false
		}
	}
	return true
}

// mapStrings returns a deep copy of v with fn applied to every string it
// holds (struct fields, slices, maps, pointers). Unexported fields (inside
// time.Time) are copied as they are.
func mapStrings(v reflect.Value, fn func(string) string) reflect.Value {
	switch v.Kind() {
	case reflect.String:
		out := reflect.New(v.Type()).Elem()
		out.SetString(fn(v.String()))
		return out
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		out := reflect.New(v.Type().Elem())
		out.Elem().Set(mapStrings(v.Elem(), fn))
		return out
	case reflect.Struct:
		out := reflect.New(v.Type()).Elem()
		out.Set(v)
		for i := range v.NumField() {
			if out.Field(i).CanSet() {
				out.Field(i).Set(mapStrings(v.Field(i), fn))
			}
		}
		return out
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := range v.Len() {
			out.Index(i).Set(mapStrings(v.Index(i), fn))
		}
		return out
	case reflect.Map:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeMapWithSize(v.Type(), v.Len())
		for it := v.MapRange(); it.Next(); {
			out.SetMapIndex(mapStrings(it.Key(), fn), mapStrings(it.Value(), fn))
		}
		return out
	}
	return v
}
