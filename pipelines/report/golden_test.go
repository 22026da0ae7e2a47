package report_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stack-ci/stack/pipelines/report"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// TestGolden renders each fixture report as JSON, Markdown and text and
// compares with testdata/<fixture>.{json,md,txt}. After an intended change:
//
//	go test ./pipelines/report -run TestGolden -update
//
// and review the diff.
func TestGolden(t *testing.T) {
	t.Parallel()
	writers := map[string]func(r *report.Report, b *bytes.Buffer) error{
		"json":      func(r *report.Report, b *bytes.Buffer) error { return r.WriteJSON(b) },
		"md":        func(r *report.Report, b *bytes.Buffer) error { return r.WriteMarkdown(b) },
		"txt":       func(r *report.Report, b *bytes.Buffer) error { return r.WriteText(b, report.TextOptions{}) },
		"color.txt": func(r *report.Report, b *bytes.Buffer) error { return r.WriteText(b, report.TextOptions{Color: true}) },
	}
	for name, r := range fixtures() {
		for ext, write := range writers {
			if ext == "color.txt" && name != "gates-failed" {
				continue
			}
			t.Run(name+"."+ext, func(t *testing.T) {
				t.Parallel()
				var b bytes.Buffer
				if err := write(r, &b); err != nil {
					t.Fatal(err)
				}
				golden(t, filepath.Join("testdata", name+"."+ext), b.Bytes())
			})
		}
	}
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output (run with -update and review the diff):\n%s", path, firstDiff(string(want), string(got)))
	}
}

// firstDiff shows the first line that differs.
func firstDiff(want, got string) string {
	wl, gl := bytes.Split([]byte(want), []byte("\n")), bytes.Split([]byte(got), []byte("\n"))
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g []byte
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if !bytes.Equal(w, g) {
			return "line " + strconv.Itoa(i+1) + ":\n want: " + string(w) + "\n  got: " + string(g)
		}
	}
	return "(same lines)"
}
