package report_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stack-ci/stack/pipelines/report"
	"github.com/stack-ci/stack/pipelines/smoke"
)

// hostile is a report whose text tries to break out of tables, code blocks
// and <details>, and to reach a terminal with escape codes.
func hostile() *report.Report {
	b := report.New(report.Source{App: "a|b"}, report.WithStages(report.StageBuild, report.StageSmoke))
	b.AddBuild([]report.Image{{Name: "web", Error: "step 3 | failed\n</details><script>alert(1)</script>\n```\n\x1b[31mred\x1b[0m"}}, time.Second)
	b.AddSmoke(smoke.Results{{Name: "x|y", Detail: "line 1\nline 2 | <b>bold</b> [link](http://e) `code` *em*\r\n\x1b]0;title\x07"}}, time.Second)
	b.AddError("sbom", errors.New("no"), 0)
	return b.Report()
}

func TestMarkdownEscapes(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := hostile().WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	if !strings.HasPrefix(md, "## ❌ a\\|b failed") {
		t.Errorf("heading not escaped: %q", strings.SplitN(md, "\n", 2)[0])
	}
	for _, want := range []string{
		"| x\\|y | ❌ | – | line 1<br>line 2 \\| \\<b\\>bold\\</b\\> \\[link\\](http://e) \\`code\\` \\*em\\*<br>\\]0;title |",
		"````text\nweb: step 3 | failed\n</details><script>alert(1)</script>\n```\n[31mred[0m\n````",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "\x1b") || strings.Contains(md, "\x07") || strings.Contains(md, "\r") {
		t.Errorf("Markdown holds control characters:\n%q", md)
	}
	// Every table row has as many unescaped pipes as its header.
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "| ") {
			if n := strings.Count(strings.ReplaceAll(line, `\|`, ""), "|"); n != 5 && n != 7 {
				t.Errorf("row with %d cell separators: %s", n, line)
			}
		}
	}
}

func TestTextCleansControlCharacters(t *testing.T) {
	t.Parallel()
	var plain, color bytes.Buffer
	r := hostile()
	if err := r.WriteText(&plain, report.TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteText(&color, report.TextOptions{Color: true}); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(plain.String(), "\x1b\x07\r") {
		t.Errorf("text holds control characters:\n%q", plain.String())
	}
	if !strings.Contains(color.String(), "\x1b[31mFAILED\x1b[0m") {
		t.Errorf("colored text does not color the verdict:\n%q", color.String())
	}
	if got := strings.Count(color.String(), "\x1b["); got != 2*strings.Count(color.String(), "\x1b[0m") {
		t.Errorf("unbalanced color codes (%d)", got)
	}
}

func TestMarkdownFoldsLongTables(t *testing.T) {
	t.Parallel()
	var rs smoke.Results
	for i := range report.DetailsRows + 1 {
		rs = append(rs, smoke.Result{Name: strings.Repeat("c", i+1), Passed: true})
	}
	b := report.New(report.Source{}, report.WithStages(report.StageSmoke))
	b.AddSmoke(rs, time.Second)
	var out bytes.Buffer
	if err := b.Report().WriteMarkdown(&out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "<details><summary>Checks</summary>\n\n| Check |") {
		t.Errorf("a table of %d rows is not folded:\n%s", len(rs), out.String())
	}
}
