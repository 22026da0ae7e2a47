package report

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// TextOptions configure WriteText and TextSections.
type TextOptions struct {
	// Color marks statuses with ANSI colors, for a terminal that shows them.
	// Off by default: no escape codes at all.
	Color bool
}

// Section is one titled part of the text rendering, e.g. "Stages" and its
// table.
type Section struct {
	// Title names the section, e.g. "Smoke tests".
	Title string
	// Body is the section's text: aligned tables and lines, each line ending
	// in a newline.
	Body string
}

// WriteText renders the report for a terminal: the headline, then each of
// TextSections under its title. Text from the report is cleaned of control
// characters (a build log's escape codes cannot reach the terminal).
func (r *Report) WriteText(w io.Writer, o TextOptions) error {
	bw := bufio.NewWriter(w)
	verdict := "PASSED"
	if !r.Passed() {
		verdict = "FAILED"
	}
	fmt.Fprintf(bw, "%s  %s\n", paint(o, verdict, r.Passed()), clean(r.Headline()))
	for _, s := range r.TextSections(o) {
		fmt.Fprintf(bw, "\n%s\n%s", s.Title, s.Body)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing text report: %w", err)
	}
	return nil
}

// TextSections renders the report's parts as aligned text, one Section
// each: Stages, Errors (the stages' error text in full), Images,
// Vulnerabilities, Size budgets, Image policy, Smoke tests, Published, Notes.
// Parts the report does not have are left out.
func (r *Report) TextSections(o TextOptions) []Section {
	var out []Section
	add := func(title string, body string) {
		if body != "" {
			out = append(out, Section{Title: title, Body: body})
		}
	}
	add("Stages", r.textStages(o))
	add("Errors", r.textErrors())
	add("Images", r.textImages(o))
	add("Vulnerabilities", textScan(r.Scan, o))
	add("Size budgets", textBudget(r.Budget, o))
	add("Image policy", textPolicy(r.Policy, o))
	add("Smoke tests", r.textSmoke(o))
	add("Published", textPublish(r.Publish, o))
	var notes strings.Builder
	for _, n := range r.Notes {
		fmt.Fprintf(&notes, "- %s\n", clean(oneLine(n)))
	}
	add("Notes", notes.String())
	return out
}

// tcell is a text table cell; color is an ANSI SGR code or "".
type tcell struct {
	text  string
	color string
}

func plain(s string) tcell { return tcell{text: clean(oneLine(s))} }

func (r *Report) textStages(o TextOptions) string {
	t := textTable{head: []string{"STAGE", "STATUS", "TIME", "SUMMARY"}, right: "  r"}
	for _, s := range r.Stages {
		t.add(plain(s.Name), statusCell(s), plain(formatDuration(s.Duration)), plain(s.Summary))
	}
	return t.render(o)
}

func (r *Report) textErrors() string {
	var b strings.Builder
	for _, s := range r.Stages {
		if s.Error == "" {
			continue
		}
		fmt.Fprintf(&b, "%s (%s):\n", clean(s.Name), s.Status)
		for _, line := range strings.Split(strings.TrimRight(strings.ReplaceAll(s.Error, "\r\n", "\n"), "\n "), "\n") {
			fmt.Fprintf(&b, "  %s\n", strings.TrimRight(clean(line), " "))
		}
	}
	return b.String()
}

func statusCell(s Stage) tcell {
	c := tcell{text: string(s.Status)}
	switch s.Status {
	case StatusPassed:
		c.color = green
	case StatusFailed, StatusError:
		c.color = red
	case StatusSkipped:
		c.color = yellow
		if len(s.BlockedBy) == 0 {
			c.color = dim
		}
	}
	c.text = clean(c.text)
	return c
}

func okCell(ok bool) tcell {
	if ok {
		return tcell{"ok", green}
	}
	return tcell{"FAIL", red}
}

func (r *Report) textImages(o TextOptions) string {
	if len(r.Images) == 0 {
		return ""
	}
	results := map[string]BudgetResult{}
	if r.Budget != nil {
		for _, br := range r.Budget.Images {
			results[br.Name] = br
		}
	}
	t := textTable{head: []string{"IMAGE", "DIGEST", "PLATFORM", "COMPRESSED", "UNCOMPRESSED", "BUDGET", "REF"}, right: "   rr"}
	for _, im := range r.Images {
		digest := plain(shortDigest(im.Digest))
		if im.Error != "" {
			digest = tcell{"not built", red}
		}
		b := plain("–")
		if br, ok := results[im.Name]; ok {
			b = budgetTextCell(br)
		}
		t.add(plain(im.Name), digest, plain(im.Platform), plain(sizeOrDash(im.Compressed)), plain(sizeOrDash(im.Uncompressed)), b, plain(im.Ref))
	}
	return t.render(o)
}

func budgetTextCell(br BudgetResult) tcell {
	if !br.HasBudget {
		if !br.Passed {
			return tcell{"not measured", red}
		}
		return plain("no budget")
	}
	c := plain(fmt.Sprintf("%s of %s, %s", br.Size, br.Budget, headroom(br)))
	if !br.Passed {
		c.color = red
	}
	return c
}

func textScan(s *Scan, o TextOptions) string {
	if s == nil {
		return ""
	}
	var b strings.Builder
	unfixed := "unfixed block too"
	if s.IgnoreUnfixed {
		unfixed = "unfixed do not block"
	}
	fmt.Fprintf(&b, "%s at %s or above (%s)\n", plural(len(s.Blocking), "blocking finding"), clean(s.Threshold), unfixed)
	t := textTable{head: []string{"ARTIFACT", "CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN", "BLOCKING", "IGNORED"}, right: " rrrrrrr"}
	for _, a := range s.Artifacts {
		c := a.Counts
		blocking := plain(fmt.Sprint(a.Blocking))
		if a.Blocking > 0 {
			blocking.color = red
		}
		t.add(plain(a.Name), plain(fmt.Sprint(c.Critical)), plain(fmt.Sprint(c.High)), plain(fmt.Sprint(c.Medium)),
			plain(fmt.Sprint(c.Low)), plain(fmt.Sprint(c.Unknown)), blocking, plain(fmt.Sprint(a.Ignored)))
	}
	b.WriteString(t.render(o))
	if len(s.Blocking) > 0 {
		b.WriteString("\nBlocking:\n")
		bt := textTable{head: []string{"SEVERITY", "ID", "PACKAGE", "INSTALLED", "FIXED", "ARTIFACT", "TITLE"}}
		for _, f := range s.Blocking {
			fixed := f.Fixed
			if f.Kind == "vulnerability" && fixed == "" {
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
			bt.add(tcell{clean(f.Severity), red}, plain(f.ID), plain(what), plain(f.Installed), plain(fixed), plain(f.Artifact), plain(truncate(oneLine(title), 80)))
		}
		b.WriteString(bt.render(o))
	}
	if nb := s.NonBlocking; nb.Total > 0 {
		fmt.Fprintf(&b, "\n%s did not block: %s (%s)\n",
			plural(nb.Total, "finding"), clean(nonBlockingReasons(s)), severityList(nb.BySeverity))
	}
	for _, e := range s.ExpiredIgnores {
		fmt.Fprintf(&b, "%s %s\n", paint(o, "expired ignore:", false), clean(oneLine(ignoreText(e, "expired"))))
	}
	for _, e := range s.UnusedIgnores {
		fmt.Fprintf(&b, "unused ignore: %s\n", clean(oneLine(ignoreText(e, "expires"))))
	}
	return b.String()
}

func ignoreText(e Ignore, verb string) string {
	s := e.ID
	if e.Location != "" {
		s += " (" + e.Location + ")"
	}
	if e.Expires != "" {
		s += " " + verb + " " + e.Expires
	}
	if e.Comment != "" {
		s += ": " + e.Comment
	}
	return s
}

func textBudget(bu *Budget, o TextOptions) string {
	if bu == nil {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "metric: %s\n", clean(bu.Metric))
	t := textTable{head: []string{"IMAGE", "SIZE", "BUDGET", "HEADROOM", "RESULT"}, right: " rrr"}
	for _, r := range append(slices.Clone(bu.Images), bu.Stack) {
		bud, room := "–", "–"
		if r.HasBudget {
			bud, room = r.Budget.String(), headroom(r)
		}
		t.add(plain(r.Name), plain(sizeOrDash(r.Size)), plain(bud), plain(room), okCell(r.Passed))
	}
	b.WriteString(t.render(o))
	for _, bd := range bu.Breakdowns {
		fmt.Fprintf(&b, "\nLayers of %s (%s wasted):\n", clean(bd.Image), bd.Wasted)
		lt := textTable{head: []string{"#", "COMPRESSED", "UNCOMPRESSED", "FILES", "WASTED", "CREATED BY"}, right: "rrrrr"}
		for _, l := range bd.Layers {
			lt.add(plain(fmt.Sprint(l.Index)), plain(l.Compressed.String()), plain(l.Uncompressed.String()),
				plain(fmt.Sprint(l.Files)), plain(sizeOrDash(l.Wasted)), plain(truncate(oneLine(l.CreatedBy), 70)))
		}
		b.WriteString(lt.render(o))
		for _, w := range bd.Waste {
			fmt.Fprintf(&b, "waste: %s: %s in %s, added in layer %d, %s in layer %d\n",
				clean(w.Path), w.Bytes, plural(w.Files, "file"), w.AddedIn, clean(w.Kind), w.RemovedIn)
		}
		if bd.WasteOmitted > 0 {
			fmt.Fprintf(&b, "waste: … and %d more\n", bd.WasteOmitted)
		}
	}
	return b.String()
}

func textPolicy(p *Policy, o TextOptions) string {
	if p == nil {
		return ""
	}
	t := textTable{head: []string{"IMAGE", "RULE", "RESULT", "DETAIL"}}
	for _, im := range p.Images {
		for _, r := range im.Rules {
			res := okCell(r.Passed)
			detail := r.Detail
			if !r.Passed && r.Waived {
				res = tcell{"waived", yellow}
				detail = r.WaiverReason + " (" + r.Detail + ")"
			}
			if len(r.Findings) > 0 {
				detail += ": " + strings.Join(r.Findings, "; ")
			}
			t.add(plain(im.Image), plain(r.Rule), res, plain(truncate(oneLine(detail), 120)))
		}
	}
	return t.render(o)
}

func (r *Report) textSmoke(o TextOptions) string {
	if len(r.Smoke) == 0 {
		return ""
	}
	t := textTable{head: []string{"CHECK", "RESULT", "TIME", "DETAIL"}, right: "  r"}
	for _, c := range r.Smoke {
		t.add(plain(c.Name), okCell(c.Passed), plain(formatDuration(c.Duration)), plain(truncate(oneLine(c.Detail), 120)))
	}
	return t.render(o) + fmt.Sprintf("%d of %s passed\n", len(r.Smoke)-len(r.Smoke.Failed()), plural(len(r.Smoke), "check"))
}

func textPublish(p *Publish, o TextOptions) string {
	if p == nil {
		return ""
	}
	var b strings.Builder
	t := textTable{head: []string{"IMAGE", "DIGEST", "REFERENCE"}}
	for _, pu := range p.Images {
		if pu.Error != "" {
			t.add(plain(pu.Image), plain(shortDigest(pu.Digest)), tcell{clean(truncate(firstLine(pu.Error), 100)), red})
			continue
		}
		for _, ref := range pu.Refs {
			t.add(plain(pu.Image), plain(shortDigest(pu.Digest)), plain(ref))
		}
	}
	b.WriteString(t.render(o))
	for _, tg := range p.Tags {
		fmt.Fprintf(&b, "tag %s: %s\n", clean(tg.Name), clean(oneLine(tg.Reason)))
	}
	return b.String()
}

// ANSI SGR codes for WriteText with Color.
const (
	green  = "32"
	red    = "31"
	yellow = "33"
	dim    = "2"
)

func paint(o TextOptions, s string, ok bool) string {
	if !o.Color {
		return s
	}
	c := green
	if !ok {
		c = red
	}
	return "\x1b[" + c + "m" + s + "\x1b[0m"
}

// textTable is an aligned table: columns separated by two spaces, widths
// counted in runes, right holds 'r' at the index of right-aligned columns.
type textTable struct {
	head  []string
	right string
	rows  [][]tcell
}

func (t *textTable) add(cells ...tcell) { t.rows = append(t.rows, cells) }

func (t *textTable) render(o TextOptions) string {
	if len(t.rows) == 0 {
		return ""
	}
	widths := make([]int, len(t.head))
	for i, h := range t.head {
		widths[i] = utf8.RuneCountInString(h)
	}
	for _, row := range t.rows {
		for i, c := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(c.text))
		}
	}
	var b strings.Builder
	line := func(cells []tcell) {
		var l strings.Builder
		for i, c := range cells {
			if i > 0 {
				l.WriteString("  ")
			}
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c.text))
			text := c.text
			if o.Color && c.color != "" {
				text = "\x1b[" + c.color + "m" + text + "\x1b[0m"
			}
			if i < len(t.right) && t.right[i] == 'r' {
				l.WriteString(pad + text)
			} else if i == len(cells)-1 {
				l.WriteString(text)
			} else {
				l.WriteString(text + pad)
			}
		}
		b.WriteString(strings.TrimRight(l.String(), " "))
		b.WriteString("\n")
	}
	head := make([]tcell, len(t.head))
	for i, h := range t.head {
		head[i] = tcell{text: h}
	}
	line(head)
	for _, row := range t.rows {
		line(row)
	}
	return b.String()
}

// clean drops control characters (escape sequences, carriage returns, NUL)
// except newlines, and turns tabs into spaces.
func clean(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r != '\n' && (unicode.IsControl(r) || r == utf8.RuneError) }) {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n':
			return r
		case r == '\t':
			return ' '
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}
