package publish

import (
	"encoding/base64"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestRedact(t *testing.T) {
	t.Parallel()
	const user, pw = "ci-bot", `p@ss w/rd"42&x`
	secrets := secretForms(user, pw)
	basic := base64.StdEncoding.EncodeToString([]byte(user + ":" + pw))
	for _, tc := range []struct {
		name, in, want string
	}{
		{"plain", "denied for ci-bot:" + pw + " here", "denied for ci-bot:*** here"},
		{"basic header", "you sent Authorization: Basic " + basic, "you sent Authorization: Basic ***"},
		{"base64 alone", "token=" + basic, "token=***"},
		{"query-escaped", "GET /v2/?password=p%40ss+w%2Frd%2242%26x", "GET /v2/?password=***"},
		{"path-escaped", "at /p@ss%20w%2Frd%2242&x", "at /***"},
		{"json-escaped", `{"password":"p@ss w/rd\"42\u0026x"}`, `{"password":"***"}`},
		{"any bearer token", "Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjaSJ9.c2ln", "Authorization: Bearer ***"},
		{"lowercase basic of someone else", "authorization: basic Zm9vOmJhcg==", "authorization: basic ***"},
		{"nothing secret", "unexpected status code 500 Internal Server Error", "unexpected status code 500 Internal Server Error"},
		{"the word basic", "basic auth failed", "basic auth failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := redact(tc.in, secrets); got != tc.want {
				t.Errorf("redact(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestShorten(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", maxDetail)
	got := shorten(long)
	if !utf8.ValidString(got) || len(got) > maxDetail+len("…") || !strings.HasSuffix(got, "…") {
		t.Errorf("shorten cut %d bytes of é to %q", len(long), got)
	}
	if got := shorten("a\n  b\tc"); got != "a b c" {
		t.Errorf("shorten flattened to %q", got)
	}
}

// FuzzRedact checks that a password is gone from any text it is put in,
// in any of the forms a registry could quote it.
func FuzzRedact(f *testing.F) {
	f.Add("ci", "hunter2-long", "before ", " after", 0)
	f.Add("u", "p@ss:w/rd\"", `{"m":"`, `"}`, 3)
	f.Add("", "x", "", "", 4)
	f.Add("user", "ab", "Basic ", "==", 1)
	f.Fuzz(func(t *testing.T, user, pw, before, after string, form int) {
		if pw == "" {
			t.Skip()
		}
		secrets := secretForms(user, pw)
		forms := []string{pw, base64.StdEncoding.EncodeToString([]byte(user + ":" + pw)), "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pw))}
		in := before + forms[abs(form)%len(forms)] + after
		got := redact(in, secrets)
		if strings.Contains(got, forms[1]) {
			t.Errorf("redact(%q) = %q still holds the Basic credentials", in, got)
		}
		// Only the mask can bring the password back: a password with
		// stars, or with a space that can follow "Basic" in the mask.
		if strings.ContainsAny(pw, "* \t\n\r\v\f\u0085\u00a0") {
			return
		}
		if strings.Contains(got, pw) {
			t.Errorf("redact(%q) = %q still holds the password %q", in, got, pw)
		}
	})
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
