package report

import (
	"bufio"
	"fmt"
	"html"
	"io"
	"slices"
	"strings"
)

// DetailsRows is the number of rows (or lines) above which a table or text
// block of WriteMarkdown is folded into a <details> element.
const DetailsRows = 10

// statusIcon marks a status in Markdown.
func statusIcon(s Stage) string {
	switch s.Status {
	case StatusPassed:
		return "✅ passed"
	case StatusFailed:
		return "❌ failed"
	case StatusError:
		return "💥 error"
	case StatusSkipped:
		if len(s.BlockedBy) > 0 {
			return "⛔ skipped"
		}
		return "⏭️ skipped"
	}
	return md(string(s.Status))
}

func okIcon(ok bool) string {
	if ok {
		return "✅"
	}
	return "❌"
}

// WriteMarkdown renders the report as GitHub-flavoured Markdown, for the job
// summary and report.md: a heading with the outcome and the totals, then
// tables of the stages (with the errors in full), the images with their
// sizes against the budgets, the vulnerabilities per artifact and severity
// with the blocking ones and their fixed versions, the layers and waste, the
// policy rules per image, the smoke checks and what was published. Tables
// longer than DetailsRows are folded in <details>. Text from the report is
// escaped, so it cannot break a table or inject HTML.
func (r *Report) WriteMarkdown(w io.Writer) error {
	bw := bufio.NewWriter(w)
	m := &mdWriter{w: bw}
	m.header(r)
	m.stages(r)
	m.images(r)
	m.scan(r.Scan)
	m.budget(r.Budget)
	m.policy(r.Policy)
	m.smoke(r)
	m.publish(r.Publish)
	if len(r.Notes) > 0 {
		m.p("\n### Notes\n\n")
		for _, n := range r.Notes {
			m.p("- %s\n", md(n))
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing Markdown report: %w", err)
	}
	return nil
}

type mdWriter struct {
	w *bufio.Writer
}

func (m *mdWriter) p(format string, args ...any) { fmt.Fprintf(m.w, format, args...) }

// table writes a table, folded in <details> with summary when it has more
// than DetailsRows rows.
func (m *mdWriter) table(summary string, head []string, align string, rows [][]string) {
	fold := len(rows) > DetailsRows
	if fold {
		m.p("<details><summary>%s</summary>\n\n", html.EscapeString(summary))
	}
	m.p("| %s |\n", strings.Join(head, " | "))
	cols := make([]string, len(head))
	for i := range cols {
		cols[i] = "---"
		if i < len(align) && align[i] == 'r' {
			cols[i] = "---:"
		}
	}
	m.p("| %s |\n", strings.Join(cols, " | "))
	for _, row := range rows {
		m.p("| %s |\n", strings.Join(row, " | "))
	}
	if fold {
		m.p("\n</details>\n")
	}
}

// block writes text in a fenced code block under a bold title, folded in
// <details> when long.
func (m *mdWriter) block(title, text string) {
	text = clean(strings.TrimRight(strings.ReplaceAll(text, "\r\n", "\n"), "\n "))
	fold := strings.Count(text, "\n")+1 > DetailsRows
	if fold {
		m.p("<details><summary><b>%s</b></summary>\n\n", html.EscapeString(oneLine(clean(title))))
	} else {
		m.p("**%s**\n\n", md(title))
	}
	fence := mdFence(text)
	m.p("%stext\n%s\n%s\n", fence, text, fence)
	if fold {
		m.p("\n</details>\n")
	}
}

func (m *mdWriter) header(r *Report) {
	icon := "❌"
	if r.Passed() {
		icon = "✅"
	}
	m.p("## %s %s\n\n", icon, md(r.Headline()))
	var facts []string
	var where []string
	if r.Source.Ref != "" {
		where = append(where, mdCode(shortRef(r.Source.Ref)))
	}
	if r.Source.Revision != "" {
		where = append(where, "at "+mdCode(shortRevision(r.Source.Revision)))
	}
	if len(where) > 0 {
		facts = append(facts, strings.Join(where, " "))
	}
	if !r.Started.IsZero() {
		facts = append(facts, "started "+r.Started.UTC().Format("2006-01-02 15:04:05 UTC"))
	}
	if r.ToolVersion != "" {
		facts = append(facts, md(r.ToolVersion))
	}
	if len(facts) > 0 {
		m.p("%s\n", strings.Join(facts, " · "))
	}
}

func (m *mdWriter) stages(r *Report) {
	m.p("\n### Stages\n\n")
	var rows [][]string
	for _, s := range r.Stages {
		rows = append(rows, []string{md(s.Name), statusIcon(s), formatDuration(s.Duration), mdCell(s.Summary)})
	}
	m.table("Stages", []string{"Stage", "Status", "Time", "Summary"}, "llr", rows)
	for _, s := range r.Stages {
		if s.Error == "" {
			continue
		}
		m.p("\n")
		m.block(fmt.Sprintf("%s %s:", s.Name, s.Status), s.Error)
	}
}

func (m *mdWriter) images(r *Report) {
	if len(r.Images) == 0 {
		return
	}
	results := map[string]BudgetResult{}
	metric := ""
	if r.Budget != nil {
		metric = " (" + md(r.Budget.Metric) + ")"
		for _, br := range r.Budget.Images {
			results[br.Name] = br
		}
	}
	m.p("\n### Images\n\n")
	var rows [][]string
	for _, im := range r.Images {
		digest := mdCode(shortDigest(im.Digest))
		if im.Error != "" {
			digest = "❌ not built"
		}
		b := "–"
		if br, ok := results[im.Name]; ok {
			b = budgetCell(br)
		}
		rows = append(rows, []string{md(im.Name), digest, md(im.Platform),
			sizeOrDash(im.Compressed), sizeOrDash(im.Uncompressed), b})
	}
	if r.Budget != nil {
		st := r.Budget.Stack
		rows = append(rows, []string{"**" + md(st.Name) + "**", "", "", "", "", budgetCell(st)})
	}
	m.table("Images", []string{"Image", "Digest", "Platform", "Compressed", "Uncompressed", "Budget" + metric}, "lllrrl", rows)
}

func budgetCell(br BudgetResult) string {
	if !br.HasBudget {
		if !br.Passed {
			return "❌ " + mdCell(br.Message)
		}
		return "no budget"
	}
	return fmt.Sprintf("%s %s of %s, %s", okIcon(br.Passed), br.Size, br.Budget, headroom(br))
}

func (m *mdWriter) scan(s *Scan) {
	if s == nil {
		return
	}
	m.p("\n### Vulnerabilities and secrets\n\n")
	unfixed := "vulnerabilities without a fix block too"
	if s.IgnoreUnfixed {
		unfixed = "vulnerabilities without a fix do not block"
	}
	if s.Passed {
		m.p("✅ Nothing blocks at **%s** or above (%s).\n\n", md(s.Threshold), unfixed)
	} else {
		m.p("❌ %s at **%s** or above (%s).\n\n", plural(len(s.Blocking), "blocking finding"), md(s.Threshold), unfixed)
	}
	var rows [][]string
	var blocking, ignored int
	for _, a := range s.Artifacts {
		c := a.Counts
		rows = append(rows, []string{md(a.Name), fmt.Sprint(c.Critical), fmt.Sprint(c.High), fmt.Sprint(c.Medium),
			fmt.Sprint(c.Low), fmt.Sprint(c.Unknown), fmt.Sprint(a.Blocking), fmt.Sprint(a.Ignored)})
		blocking += a.Blocking
		ignored += a.Ignored
	}
	t := s.Totals()
	if len(s.Artifacts) > 1 {
		rows = append(rows, []string{"**total**", fmt.Sprint(t.Critical), fmt.Sprint(t.High), fmt.Sprint(t.Medium),
			fmt.Sprint(t.Low), fmt.Sprint(t.Unknown), fmt.Sprint(blocking), fmt.Sprint(ignored)})
	}
	m.table("Findings per artifact", []string{"Artifact", "CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN", "Blocking", "Ignored"}, "lrrrrrrr", rows)

	if len(s.Blocking) > 0 {
		m.p("\n#### Blocking\n\n")
		rows = nil
		for _, f := range s.Blocking {
			id := mdCode(f.ID)
			if isWebURL(f.URL) {
				id = fmt.Sprintf("[%s](%s)", md(f.ID), f.URL)
			}
			fixed := mdCode(f.Fixed)
			if f.Kind == "vulnerability" && f.Fixed == "" {
				fixed = "no fix"
			}
			what := f.Package
			if what == "" {
				what = f.Target
				if f.Line > 0 {
					what = fmt.Sprintf("%s:%d", f.Target, f.Line)
				}
			}
			title := f.Title
			if f.Detail != "" {
				title += " — " + f.Detail
			}
			if f.ExpiredIgnore != nil {
				title += fmt.Sprintf(" (ignore entry %s expired %s)", f.ExpiredIgnore.Location, f.ExpiredIgnore.Expires)
			}
			rows = append(rows, []string{f.Severity, id, md(what), mdCode(f.Installed), fixed, md(f.Artifact), mdCell(truncate(oneLine(title), 120))})
		}
		m.table(plural(len(s.Blocking), "blocking finding"),
			[]string{"Severity", "ID", "Package", "Installed", "Fixed", "Artifact", "Title"}, "", rows)
	}
	if nb := s.NonBlocking; nb.Total > 0 {
		m.p("\n%s did not block: %s (%s).\n", plural(nb.Total, "finding"), md(nonBlockingReasons(s)), severityList(nb.BySeverity))
	}
	if len(s.ExpiredIgnores) > 0 {
		m.p("\n⚠️ Expired ignore entries (they no longer ignore anything):\n\n")
		for _, e := range s.ExpiredIgnores {
			m.p("- %s\n", ignoreLine(e, "expired"))
		}
	}
	if len(s.UnusedIgnores) > 0 {
		m.p("\nUnused ignore entries (they matched nothing; remove them?):\n\n")
		for _, e := range s.UnusedIgnores {
			m.p("- %s\n", ignoreLine(e, "expires"))
		}
	}
}

func ignoreLine(e Ignore, verb string) string {
	s := mdCode(e.ID)
	if e.Location != "" {
		s += " (" + md(e.Location) + ")"
	}
	if e.Expires != "" {
		s += " " + verb + " " + md(e.Expires)
	}
	if e.Comment != "" {
		s += ": " + md(e.Comment)
	}
	return s
}

func (m *mdWriter) budget(b *Budget) {
	if b == nil {
		return
	}
	m.p("\n### Size budgets (%s)\n\n", md(b.Metric))
	var rows [][]string
	for _, r := range append(slices.Clone(b.Images), b.Stack) {
		bud, room := "–", "–"
		if r.HasBudget {
			bud, room = r.Budget.String(), headroom(r)
		}
		rows = append(rows, []string{md(r.Name), sizeOrDash(r.Size), bud, room, okIcon(r.Passed)})
	}
	m.table("Budgets", []string{"Image", "Size", "Budget", "Headroom", "Within"}, "lrrll", rows)
	for _, r := range append(slices.Clone(b.Images), b.Stack) {
		if !r.Passed {
			m.p("\n❌ %s\n", md(r.Message))
		}
	}
	for _, bd := range b.Breakdowns {
		m.p("\n<details><summary>Layers of %s: %s, %s wasted</summary>\n\n", html.EscapeString(clean(oneLine(bd.Image))), plural(len(bd.Layers), "layer"), bd.Wasted)
		rows = nil
		for _, l := range bd.Layers {
			rows = append(rows, []string{fmt.Sprint(l.Index), mdCell(truncate(oneLine(l.CreatedBy), 80)),
				l.Compressed.String(), l.Uncompressed.String(), fmt.Sprint(l.Files), sizeOrDash(l.Wasted)})
		}
		m.p("| # | Created by | Compressed | Uncompressed | Files | Wasted |\n| ---: | --- | ---: | ---: | ---: | ---: |\n")
		for _, row := range rows {
			m.p("| %s |\n", strings.Join(row, " | "))
		}
		if len(bd.Waste) > 0 {
			m.p("\nBiggest waste (bytes that ship but are hidden):\n\n")
			for _, w := range bd.Waste {
				m.p("- %s: %s in %s, added in layer %d, %s in layer %d\n", mdCode(w.Path), w.Bytes, plural(w.Files, "file"), w.AddedIn, md(w.Kind), w.RemovedIn)
			}
			if bd.WasteOmitted > 0 {
				m.p("- … and %d more\n", bd.WasteOmitted)
			}
		}
		m.p("\n</details>\n")
	}
}

func (m *mdWriter) policy(p *Policy) {
	if p == nil {
		return
	}
	m.p("\n### Image policy\n\n")
	var rules []string
	for _, im := range p.Images {
		for _, r := range im.Rules {
			if !slices.Contains(rules, r.Rule) {
				rules = append(rules, r.Rule)
			}
		}
	}
	var rows [][]string
	for _, im := range p.Images {
		row := []string{md(im.Image)}
		for _, name := range rules {
			cell := "–"
			for _, r := range im.Rules {
				if r.Rule != name {
					continue
				}
				switch {
				case r.Passed:
					cell = "✅"
				case r.Waived:
					cell = "⚠️ waived"
				default:
					cell = "❌"
				}
			}
			row = append(row, cell)
		}
		rows = append(rows, row)
	}
	head := []string{"Image"}
	for _, r := range rules {
		head = append(head, md(r))
	}
	m.table("Policy", head, "", rows)
	var lines []string
	for _, im := range p.Images {
		for _, r := range im.Rules {
			switch {
			case !r.OK():
				line := fmt.Sprintf("- ❌ **%s** %s: %s", md(im.Image), mdCode(r.Rule), md(r.Detail))
				for _, f := range r.Findings {
					line += "\n  - " + md(f)
				}
				lines = append(lines, line)
			case r.Waived:
				lines = append(lines, fmt.Sprintf("- ⚠️ **%s** %s waived: %s (%s)", md(im.Image), mdCode(r.Rule), md(r.WaiverReason), md(r.Detail)))
			}
		}
	}
	if len(lines) > 0 {
		m.p("\n%s\n", strings.Join(lines, "\n"))
	}
}

func (m *mdWriter) smoke(r *Report) {
	if len(r.Smoke) == 0 {
		return
	}
	failed := len(r.Smoke.Failed())
	m.p("\n### Smoke tests\n\n")
	if failed == 0 {
		m.p("✅ %s passed.\n\n", plural(len(r.Smoke), "check"))
	} else {
		m.p("❌ %d of %s failed.\n\n", failed, plural(len(r.Smoke), "check"))
	}
	var rows [][]string
	for _, c := range r.Smoke {
		rows = append(rows, []string{md(c.Name), okIcon(c.Passed), formatDuration(c.Duration), mdCell(c.Detail)})
	}
	m.table("Checks", []string{"Check", "Result", "Time", "Detail"}, "llrl", rows)
}

func (m *mdWriter) publish(p *Publish) {
	if p == nil {
		return
	}
	m.p("\n### Published\n\n")
	var rows [][]string
	for _, pu := range p.Images {
		var refs []string
		for _, ref := range pu.Refs {
			refs = append(refs, mdCode(ref))
		}
		cell := strings.Join(refs, "<br>")
		if pu.Error != "" {
			cell = "❌ " + mdCell(firstLine(pu.Error))
		}
		rows = append(rows, []string{md(pu.Image), mdCode(shortDigest(pu.Digest)), cell})
	}
	m.table("Pushed images", []string{"Image", "Digest", "References"}, "", rows)
	if len(p.Tags) > 0 {
		m.p("\nTags:\n\n")
		for _, t := range p.Tags {
			line := "- " + mdCode(t.Name)
			if t.Reason != "" {
				line += ": " + md(t.Reason)
			}
			m.p("%s\n", line)
		}
	}
}

// isWebURL reports whether u can be a Markdown link target as is.
func isWebURL(u string) bool {
	return (strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://")) && !strings.ContainsAny(u, "()<>[] \t\r\n`")
}
