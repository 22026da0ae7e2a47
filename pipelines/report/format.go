package report

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/stack-ci/stack/pipelines/budget"
)

// formatDuration prints a duration for people: "850ms", "41.2s", "3m12s",
// "1h05m"; "–" for zero.
func formatDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "–"
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Hour:
		d = d.Round(time.Second)
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	default:
		d = d.Round(time.Minute)
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
}

// shortDigest keeps the algorithm and 12 hex digits: "sha256:0a1b2c3d4e5f".
func shortDigest(d string) string {
	algo, hex, ok := strings.Cut(d, ":")
	if !ok || len(hex) <= 12 {
		return d
	}
	return algo + ":" + hex[:12]
}

// shortRef shows a git ref the way people say it: "main", "v1.2.3", "PR 12".
func shortRef(ref string) string {
	switch {
	case strings.HasPrefix(ref, "refs/heads/"):
		return strings.TrimPrefix(ref, "refs/heads/")
	case strings.HasPrefix(ref, "refs/tags/"):
		return strings.TrimPrefix(ref, "refs/tags/")
	case strings.HasPrefix(ref, "refs/pull/"):
		return "PR " + strings.TrimSuffix(strings.TrimPrefix(ref, "refs/pull/"), "/merge")
	}
	return ref
}

func shortRevision(rev string) string {
	if len(rev) > 7 {
		return rev[:7]
	}
	return rev
}

// sizeOrDash prints a size, or "–" for zero (not measured).
func sizeOrDash(s budget.Size) string {
	if s == 0 {
		return "–"
	}
	return s.String()
}

// headroom says how far a result is from its budget, e.g. "14.77 MB left
// (23.1%)" or "30 MB over (15.0%)".
func headroom(r BudgetResult) string {
	if !r.HasBudget {
		return "no budget"
	}
	if r.Headroom < 0 {
		return fmt.Sprintf("%s over (%.1f%%)", budget.Size(-r.Headroom), -r.HeadroomPercent)
	}
	return fmt.Sprintf("%s left (%.1f%%)", budget.Size(r.Headroom), r.HeadroomPercent)
}

// oneLine collapses runs of white space (newlines included) into one space.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// truncate cuts s to at most n runes, ending in "…".
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// mdEscaper backslash-escapes the ASCII punctuation that would make text
// inline Markdown or HTML (links, emphasis, code, tags) or end a table cell.
// cmark-gfm splits table rows on pipes not escaped this way, and CommonMark
// allows a backslash before any ASCII punctuation.
var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", `*`, `\*`, `_`, `\_`, `[`, `\[`, `]`, `\]`,
	`<`, `\<`, `>`, `\>`, `&`, `\&`, `|`, `\|`, `~`, `\~`, "\r", "",
)

// md makes text safe to show inline in Markdown, on one line.
func md(s string) string {
	return mdEscaper.Replace(oneLine(clean(s)))
}

// mdCell makes text safe for a table cell: escaped, line breaks kept as
// <br>.
func mdCell(s string) string {
	lines := strings.Split(strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n")), "\n")
	for i, l := range lines {
		lines[i] = md(l)
	}
	return strings.Join(lines, "<br>")
}

// mdCode shows text as inline code in a table cell; text that a code span
// cannot hold (backticks, line breaks) falls back to mdCell.
func mdCode(s string) string {
	if s == "" {
		return ""
	}
	if strings.ContainsAny(s, "`\r\n") {
		return mdCell(s)
	}
	return "`" + strings.ReplaceAll(s, "|", `\|`) + "`"
}

// mdFence returns a fence of backticks longer than any run in s.
func mdFence(s string) string {
	longest, run := 0, 0
	for _, c := range s {
		if c == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return strings.Repeat("`", max(3, longest+1))
}
