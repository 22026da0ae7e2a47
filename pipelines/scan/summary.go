package scan

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// MaxNonBlockingRows bounds the "not blocking" table of WriteMarkdown; the
// rest is summarised in one line (base images can carry hundreds of LOW
// findings).
const MaxNonBlockingRows = 50

// maxCell bounds the text of one table cell.
const maxCell = 100

// WriteMarkdown renders the verdict as GitHub-flavoured Markdown: a heading
// with the outcome, a table of counts per artifact and severity, the
// blocking findings with their fixed versions, the findings that did not
// block with the reason, and the expired and unused ignore entries.
func (v Verdict) WriteMarkdown(w io.Writer) error {
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }

	outcome := "PASSED"
	if !v.Passed {
		outcome = "FAILED"
	}
	unfixed := "off"
	if v.IgnoreUnfixed {
		unfixed = "on"
	}
	p("### Trivy gate: %s: %s (threshold %s, ignore-unfixed %s)\n\n",
		outcome, plural(len(v.Blocking), "blocking finding"), v.Threshold, unfixed)

	p("| Artifact | Type | CRITICAL | HIGH | MEDIUM | LOW | UNKNOWN | Blocking | Ignored |\n")
	p("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	var blocking, ignored int
	for _, a := range v.Artifacts {
		c := a.Counts
		p("| %s | %s | %d | %d | %d | %d | %d | %d | %d |\n", cell(a.Name), cell(a.Type),
			c.Critical, c.High, c.Medium, c.Low, c.Unknown, a.Blocking, a.Ignored)
		blocking += a.Blocking
		ignored += a.Ignored
	}
	t := v.Totals()
	p("| **Total** |  | %d | %d | %d | %d | %d | %d | %d |\n", t.Critical, t.High, t.Medium, t.Low, t.Unknown, blocking, ignored)

	if len(v.Blocking) > 0 {
		p("\n#### Blocking findings\n\n")
		p("| Severity | ID | Artifact | Target | Package | Installed | Fixed | Title |\n")
		p("| --- | --- | --- | --- | --- | --- | --- | --- |\n")
		for _, f := range v.Blocking {
			fixed := f.FixedVersion
			if f.Kind == KindVulnerability && fixed == "" {
				fixed = "no fix"
			}
			title := f.Title
			if f.ExpiredIgnore != nil {
				title += " (ignore entry expired " + f.ExpiredIgnore.Expires.Format(expiryLayout) + ")"
			}
			p("| %s | %s | %s | %s | %s | %s | %s | %s |\n", f.Severity, cell(f.ID), cell(f.Artifact),
				cell(location(f)), cell(f.Package), cell(f.InstalledVersion), cell(fixed), cell(title))
		}
	}

	if len(v.NonBlocking) > 0 {
		p("\n#### Not blocking\n\n")
		p("| Severity | ID | Artifact | Target | Package | Reason |\n")
		p("| --- | --- | --- | --- | --- | --- |\n")
		for i, f := range v.NonBlocking {
			if i == MaxNonBlockingRows {
				p("\n… and %s.\n", plural(len(v.NonBlocking)-i, "more finding"))
				break
			}
			p("| %s | %s | %s | %s | %s | %s |\n", f.Severity, cell(f.ID), cell(f.Artifact),
				cell(location(f)), cell(f.Package), cell(f.Reason()))
		}
	}

	if len(v.ExpiredIgnores) > 0 {
		p("\n#### Expired ignore entries (no longer ignore anything)\n\n")
		for _, e := range v.ExpiredIgnores {
			p("- `%s` (%s) expired %s%s\n", e.ID, e.Location(), e.Expires.Format(expiryLayout), comment(e))
		}
	}
	if len(v.UnusedIgnores) > 0 {
		p("\n#### Unused ignore entries (matched no finding)\n\n")
		for _, e := range v.UnusedIgnores {
			p("- `%s` (%s)%s\n", e.ID, e.Location(), comment(e))
		}
	}
	return bw.Flush()
}

// location is the target, with the line for a secret.
func location(f Finding) string {
	if f.Line > 0 {
		return fmt.Sprintf("%s:%d", f.Target, f.Line)
	}
	return f.Target
}

func comment(e IgnoreEntry) string {
	if e.Comment == "" {
		return ""
	}
	return ": " + e.Comment
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// cell makes text safe for one Markdown table cell: one line, pipes
// escaped, bounded length.
func cell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > maxCell {
		s = string(r[:maxCell-1]) + "…"
	}
	return strings.ReplaceAll(s, "|", `\|`)
}
