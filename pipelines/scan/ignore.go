package scan

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// expiryLayout is the date format of an `exp:` field.
const expiryLayout = "2006-01-02"

// maxIgnoreLine bounds one line of an ignore file.
const maxIgnoreLine = 64 << 10

// IgnoreEntry is one line of a .trivyignore file: a finding ID (a
// vulnerability ID, a misconfiguration check ID or AVD ID, or a secret rule
// ID), optionally with an expiry date and a comment.
type IgnoreEntry struct {
	// ID is matched exactly (case-sensitive) against finding IDs.
	ID string
	// Expires is when the entry stops ignoring: the start (00:00 UTC) of
	// the day written as exp:YYYY-MM-DD, as in Trivy. Zero means never.
	Expires time.Time
	// Comment is the text after a "#" on the same line, e.g. why the
	// finding is accepted.
	Comment string
	// File and Line locate the entry.
	File string
	Line int
}

// Expired reports whether the entry no longer ignores at now.
func (e IgnoreEntry) Expired(now time.Time) bool {
	return !e.Expires.IsZero() && e.Expires.Before(now)
}

// String formats the entry as a .trivyignore line.
func (e IgnoreEntry) String() string {
	s := e.ID
	if !e.Expires.IsZero() {
		s += " exp:" + e.Expires.UTC().Format(expiryLayout)
	}
	if e.Comment != "" {
		// No space after "#": a comment starting with "exp:" must not
		// become an expiry field.
		s += " #" + e.Comment
	}
	return s
}

// Location returns "file:line" (or "line N" when the file is unnamed).
func (e IgnoreEntry) Location() string {
	if e.File == "" {
		return fmt.Sprintf("line %d", e.Line)
	}
	return fmt.Sprintf("%s:%d", e.File, e.Line)
}

// IgnoreList is the parsed content of one or more ignore files.
type IgnoreList []IgnoreEntry

// IgnoreSyntaxError reports a line of an ignore file that cannot be read.
type IgnoreSyntaxError struct {
	// File and Line locate the bad line, Text is its content, Reason what
	// is wrong with it and Err the underlying error, if any.
	File   string
	Line   int
	Text   string
	Reason string
	Err    error
}

// Error names the file, the line and what to write instead.
func (e *IgnoreSyntaxError) Error() string {
	name := e.File
	if name == "" {
		name = "ignore file"
	}
	msg := fmt.Sprintf("parsing %s line %d %q: %s", name, e.Line, e.Text, e.Reason)
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the underlying error, e.g. a date parsing error.
func (e *IgnoreSyntaxError) Unwrap() error { return e.Err }

// ParseIgnore reads a .trivyignore file in Trivy's plain format: one ID per
// line; blank lines and lines starting with "#" are skipped; after the ID,
// an optional exp:YYYY-MM-DD field and an optional comment starting with
// "#". As in Trivy, the first field starting with "exp:" anywhere after the
// ID (even inside the comment) sets the expiry. Unlike Trivy, which skips
// such a line with a warning, a bad date or an unexpected field is an
// *IgnoreSyntaxError naming file (used in messages only) and line, so that
// a mistyped waiver cannot silently stop working.
func ParseIgnore(r io.Reader, file string) (IgnoreList, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxIgnoreLine)
	var list IgnoreList
	n := 0
	for sc.Scan() {
		n++
		entry, ok, err := parseIgnoreLine(sc.Text())
		if err != nil {
			err.File, err.Line = file, n
			return nil, err
		}
		if !ok {
			continue
		}
		entry.File, entry.Line = file, n
		list = append(list, entry)
	}
	if err := sc.Err(); err != nil {
		name := file
		if name == "" {
			name = "ignore file"
		}
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("parsing %s line %d: line longer than %d bytes: %w", name, n+1, maxIgnoreLine, err)
		}
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	return list, nil
}

// ReadIgnoreFile reads and parses the ignore file at path. A missing file
// is an error wrapping fs.ErrNotExist; callers for whom the file is
// optional (Trivy treats a missing .trivyignore as empty) check for it.
// YAML ignore files (.trivyignore.yaml) are not supported.
func ReadIgnoreFile(path string) (IgnoreList, error) {
	if ext := filepath.Ext(path); ext == ".yaml" || ext == ".yml" {
		return nil, fmt.Errorf("reading ignore file %q: the YAML format is not supported by the gate; use the plain format (one ID per line, optional exp:YYYY-MM-DD)", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading ignore file: %w", err)
	}
	defer f.Close()
	return ParseIgnore(f, path)
}

func parseIgnoreLine(raw string) (IgnoreEntry, bool, *IgnoreSyntaxError) {
	line := strings.TrimSpace(raw)
	if line == "" || strings.HasPrefix(line, "#") {
		return IgnoreEntry{}, false, nil
	}
	fail := func(reason string, err error) (IgnoreEntry, bool, *IgnoreSyntaxError) {
		return IgnoreEntry{}, false, &IgnoreSyntaxError{Text: line, Reason: reason, Err: err}
	}
	fields := strings.Fields(line)
	e := IgnoreEntry{ID: fields[0]}
	if strings.HasPrefix(e.ID, "exp:") {
		return fail("the line must start with the ID to ignore, then exp:YYYY-MM-DD", nil)
	}
	inComment := false
	var comment []string
	for _, f := range fields[1:] {
		if !inComment && strings.HasPrefix(f, "#") {
			inComment = true
			comment = append(comment, f[1:])
		} else if inComment {
			comment = append(comment, f)
		}
		date, isExp := strings.CutPrefix(f, "exp:")
		switch {
		case isExp && e.Expires.IsZero():
			t, err := time.Parse(expiryLayout, date)
			if err != nil {
				return fail(fmt.Sprintf("bad expiry date %q: want exp:YYYY-MM-DD", date), err)
			}
			e.Expires = t
		case isExp && !inComment:
			return fail("a second exp: field; keep one", nil)
		case !inComment:
			return fail(fmt.Sprintf("unexpected %q after the ID: want exp:YYYY-MM-DD and/or a comment starting with #", f), nil)
		}
	}
	e.Comment = strings.TrimSpace(strings.Join(comment, " "))
	return e, true, nil
}

// Match returns the entry for id that is in force at now, if any, and else
// an expired entry for id, if any.
func (l IgnoreList) Match(id string, now time.Time) (active, expired *IgnoreEntry) {
	for i := range l {
		e := &l[i]
		if e.ID != id {
			continue
		}
		if !e.Expired(now) {
			if active == nil {
				active = e
			}
		} else if expired == nil {
			expired = e
		}
	}
	return active, expired
}

// Expired returns the entries that no longer ignore at now.
func (l IgnoreList) Expired(now time.Time) IgnoreList {
	var out IgnoreList
	for _, e := range l {
		if e.Expired(now) {
			out = append(out, e)
		}
	}
	return out
}
