package config

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// TestSchemaUpToDate regenerates the schema from the Go types and compares
// it with the committed schema.json (rewrite it with -update).
func TestSchemaUpToDate(t *testing.T) {
	t.Parallel()
	got, err := generateSchema()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "schema.json", got)
	if !bytes.Equal(Schema(), schemaJSON) {
		t.Error("Schema() does not return the embedded schema")
	}
}

// compileSchema compiles the committed schema with a draft 2020-12
// validator.
func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(Schema()))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource("schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("schema.json")
	if err != nil {
		t.Fatalf("compiling schema.json: %v", err)
	}
	return s
}

// yamlDoc turns a YAML document into the JSON value a validator reads.
func yamlDoc(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	if v == nil {
		v = map[string]any{}
	}
	j, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(j))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestSchemaValidates checks the schema against the parser: every example
// configuration, as written and as marshalled, and the defaults validate;
// configurations the parser refuses for their shape do not.
func TestSchemaValidates(t *testing.T) {
	t.Parallel()
	s := compileSchema(t)
	files, _ := filepath.Glob(filepath.Join("testdata", "examples", "*.yaml"))
	for _, path := range files {
		data := mustRead(t, path)
		if err := s.Validate(yamlDoc(t, data)); err != nil {
			t.Errorf("%s does not validate:\n%v", path, err)
		}
		out, err := Marshal(load(t, path))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Validate(yamlDoc(t, out)); err != nil {
			t.Errorf("%s, marshalled, does not validate:\n%v", path, err)
		}
	}
	defaults, err := Marshal(Defaults())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(yamlDoc(t, defaults)); err != nil {
		t.Errorf("the defaults do not validate:\n%v", err)
	}

	bad := []struct{ name, doc string }{
		{"unknown key", "imagse: []"},
		{"unknown kind", "images: [{name: web, kind: nodejs}]"},
		{"port as a word", "images: [{name: web, kind: spa, port: eighty}]"},
		{"port out of range", "images: [{name: web, kind: spa, port: 70000}]"},
		{"image without a name", "images: [{kind: spa}]"},
		{"dockerfile image without a Dockerfile", "images: [{name: web, kind: dockerfile}]"},
		{"env value that is a list", "images: [{name: api, kind: node, env: {A: [1]}}]"},
		{"env reference with two keys", "images: [{name: api, kind: node, env: {A: {secret: X, from_service: database.url}}}]"},
		{"bad size", "budgets: {stack: lots}"},
		{"bad severity", "scan: {threshold: severe}"},
		{"bad waiver rule", "policy: {waivers: {non-rot: x}}"},
		{"unknown standard check", "smoke: {disable: [everything]}"},
		{"step with both actions", "smoke: {checks: [{name: c, steps: [{http: {path: /}, socketio: {emit: x}}]}]}"},
		{"bad tag kind", "tags: {kinds: [semvr]}"},
		{"version 2", "version: 2"},
	}
	for _, b := range bad {
		if err := s.Validate(yamlDoc(t, []byte(b.doc))); err == nil {
			t.Errorf("%s: %q validates", b.name, b.doc)
		}
		if _, err := Parse("bad.yaml", []byte(b.doc)); err == nil {
			t.Errorf("%s: %q parses", b.name, b.doc)
		}
	}
}
