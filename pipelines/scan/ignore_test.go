package scan

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestParseIgnore(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want IgnoreList
	}{
		{name: "empty", in: "", want: nil},
		{name: "comments and blanks", in: "# accepted risks\n\n   \n\t# indented comment\n", want: nil},
		{name: "one ID", in: "CVE-2099-0001\n",
			want: IgnoreList{{ID: "CVE-2099-0001", File: ".trivyignore", Line: 1}}},
		{name: "no final newline, CRLF, spaces", in: "  CVE-1  \r\nGHSA-aaaa-bbbb-cccc",
			want: IgnoreList{{ID: "CVE-1", File: ".trivyignore", Line: 1}, {ID: "GHSA-aaaa-bbbb-cccc", File: ".trivyignore", Line: 2}}},
		{name: "expiry", in: "# header\nCVE-1 exp:2027-03-31\n",
			want: IgnoreList{{ID: "CVE-1", Expires: day("2027-03-31"), File: ".trivyignore", Line: 2}}},
		{name: "trailing comment", in: "CVE-1 # waiting for upstream, see #123\n",
			want: IgnoreList{{ID: "CVE-1", Comment: "waiting for upstream, see #123", File: ".trivyignore", Line: 1}}},
		{name: "expiry and comment", in: "DS-0002 exp:2027-01-02 #runs as root by design\n",
			want: IgnoreList{{ID: "DS-0002", Expires: day("2027-01-02"), Comment: "runs as root by design", File: ".trivyignore", Line: 1}}},
		{name: "expiry inside the comment counts, as in Trivy", in: "CVE-1 # until exp:2027-05-01\n",
			want: IgnoreList{{ID: "CVE-1", Expires: day("2027-05-01"), Comment: "until exp:2027-05-01", File: ".trivyignore", Line: 1}}},
		{name: "first expiry wins, as in Trivy", in: "CVE-1 exp:2027-01-01 # was exp:2026-01-01\n",
			want: IgnoreList{{ID: "CVE-1", Expires: day("2027-01-01"), Comment: "was exp:2026-01-01", File: ".trivyignore", Line: 1}}},
		{name: "secret rule and misconfig IDs", in: "aws-access-key-id\nAVD-DS-0002\n",
			want: IgnoreList{{ID: "aws-access-key-id", File: ".trivyignore", Line: 1}, {ID: "AVD-DS-0002", File: ".trivyignore", Line: 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseIgnore(strings.NewReader(tt.in), ".trivyignore")
			if err != nil {
				t.Fatalf("ParseIgnore: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ParseIgnore =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestParseIgnoreErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		in       string
		wantLine int
		wantText string
	}{
		{"bad date", "CVE-1\nCVE-2 exp:2027-13-01\n", 2, `bad expiry date "2027-13-01"`},
		{"not a date", "CVE-1 exp:tomorrow", 1, `bad expiry date "tomorrow": want exp:YYYY-MM-DD`},
		{"american date", "\n\nCVE-1 exp:03/31/2027", 3, "want exp:YYYY-MM-DD"},
		{"empty date", "CVE-1 exp:", 1, `bad expiry date ""`},
		{"bad date in comment", "CVE-1 # until exp:soon", 1, `bad expiry date "soon"`},
		{"starts with expiry", "exp:2027-01-01 CVE-1", 1, "must start with the ID"},
		{"two expiries", "CVE-1 exp:2027-01-01 exp:2028-01-01", 1, "second exp:"},
		{"stray word", "CVE-1 lodash", 1, `unexpected "lodash" after the ID`},
		{"typo in exp", "CVE-1 expires:2027-01-01", 1, `unexpected "expires:2027-01-01"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseIgnore(strings.NewReader(tt.in), "repo/.trivyignore")
			var se *IgnoreSyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error = %v, want *IgnoreSyntaxError", err)
			}
			if se.File != "repo/.trivyignore" || se.Line != tt.wantLine {
				t.Errorf("location = %s:%d, want repo/.trivyignore:%d", se.File, se.Line, tt.wantLine)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.wantText) || !strings.HasPrefix(msg, "parsing repo/.trivyignore line ") {
				t.Errorf("error %q lacks %q or the file and line", msg, tt.wantText)
			}
		})
	}
}

func TestParseIgnoreLongLine(t *testing.T) {
	t.Parallel()
	in := "CVE-1\n" + strings.Repeat("x", maxIgnoreLine+1) + "\n"
	_, err := ParseIgnore(strings.NewReader(in), ".trivyignore")
	if err == nil || !strings.Contains(err.Error(), ".trivyignore line 2") {
		t.Fatalf("error = %v, want one naming line 2", err)
	}
}

func TestReadIgnoreFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, ".trivyignore")
	if err := os.WriteFile(p, []byte("CVE-1 exp:2027-01-01\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := ReadIgnoreFile(p)
	if err != nil || len(l) != 1 || l[0].File != p || l[0].Location() != p+":1" {
		t.Fatalf("ReadIgnoreFile = %+v, %v", l, err)
	}
	if _, err := ReadIgnoreFile(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file error = %v, want fs.ErrNotExist", err)
	}
	if _, err := ReadIgnoreFile(filepath.Join(dir, ".trivyignore.yaml")); err == nil || !strings.Contains(err.Error(), "YAML") {
		t.Errorf("YAML file error = %v", err)
	}
}

func TestIgnoreExpiry(t *testing.T) {
	t.Parallel()
	l := IgnoreList{
		{ID: "CVE-1", Expires: day("2027-01-10"), Line: 1},
		{ID: "CVE-2", Line: 2},
		{ID: "CVE-1", Line: 3},
	}
	tests := []struct {
		name          string
		id            string
		now           time.Time
		active, exp   int // lines, 0 = none
		expiredListed int
	}{
		{"before the date", "CVE-1", day("2027-01-09").Add(23 * time.Hour), 1, 0, 0},
		{"on the date (Trivy: from 00:00 UTC)", "CVE-1", day("2027-01-10").Add(time.Second), 3, 1, 1},
		{"never expires", "CVE-2", day("2099-01-01"), 2, 0, 1},
		{"unknown ID", "CVE-3", day("2027-01-01"), 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			active, expired := l.Match(tt.id, tt.now)
			if line(active) != tt.active || line(expired) != tt.exp {
				t.Errorf("Match(%s) = line %d active, line %d expired; want %d, %d", tt.id, line(active), line(expired), tt.active, tt.exp)
			}
			if n := len(l.Expired(tt.now)); n != tt.expiredListed {
				t.Errorf("Expired() has %d entries, want %d", n, tt.expiredListed)
			}
		})
	}
}

func line(e *IgnoreEntry) int {
	if e == nil {
		return 0
	}
	return e.Line
}

func TestIgnoreEntryString(t *testing.T) {
	t.Parallel()
	e := IgnoreEntry{ID: "CVE-1", Expires: day("2027-01-02"), Comment: "upstream"}
	if got := e.String(); got != "CVE-1 exp:2027-01-02 #upstream" {
		t.Errorf("String = %q", got)
	}
	if got := (IgnoreEntry{ID: "x", Line: 4}).Location(); got != "line 4" {
		t.Errorf("Location = %q", got)
	}
}

func FuzzParseIgnore(f *testing.F) {
	for _, s := range []string{
		"CVE-1\n", "# c\n\nCVE-1 exp:2027-01-01 # why\n", "CVE-1 #x exp:2026-02-03\n",
		"GHSA-a exp:2027-13-01", "exp:2027-01-01", "CVE-1 exp:2027-01-01 exp:2028-01-01", "a\r\nb\r\n",
		"CVE-1 ## x", "CVE-1 # exp:2027-01-01 exp:bad",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		l, err := ParseIgnore(strings.NewReader(in), "f")
		if err != nil {
			var se *IgnoreSyntaxError
			if errors.As(err, &se) && (se.Line < 1 || se.File != "f") {
				t.Fatalf("syntax error without location: %+v", se)
			}
			return
		}
		lines := strings.Count(in, "\n") + 1
		for _, e := range l {
			if e.ID == "" || strings.ContainsAny(e.ID, " \t\r\n") || strings.HasPrefix(e.ID, "#") || strings.HasPrefix(e.ID, "exp:") {
				t.Fatalf("bad ID %q", e.ID)
			}
			if e.Line < 1 || e.Line > lines {
				t.Fatalf("line %d out of 1..%d", e.Line, lines)
			}
			if !e.Expires.IsZero() && (e.Expires.Hour() != 0 || e.Expires.Location() != time.UTC) {
				t.Fatalf("expiry %v is not midnight UTC", e.Expires)
			}
		}
		// Formatting the entries back gives the same entries.
		var sb strings.Builder
		for _, e := range l {
			sb.WriteString(e.String() + "\n")
		}
		l2, err := ParseIgnore(strings.NewReader(sb.String()), "f")
		if err != nil {
			t.Fatalf("re-parsing %q: %v", sb.String(), err)
		}
		if len(l) != len(l2) {
			t.Fatalf("round trip: %d entries, then %d", len(l), len(l2))
		}
		for i := range l {
			a, b := l[i], l2[i]
			if a.ID != b.ID || !a.Expires.Equal(b.Expires) || a.Comment != b.Comment {
				t.Fatalf("round trip changed %+v into %+v", a, b)
			}
		}
	})
}
