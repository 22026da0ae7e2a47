package tags

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// TestGoldenScenarios renders, for every metadata-action fixture under
// testdata/events, the tags with their reasons, the notes and the labels that
// the default Config gives, and compares with testdata/scenarios.golden.
// Run `go test ./pipelines/tags -run TestGoldenScenarios -update` after an
// intended change, and review the diff.
func TestGoldenScenarios(t *testing.T) {
	t.Parallel()
	envs, err := filepath.Glob(filepath.Join("testdata", "events", "*.env"))
	if err != nil || len(envs) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	var b strings.Builder
	for _, path := range envs {
		name := strings.TrimSuffix(filepath.Base(path), ".env")
		for _, cfg := range []struct {
			label string
			cfg   Config
		}{
			{"default config", Config{}},
			{"metadata-action default tags + sha, PR head", Config{Kinds: append(append([]Kind{}, metadataActionDefaultKinds...), KindSha), UsePRHeadSHA: true}},
		} {
			fmt.Fprintf(&b, "== %s (%s)\n", name, cfg.label)
			res, err := Compute(fixtureContext(t, name), cfg.cfg, created)
			if err != nil {
				fmt.Fprintf(&b, "error: %v\n\n", err)
				continue
			}
			for _, tag := range res.Tags {
				fmt.Fprintf(&b, "tag   %-16s %-22s %s\n", tag.Name, tag.Kind, tag.Reason)
			}
			for _, n := range res.Notes {
				fmt.Fprintf(&b, "note  %s\n", n)
			}
			for _, l := range res.Labels {
				fmt.Fprintf(&b, "label %s\n", l)
			}
			b.WriteString("\n")
		}
	}
	golden := filepath.Join("testdata", "scenarios.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got := b.String(); got != string(want) {
		t.Errorf("output differs from %s (run with -update and review the diff):\n%s", golden, firstDiff(got, string(want)))
	}
}

// firstDiff shows the first differing line of two texts.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d:\n got %q\nwant %q", i+1, gl, wl)
		}
	}
	return "(equal)"
}
