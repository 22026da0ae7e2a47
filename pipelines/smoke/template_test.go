package smoke

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func testVars() vars {
	return vars{
		"nonce": "abc123",
		"id":    json.Number("42"),
		"ok":    true,
		"room":  map[string]any{"id": json.Number("7"), "name": "lobby"},
	}
}

func TestExpandText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, want, err string
	}{
		{"plain", "plain", ""},
		{"", "", ""},
		{"smoke-{{nonce}}", "smoke-abc123", ""},
		{"{{ nonce }}/{{id}}", "abc123/42", ""},
		{"/api/notes/{{id}}?x={{ok}}", "/api/notes/42?x=true", ""},
		{"{{room}}", `{"id":7,"name":"lobby"}`, ""},
		{"{{nonce}}{{nonce}}", "abc123abc123", ""},
		{"{{missing}}", "", "{{missing}} is not defined"},
		{"a {{nonce}} {{room_id}}", "", "{{room_id}} is not defined: capture it in an earlier step, or use one of id, nonce, ok, room"},
		{"{{}}", "", "empty reference"},
		{"{{ }}", "", "empty reference"},
		{"{{nonce", "", "unbalanced braces"},
		{"nonce}}", "", "unbalanced braces"},
		{"{{a.b}}", "", `"a.b" in "{{a.b}}" is not a variable name`},
		{"{{{nonce}}}", "{abc123}", ""}, // single braces are text, as in package config
	} {
		got, err := testVars().expand(tc.in)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("expand(%q) = %q, %v; want error %q", tc.in, got, err, tc.err)
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("expand(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestUndefinedVariableIsTyped(t *testing.T) {
	t.Parallel()
	_, err := testVars().expandJSON(map[string]any{"a": []any{"x", "{{who}}"}})
	var ue *UndefinedVariableError
	if !errors.As(err, &ue) || ue.Name != "who" {
		t.Fatalf("err = %v, want an UndefinedVariableError for who", err)
	}
	if !strings.Contains(err.Error(), "a: [1]: {{who}} is not defined") {
		t.Errorf("the error does not say where: %v", err)
	}
}

func TestExpandJSONWalksTheStructure(t *testing.T) {
	t.Parallel()
	in := map[string]any{
		"name":      "smoke-{{nonce}}",
		"id":        "{{id}}",     // a whole reference keeps the captured type
		"id_text":   "#{{id}}",    // inside text it is text
		"room":      "{{ room }}", // an object stays an object
		"list":      []any{"{{ok}}", int64(3), 2.5, nil, false, "{{nonce}}"},
		"{{nonce}}": map[string]any{"deep": []any{map[string]any{"x": "{{nonce}}"}}},
	}
	got, err := testVars().expandJSON(in)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"name":    "smoke-abc123",
		"id":      json.Number("42"),
		"id_text": "#42",
		"room":    map[string]any{"id": json.Number("7"), "name": "lobby"},
		"list":    []any{true, json.Number("3"), json.Number("2.5"), nil, false, "abc123"},
		"abc123":  map[string]any{"deep": []any{map[string]any{"x": "abc123"}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("expandJSON =\n%#v\nwant\n%#v", got, want)
	}
	b, _ := json.Marshal(got)
	if !strings.Contains(string(b), `"id":42`) {
		t.Errorf("a captured number is not sent as a number: %s", b)
	}
	// The input is left alone.
	if in["name"] != "smoke-{{nonce}}" {
		t.Errorf("expandJSON changed its input: %v", in)
	}
	if v, err := testVars().expandJSON(nil); v != nil || err != nil {
		t.Errorf("expandJSON(nil) = %v, %v", v, err)
	}
	if _, err := testVars().expandJSON(map[string]any{"f": func() {}}); err == nil {
		t.Error("a value JSON cannot encode was accepted")
	}
}

func TestExpandJSONBoundsNesting(t *testing.T) {
	t.Parallel()
	var deep any = "x"
	for range maxDepth + 5 {
		deep = []any{deep}
	}
	if _, err := testVars().expandJSON(deep); err == nil || !strings.Contains(err.Error(), "nested more than") {
		t.Errorf("deep value: %v", err)
	}
}

func mustDecode(t testing.TB, s string) any {
	t.Helper()
	v, err := decodeJSON([]byte(s))
	if err != nil {
		t.Fatalf("decoding %s: %v", s, err)
	}
	return v
}

func TestLookup(t *testing.T) {
	t.Parallel()
	doc := mustDecode(t, `{"id":5,"room":{"id":"r1","members":["ann","bob"]},"items":[{"id":1},{"id":2,"tags":[]}],"n":null,"0":"zero"}`)
	for _, tc := range []struct {
		path string
		want any
		err  string
	}{
		{"id", json.Number("5"), ""},
		{"room.id", "r1", ""},
		{"room.members.1", "bob", ""},
		{"items.1.id", json.Number("2"), ""},
		{"items.1.tags", []any{}, ""},
		{"n", nil, ""},
		{"0", "zero", ""}, // a key that looks like an index
		{"room", map[string]any{"id": "r1", "members": []any{"ann", "bob"}}, ""},
		{"missing", nil, `field "missing": the answer has no field "missing" (fields: 0, id, items, n, room)`},
		{"room.name", nil, `field "room.name": room has no field "name" (fields: id, members)`},
		{"room.members.2", nil, `field "room.members.2": room.members has 2 items; no index 2`},
		{"room.members.-1", nil, `is an array; "-1" is not an index`},
		{"room.members.01", nil, `is an array; "01" is not an index`},
		{"room.members.first", nil, `is an array; "first" is not an index`},
		{"id.value", nil, `field "id.value": id is the number 5, not an object or array`},
		{"room.id.x", nil, `room.id is the string "r1", not an object or array`},
		{"n.x", nil, `n is null`},
		{"", nil, "is not a field path"},
		{"room..id", nil, "empty name between dots"},
		{"room.", nil, "empty name between dots"},
	} {
		got, err := lookup(doc, tc.path)
		switch {
		case tc.err != "":
			var fe *FieldPathError
			if err == nil || !strings.Contains(err.Error(), tc.err) || !errors.As(err, &fe) {
				t.Errorf("lookup(%q) = %v, %v; want error %q", tc.path, got, err, tc.err)
			}
		case err != nil || !reflect.DeepEqual(got, tc.want):
			t.Errorf("lookup(%q) = %#v, %v; want %#v", tc.path, got, err, tc.want)
		}
	}
	if _, err := lookup(mustDecode(t, `[1,2]`), "1"); err != nil {
		t.Errorf("an index into a top-level array: %v", err)
	}
	if _, err := lookup(mustDecode(t, `"text"`), "x"); err == nil || !strings.Contains(err.Error(), "the answer is the string") {
		t.Errorf("a field of a string answer: %v", err)
	}
}

func TestEqualJSON(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{`1`, `1.0`, true},
		{`12.5`, `12.50`, true},
		{`1e2`, `100`, true},
		{`9007199254740993`, `9007199254740992`, false}, // exact for 64-bit integers
		{`1`, `"1"`, false},
		{`"a"`, `"a"`, true},
		{`true`, `true`, true},
		{`true`, `1`, false},
		{`null`, `null`, true},
		{`null`, `0`, false},
		{`[1,{"a":[true]}]`, `[1.0,{"a":[true]}]`, true},
		{`[1,2]`, `[2,1]`, false},
		{`{"a":1,"b":2}`, `{"b":2,"a":1}`, true},
		{`{"a":1}`, `{"a":1,"b":2}`, false},
		{`{"a":1}`, `{"b":1}`, false},
	} {
		a, b := mustDecode(t, tc.a), mustDecode(t, tc.b)
		if got := equalJSON(a, b); got != tc.want {
			t.Errorf("equalJSON(%s, %s) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
		if got := equalJSON(b, a); got != tc.want {
			t.Errorf("equalJSON(%s, %s) = %v, want %v (reversed)", tc.b, tc.a, got, tc.want)
		}
	}
}

func TestCaptureKeepsTheValue(t *testing.T) {
	t.Parallel()
	r := &checkRun{vars: vars{"nonce": "n"}}
	doc := mustDecode(t, `{"room":{"id":7,"name":"r-n"},"items":[{"id":"a"}],"gone":null}`)
	if err := r.capture(doc, map[string]string{"room_id": "room.id", "first": "items.0.id", "room": "room"}); err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{
		"/rooms/{{room_id}}/items/{{first}}": "/rooms/7/items/a",
		"{{room}}":                           `{"id":7,"name":"r-n"}`,
	} {
		if got, err := r.vars.expand(in); err != nil || got != want {
			t.Errorf("expand(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if err := r.capture(doc, map[string]string{"x": "room.owner"}); err == nil || !strings.Contains(err.Error(), `capturing x: field "room.owner": room has no field "owner"`) {
		t.Errorf("missing path: %v", err)
	}
	if err := r.capture(doc, map[string]string{"g": "gone"}); err == nil || !strings.Contains(err.Error(), "is null") {
		t.Errorf("null: %v", err)
	}
}

func FuzzExpand(f *testing.F) {
	for _, s := range []string{"", "smoke-{{nonce}}", "{{ id }}/{{room}}", "{{", "}}", "{{}}", "{{a.b}}", "{{{x}}}", "{{nonce}}{{", "\x00{{ok}}\xff"} {
		f.Add(s)
	}
	v := testVars()
	f.Fuzz(func(t *testing.T, s string) {
		out, err := v.expand(s)
		if err != nil {
			if out != "" {
				t.Errorf("expand(%q) returned %q with error %v", s, out, err)
			}
			return
		}
		names, rerr := refs(s)
		if rerr != nil {
			t.Fatalf("expand(%q) succeeded but refs fails: %v", s, rerr)
		}
		if len(names) == 0 && out != s {
			t.Errorf("expand(%q) = %q: a string without references changed", s, out)
		}
		if !strings.Contains(s, "{{") && strings.Contains(out, "{{") {
			t.Errorf("expand(%q) = %q: braces appeared", s, out)
		}
		// Walking a structure agrees with text expansion of its strings
		// (JSON text is UTF-8: encoding replaces invalid bytes).
		if !utf8.ValidString(s) {
			return
		}
		got, err := v.expandJSON(map[string]any{"k": []any{s + "."}})
		if err != nil {
			t.Fatalf("expandJSON of %q failed where expand succeeded: %v", s, err)
		}
		if w := got.(map[string]any)["k"].([]any)[0]; w != out+"." {
			t.Errorf("expandJSON(%q.) = %q, want %q", s, w, out+".")
		}
	})
}

func FuzzLookup(f *testing.F) {
	for _, tc := range [][2]string{
		{`{"id":5,"room":{"id":"r1"}}`, "room.id"},
		{`{"items":[{"id":1},{"id":2}]}`, "items.1.id"},
		{`[1,[2,[3]]]`, "1.1.0"},
		{`{"a":null}`, "a.b"},
		{`"s"`, "0"},
		{`{"":1}`, ""},
		{`{"a":{"b":[]}}`, "a..b"},
		{`[0]`, "99999999999999999999"},
	} {
		f.Add(tc[0], tc[1])
	}
	f.Fuzz(func(t *testing.T, doc, path string) {
		d, err := decodeJSON([]byte(doc))
		if err != nil {
			return
		}
		v, err := lookup(d, path)
		if err != nil {
			var fe *FieldPathError
			if !errors.As(err, &fe) || fe.Path != path {
				t.Fatalf("lookup(%s, %q): error %v is not a FieldPathError for the path", doc, path, err)
			}
			return
		}
		// A found value is part of the document: looking it up again by
		// the same path gives an equal value, and it encodes as JSON.
		again, err := lookup(d, path)
		if err != nil || !equalJSON(v, again) {
			t.Fatalf("lookup(%s, %q) is not stable: %v then %v (%v)", doc, path, v, again, err)
		}
		if _, err := json.Marshal(v); err != nil {
			t.Fatalf("lookup(%s, %q) = %#v does not encode: %v", doc, path, v, err)
		}
		// Capturing it and expanding {{x}} as a whole JSON string gives it back.
		r := &checkRun{vars: vars{}}
		if v == nil {
			return
		}
		if err := r.capture(d, map[string]string{"x": path}); err != nil {
			t.Fatalf("capture of %q: %v", path, err)
		}
		back, err := r.vars.expandJSON("{{x}}")
		if err != nil || !equalJSON(back, v) {
			t.Fatalf("{{x}} after capturing %q = %#v, %v; want %#v", path, back, err, v)
		}
	})
}

func BenchmarkExpandJSON(b *testing.B) {
	v := testVars()
	payload := map[string]any{"name": "smoke-{{nonce}}", "room": "{{room}}", "items": []any{"{{id}}", "x", int64(3), map[string]any{"k": "v {{nonce}}"}}}
	for b.Loop() {
		if _, err := v.expandJSON(payload); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLookup(b *testing.B) {
	doc := mustDecode(b, `{"room":{"id":"r1","members":[{"name":"a"},{"name":"b"},{"name":"c"}]}}`)
	for b.Loop() {
		if _, err := lookup(doc, "room.members.2.name"); err != nil {
			b.Fatal(err)
		}
	}
}
