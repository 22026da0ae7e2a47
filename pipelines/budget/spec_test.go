package budget

import (
	"strings"
	"testing"
)

func TestParseSpecs(t *testing.T) {
	t.Parallel()
	b, err := ParseSpecs([]string{"backend=180MB", "stack = 1.5GiB", "frontend=none", "worker=20MiB"}, Uncompressed)
	if err != nil {
		t.Fatal(err)
	}
	if b.Images["backend"] != 180*MB || b.Stack != 1536*MiB || b.Images["worker"] != 20*MiB {
		t.Errorf("budgets = %+v", b)
	}
	if _, ok := b.Images["frontend"]; ok {
		t.Error("frontend=none kept a budget")
	}
	if d := DefaultBudgets(Uncompressed); d.Images["backend"] == 180*MB {
		t.Error("ParseSpecs changed the defaults")
	}
	for _, bad := range []struct{ spec, want string }{
		{"backend", "want NAME=SIZE"},
		{"=5MB", "want NAME=SIZE"},
		{"backend=lots", `budget "backend=lots"`},
		{"stack=-1MB", `budget "stack=-1MB"`},
	} {
		if _, err := ParseSpecs([]string{bad.spec}, Uncompressed); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("ParseSpecs(%q) error = %v, want %q", bad.spec, err, bad.want)
		}
	}
}

func FuzzParseSpecs(f *testing.F) {
	for _, s := range []string{"backend=180MB", "stack=none", "x=0", "=", "a=1.5GiB"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		b, err := ParseSpecs([]string{spec}, Compressed)
		if err != nil {
			return
		}
		for name, s := range b.Images {
			if s <= 0 || name == "" {
				t.Fatalf("ParseSpecs(%q) gave image %q budget %d", spec, name, s)
			}
		}
	})
}
