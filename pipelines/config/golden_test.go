package config

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/ and schema.json")

// golden compares got with the file, or rewrites it with -update.
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
		t.Fatalf("reading %s (run with -update to create it): %v", path, err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run with -update and review the diff):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// sameConfig compares two configurations, ignoring where they were parsed.
func sameConfig(a, b Config) bool {
	a.src, b.src = nil, nil
	return reflect.DeepEqual(a, b)
}

// load parses and resolves a file.
func load(t *testing.T, path string) Config {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := Parse(filepath.Base(path), data)
	if err != nil {
		t.Fatalf("Parse(%s):\n%v", path, err)
	}
	eff, err := Effective(cfg, Overrides{})
	if err != nil {
		t.Fatalf("Effective(%s):\n%v", path, err)
	}
	return eff
}

// TestExamples resolves every example configuration, compares what Marshal
// prints with testdata/examples/NAME.effective.golden, and reads the printed
// YAML back to the same effective configuration.
func TestExamples(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob(filepath.Join("testdata", "examples", "*.yaml"))
	if len(files) < 5 {
		t.Fatalf("want the example configurations, found %v", files)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			eff := load(t, path)
			out, err := Marshal(eff)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, strings.TrimSuffix(path, ".yaml")+".effective.golden", out)
			again, err := Parse("marshalled.yaml", out)
			if err != nil {
				t.Fatalf("the marshalled configuration does not parse:\n%v\n%s", err, out)
			}
			eff2, err := Effective(again, Overrides{})
			if err != nil {
				t.Fatalf("the marshalled configuration is not valid:\n%v", err)
			}
			if !sameConfig(eff, eff2) {
				t.Errorf("round trip changed the configuration:\n%+v\n%+v", eff, eff2)
			}
		})
	}
}

// TestErrors parses every testdata/errors/*.yaml and compares the problems
// (Parse's, or Effective's when Parse accepts the file) with NAME.golden.
// Together they cover every message the package writes.
func TestErrors(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob(filepath.Join("testdata", "errors", "*.yaml"))
	if len(files) == 0 {
		t.Fatal("no error fixtures")
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := Parse(filepath.Base(path), data)
			stage := "parse"
			if err == nil {
				stage = "effective"
				_, err = Effective(cfg, Overrides{})
			}
			if err == nil {
				t.Fatalf("%s: no error", path)
			}
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("error is %T, want Errors", err)
			}
			for _, e := range errs {
				if e.File != filepath.Base(path) || e.Pos.Line == 0 {
					t.Errorf("problem without a position: %v", e)
				}
			}
			golden(t, strings.TrimSuffix(path, ".yaml")+".golden", []byte(stage+":\n"+err.Error()+"\n"))
		})
	}
}

var readFile = os.ReadFile

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := readFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
