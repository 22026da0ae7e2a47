package config

import (
	"errors"
	"path/filepath"
	"testing"
)

// FuzzParse feeds the parser arbitrary files. It must never panic, every
// problem must be an *Error, and every accepted configuration must marshal
// and parse back to the same effective configuration.
//
//	go test ./pipelines/config -run XXX -fuzz FuzzParse -fuzztime 60s
func FuzzParse(f *testing.F) {
	for _, glob := range []string{"testdata/examples/*.yaml", "testdata/errors/*.yaml"} {
		files, _ := filepath.Glob(glob)
		for _, path := range files {
			f.Add(mustReadF(f, path))
		}
	}
	for _, s := range []string{
		"", "images: []", "name: x\nimages:\n  - name: a\n    kind: nextjs\n", "a: &a [*a]", "smoke: {checks: [{name: c, steps: [{http: {path: /, json: {a: [1, 2.5, null, true]}}}]}]}",
		"images: [{name: w, kind: spa, env: {A: {secret: B}}}]", "budgets: {stack: 1.5GiB, images: {frontend: none}}",
		"budgets: {images:{frontend}}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse("fuzz.yaml", data)
		if err != nil {
			var errs Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("error %T %v, want Errors", err, err)
			}
			return
		}
		eff, err := Effective(cfg, Overrides{})
		if err != nil {
			return // e.g. an image whose kind detection would fill
		}
		out, err := Marshal(eff)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		again, err := Parse("marshalled.yaml", out)
		if err != nil {
			t.Fatalf("the marshalled configuration does not parse:\n%v\n--- input\n%q\n--- marshalled\n%s", err, data, out)
		}
		eff2, err := Effective(again, Overrides{})
		if err != nil {
			t.Fatalf("the marshalled configuration is not valid:\n%v\n--- marshalled\n%s", err, out)
		}
		if !sameConfig(eff, eff2) {
			out2, _ := Marshal(eff2)
			t.Fatalf("round trip changed the configuration\n--- input\n%q\n--- first\n%s\n--- second\n%s", data, out, out2)
		}
	})
}

func mustReadF(f *testing.F, path string) []byte {
	f.Helper()
	b, err := readFile(path)
	if err != nil {
		f.Fatal(err)
	}
	return b
}
