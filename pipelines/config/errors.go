package config

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Position is a place in the file, 1-based.
type Position struct {
	Line, Column int
}

// Error is one problem with a configuration: where it is (the file and
// position, when it comes from a file), which key (Path, e.g.
// "images[1].port", or a command-line argument such as "--backend-port")
// and what is wrong, with what to do.
type Error struct {
	// File is the configuration file's name, "" for a problem that is not
	// in a file (a command-line argument, a default).
	File string
	// Pos is the position in File; zero when unknown.
	Pos Position
	// Path names the key: "images[1].port", "services.database.kind", or a
	// command-line argument ("--backend-port").
	Path string
	// Msg says what is wrong and what to do.
	Msg string
}

// Error formats the problem as FILE:LINE:COL: PATH: MSG.
func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Pos.Line > 0 {
			fmt.Fprintf(&b, ":%d:%d", e.Pos.Line, e.Pos.Column)
		}
		b.WriteString(": ")
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors are all the problems of a configuration, sorted by position
// (problems without one last). Parse and Effective return them as an
// Errors value; errors.As finds it, and each is an *Error.
type Errors []*Error

// Error writes one problem a line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the problems, for errors.Is and errors.As.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// sorted orders the problems by position, then path and message, and drops
// exact duplicates.
func (es Errors) sorted() Errors {
	out := slices.Clone(es)
	slices.SortStableFunc(out, func(a, b *Error) int {
		// problems with a position first
		if c := cmp.Compare(b2i(a.Pos.Line == 0), b2i(b.Pos.Line == 0)); c != 0 {
			return c
		}
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Pos.Line, b.Pos.Line), cmp.Compare(a.Pos.Column, b.Pos.Column),
			cmp.Compare(a.Path, b.Path), cmp.Compare(a.Msg, b.Msg))
	})
	return slices.CompactFunc(out, func(a, b *Error) bool { return *a == *b })
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// err returns nil for no problems, or the sorted problems.
func (es Errors) err() error {
	if len(es) == 0 {
		return nil
	}
	return es.sorted()
}

// suggest returns `; did you mean "X"?` for the valid name closest to got,
// or "" when none is close.
func suggest(got string, valid []string) string {
	if s := closest(got, valid); s != "" {
		return fmt.Sprintf("; did you mean %q?", s)
	}
	return ""
}

// closest returns the valid name nearest to got by edit distance (case,
// '-' and '_' ignored), when it is near enough to be a typo: at most 2
// edits, or a third of the name's length.
func closest(got string, valid []string) string {
	norm := func(s string) string { return strings.ReplaceAll(strings.ToLower(s), "-", "_") }
	g := norm(got)
	best, bestDist := "", 0
	for _, v := range valid {
		d := editDistance(g, norm(v))
		if best == "" || d < bestDist {
			best, bestDist = v, d
		}
	}
	if best == "" || bestDist > max(2, len([]rune(got))/3) || bestDist >= len([]rune(got)) {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 64 || len(rb) > 64 { // typos are short; keep this cheap
		if a == b {
			return 0
		}
		return max(len(ra), len(rb))
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// oneOf writes a list of choices: `a, b or c`.
func oneOf[S ~string](choices []S) string {
	q := make([]string, len(choices))
	for i, c := range choices {
		q[i] = string(c)
	}
	if len(q) <= 1 {
		return strings.Join(q, "")
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

// allOf writes a list: `a, b and c`.
func allOf(items []string) string {
	if len(items) <= 1 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// quote quotes s for a message, clipped to 60 characters.
func quote(s string) string {
	if r := []rune(s); len(r) > 60 {
		s = string(r[:57]) + "…"
	}
	return strconv.Quote(s)
}
