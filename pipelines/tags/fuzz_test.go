package tags

import (
	"bufio"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// npmStrictRe is npm semver's FULL regular expression (internal/re.js,
// 7.8.5) transcribed to Go: the reference FuzzParseVersion checks the
// hand-written parser against. The numeric range and length limits are
// checked apart, as npm checks them apart.
var npmStrictRe = regexp.MustCompile(`^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)` +
	`(?:-((?:\d*[a-zA-Z-][a-zA-Z0-9-]*|0|[1-9]\d*)(?:\.(?:\d*[a-zA-Z-][a-zA-Z0-9-]*|0|[1-9]\d*))*))?` +
	`(?:\+([a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*))?$`)

func addVersionSeeds(f *testing.F) {
	data, err := os.ReadFile("testdata/npm-semver.jsonl")
	if err != nil {
		f.Fatal(err)
	}
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var c struct {
			In string `json:"in"`
		}
		if json.Unmarshal(sc.Bytes(), &c) == nil {
			f.Add(c.In)
		}
	}
}

// FuzzParseVersion: ParseVersion never panics, accepts exactly what npm
// semver's strict regex (plus its limits) accepts, and what it accepts
// round-trips through String.
func FuzzParseVersion(f *testing.F) {
	addVersionSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseVersion(s)
		m := npmStrictRe.FindStringSubmatch(s)
		wantOK := m != nil && len(s) <= maxVersionLength
		if wantOK {
			for _, n := range m[1:4] {
				if len(n) > 16 || (len(n) == 16 && n > "9007199254740991") {
					wantOK = false
				}
			}
		}
		if (err == nil) != wantOK {
			t.Fatalf("ParseVersion(%q): err %v, npm's regex says valid=%t", s, err, wantOK)
		}
		if err != nil {
			if !strings.Contains(err.Error(), "parsing version ") {
				t.Fatalf("error %q does not say what it was doing", err)
			}
			return
		}
		again, err := ParseVersion(v.String())
		if err != nil || again.String() != v.String() || again.IsPrerelease() != v.IsPrerelease() || len(again.Build) != 0 {
			t.Fatalf("%q → %q does not round-trip: %q, %v", s, v, again, err)
		}
		if rel := "v" + strings.TrimPrefix(s, "v"); len(rel) <= maxVersionLength {
			_, err := Release(rel)
			if wantOK := len(v.Build) == 0 && len(v.String()) <= MaxTagLength; (err == nil) != wantOK {
				t.Fatalf("Release(%q): %v, want ok=%t", rel, err, wantOK)
			}
		}
	})
}

// FuzzComputeRef: whatever the ref, branch, tag or flavor, Compute never
// panics and every tag it returns is valid; an invalid ref is an error.
func FuzzComputeRef(f *testing.F) {
	for _, seed := range []string{
		"refs/heads/main", "refs/heads/feature/login", "refs/heads/my/feature#1245", "refs/heads/-x",
		"refs/heads/" + strings.Repeat("é", 100), "refs/heads/.x", "refs/tags/v1.2.3", "refs/tags/v1.2.3+b.1",
		"refs/tags/release-2024", "refs/tags/p1/v1.0.0", "refs/pull/12/merge", "refs/pull/12/head",
		"refs/heads/#", "refs/heads/latest", "refs/heads/" + strings.Repeat("a/", 90), "main", "",
	} {
		f.Add(seed, "", "", uint8(0))
	}
	f.Add("refs/heads/x", "v", "-dev", uint8(3))
	f.Add("refs/tags/v0.1.0-rc.1", "pre.", "_s", uint8(255))
	created := time.Unix(1700000000, 0)
	f.Fuzz(func(t *testing.T, ref, prefix, suffix string, flags uint8) {
		cfg := Config{Kinds: AllKinds(), Prefix: prefix, Suffix: suffix,
			PrefixLatest: flags&1 != 0, SuffixLatest: flags&2 != 0, MajorZero: flags&4 != 0, UsePRHeadSHA: flags&8 != 0}
		switch flags >> 6 {
		case 1:
			cfg.Latest = LatestAlways
		case 2:
			cfg.Latest = LatestNever
		}
		gc := Context{EventName: "push", Ref: ref, SHA: "0123456789abcdef0123456789abcdef01234567", DefaultBranch: "main"}
		if flags&16 != 0 {
			gc.EventName = "pull_request"
			gc.PRHeadSHA = "fedcba9876543210fedcba9876543210fedcba98"
		}
		res, err := Compute(gc, cfg, created)
		if err != nil {
			return
		}
		if checkRef(ref) != nil && ref != "" {
			t.Fatalf("ref %q is invalid but Compute accepted it", ref)
		}
		seen := map[string]bool{}
		for _, tag := range res.Tags {
			if err := CheckTag(tag.Name); err != nil {
				t.Fatalf("ref %q prefix %q suffix %q: %v", ref, prefix, suffix, err)
			}
			if seen[tag.Name] {
				t.Fatalf("tag %q twice", tag.Name)
			}
			seen[tag.Name] = true
		}
		if len(res.Tags) == 0 || res.Version != res.Tags[0].Name {
			t.Fatalf("version %q, tags %q", res.Version, res.Names())
		}
		if _, err := res.References("ghcr.io/acme/app"); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzSanitize: sanitizeValue turns any value into a valid tag or an error,
// and SanitizeTag's output only holds tag characters.
func FuzzSanitize(f *testing.F) {
	for _, s := range []string{"feature/login", "-x", ".x", "", "#", strings.Repeat("x", 300), "ünïcode", "a\x00b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for i := 0; i < len(SanitizeTag(s)); i++ {
			if !tagChar(SanitizeTag(s)[i]) {
				t.Fatalf("SanitizeTag(%q) = %q", s, SanitizeTag(s))
			}
		}
		for _, affix := range [][2]string{{"", ""}, {"pr-", ""}, {"", "-" + strings.Repeat("s", 39)}} {
			tag, _, err := sanitizeValue(affix[0], s, affix[1])
			if err != nil {
				continue
			}
			if !ValidTag(tag) || !strings.HasPrefix(tag, affix[0]) || !strings.HasSuffix(tag, affix[1]) {
				t.Fatalf("sanitizeValue(%q, %q, %q) = %q", affix[0], s, affix[1], tag)
			}
		}
	})
}

// FuzzParseEvent: any bytes as GITHUB_EVENT_PATH's content give an Event or
// an error, never a panic, and FromGitHubEnv copes the same way.
func FuzzParseEvent(f *testing.F) {
	for _, name := range []string{"event_pull_request", "event_push_dev", "event_schedule", "event_release_created"} {
		data, err := os.ReadFile("testdata/events/" + name + ".json")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{`{"number": 3, "pull_request": {"head": {"sha": null}}}`, `{"repository": {"license": {"spdx_id": 1}}}`, `[]`, `{`, `{"number": 1e999}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ev, err := ParseEvent(data)
		if err == nil && ev.Number < 0 {
			t.Fatalf("negative number %d", ev.Number)
		}
		env := map[string]string{"GITHUB_EVENT_NAME": "pull_request_target", "GITHUB_EVENT_PATH": "e.json", "GITHUB_REF": "refs/heads/main"}
		gc, err := FromGitHubEnv(func(k string) string { return env[k] }, func(string) ([]byte, error) { return data, nil })
		if err != nil {
			return
		}
		if _, ok := gc.PullRequest(); !ok {
			t.Fatalf("pull_request_target context without a pull request ref: %+v", gc)
		}
		if _, err := Compute(gc, Config{UsePRHeadSHA: true}, time.Unix(1, 0)); err != nil {
			t.Fatalf("a context FromGitHubEnv accepted fails Compute: %v", err)
		}
	})
}
