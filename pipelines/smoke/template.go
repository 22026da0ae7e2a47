package smoke

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// A declared check's steps share variables: {{nonce}}, and what earlier
// steps captured from JSON answers. A variable holds a decoded JSON value
// (string, json.Number, bool, map[string]any, []any), so a captured number
// stays a number where it can.

// templateRE matches one {{ name }} reference (spaces allowed inside the
// braces), as package config writes them.
var templateRE = regexp.MustCompile(`\{\{\s*([^{}\s]*)\s*\}\}`)

// varNameRE is a variable name: letters, digits and '_', not starting with a
// digit.
var varNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// UndefinedVariableError is a {{name}} reference to a variable no earlier
// step defined.
type UndefinedVariableError struct {
	// Name is the variable referred to.
	Name string
	// Defined are the variables defined at that point, sorted.
	Defined []string
}

func (e *UndefinedVariableError) Error() string {
	return fmt.Sprintf("{{%s}} is not defined: capture it in an earlier step, or use one of %s", e.Name, strings.Join(e.Defined, ", "))
}

// vars are the variables of one run of a declared check.
type vars map[string]any

func (v vars) names() []string { return slices.Sorted(maps.Keys(v)) }

// refs returns the variable names s refers to, in order, or an error for a
// malformed template: an empty reference, an unclosed "{{" or a stray "}}".
func refs(s string) ([]string, error) {
	if !strings.Contains(s, "{{") && !strings.Contains(s, "}}") {
		return nil, nil
	}
	var out []string
	for _, m := range templateRE.FindAllStringSubmatch(s, -1) {
		if m[1] == "" {
			return nil, fmt.Errorf("empty reference %q in %q", m[0], clip(s))
		}
		if !varNameRE.MatchString(m[1]) {
			return nil, fmt.Errorf("%q in %q is not a variable name: use letters, digits and '_'", m[1], clip(s))
		}
		out = append(out, m[1])
	}
	rest := templateRE.ReplaceAllString(s, "")
	if strings.Contains(rest, "{{") || strings.Contains(rest, "}}") {
		return nil, fmt.Errorf("unbalanced braces in %q: write references as {{name}}", clip(s))
	}
	return out, nil
}

// text is a variable's value as text: a string as is, anything else as
// compact JSON (a number as written in the answer).
func text(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, err := json.Marshal(v)
	if err != nil { // values come from decoded JSON and always marshal
		return fmt.Sprint(v)
	}
	return string(b)
}

// expand replaces every {{name}} in s by the text of its value.
func (v vars) expand(s string) (string, error) {
	names, err := refs(s)
	if err != nil {
		return "", err
	}
	if len(names) == 0 {
		return s, nil
	}
	for _, n := range names {
		if _, ok := v[n]; !ok {
			return "", &UndefinedVariableError{Name: n, Defined: v.names()}
		}
	}
	return templateRE.ReplaceAllStringFunc(s, func(m string) string {
		return text(v[templateRE.FindStringSubmatch(m)[1]])
	}), nil
}

// maxDepth bounds the nesting of JSON values the runner walks.
const maxDepth = 64

// expandJSON returns a copy of x, any JSON-encodable value, with templates
// expanded in every string and object key. A string that is exactly one
// reference ("{{room_id}}") becomes the variable's value with its JSON type,
// so a captured number is sent as a number; other strings stay strings.
func (v vars) expandJSON(x any) (any, error) {
	norm, err := normalize(x)
	if err != nil {
		return nil, err
	}
	return v.walk(norm, 0)
}

func (v vars) walk(x any, depth int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("JSON value nested more than %d levels", maxDepth)
	}
	switch x := x.(type) {
	case string:
		if m := templateRE.FindStringSubmatch(x); m != nil && m[0] == x && varNameRE.MatchString(m[1]) {
			val, ok := v[m[1]]
			if !ok {
				return nil, &UndefinedVariableError{Name: m[1], Defined: v.names()}
			}
			return val, nil
		}
		return v.expand(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			ev, err := v.walk(e, depth+1)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			out[i] = ev
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for _, k := range slices.Sorted(maps.Keys(x)) {
			nk, err := v.expand(k)
			if err != nil {
				return nil, fmt.Errorf("key %q: %w", k, err)
			}
			ev, err := v.walk(x[k], depth+1)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			out[nk] = ev
		}
		return out, nil
	default:
		return x, nil
	}
}

// normalize turns any JSON-encodable value into what a decoder with
// UseNumber gives: map[string]any, []any, string, json.Number, bool, nil.
func normalize(x any) (any, error) {
	if x == nil {
		return nil, nil
	}
	b, err := json.Marshal(x)
	if err != nil {
		return nil, fmt.Errorf("encoding %T as JSON: %w", x, err)
	}
	return decodeJSON(b)
}

// decodeJSON decodes one JSON value with numbers kept as written.
func decodeJSON(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var x any
	if err := d.Decode(&x); err != nil {
		return nil, err
	}
	if d.More() {
		return nil, errors.New("more than one JSON value")
	}
	return x, nil
}

// FieldPathError is a field path that does not lead to a value of a JSON
// document.
type FieldPathError struct {
	// Path is the whole dotted path, e.g. "room.members.0".
	Path string
	// At is the part of the path that was found, e.g. "room".
	At string
	// Reason says what was there instead.
	Reason string
}

func (e *FieldPathError) Error() string {
	if e.At == "" {
		return fmt.Sprintf("field %q: %s", e.Path, e.Reason)
	}
	return fmt.Sprintf("field %q: %s %s", e.Path, e.At, e.Reason)
}

// lookup returns the value at a dotted field path of a decoded JSON
// document: object keys and array indexes ("items.0.id") separated by dots.
func lookup(doc any, path string) (any, error) {
	if path == "" {
		return nil, &FieldPathError{Path: path, Reason: "is not a field path: name a field, e.g. \"id\" or \"room.id\""}
	}
	cur := doc
	at := ""
	for part := range strings.SplitSeq(path, ".") {
		here := part
		if at != "" {
			here = at + "." + part
		}
		if part == "" {
			return nil, &FieldPathError{Path: path, Reason: "is not a field path: an empty name between dots"}
		}
		switch c := cur.(type) {
		case map[string]any:
			next, ok := c[part]
			if !ok {
				return nil, &FieldPathError{Path: path, At: describeAt(at), Reason: fmt.Sprintf("has no field %q (fields: %s)", part, fieldList(c))}
			}
			cur = next
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || strconv.Itoa(i) != part {
				return nil, &FieldPathError{Path: path, At: describeAt(at), Reason: fmt.Sprintf("is an array; %q is not an index", part)}
			}
			if i >= len(c) {
				return nil, &FieldPathError{Path: path, At: describeAt(at), Reason: fmt.Sprintf("has %d items; no index %d", len(c), i)}
			}
			cur = c[i]
		default:
			return nil, &FieldPathError{Path: path, At: describeAt(at), Reason: fmt.Sprintf("is %s, not an object or array", kindOf(cur))}
		}
		at = here
	}
	return cur, nil
}

func describeAt(at string) string {
	if at == "" {
		return "the answer"
	}
	return at
}

func fieldList(m map[string]any) string {
	keys := slices.Sorted(maps.Keys(m))
	if len(keys) == 0 {
		return "none"
	}
	if len(keys) > 12 {
		keys = append(keys[:12], "…")
	}
	return strings.Join(keys, ", ")
}

// kindOf names a decoded JSON value's type, with the value when short.
func kindOf(x any) string {
	switch x := x.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("the string %q", clip(x))
	case json.Number, float64, int64, int:
		return fmt.Sprintf("the number %v", x)
	case bool:
		return fmt.Sprintf("%v", x)
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	default:
		return fmt.Sprintf("a %T", x)
	}
}

// equalJSON reports whether two decoded JSON values are equal: numbers by
// value (1 equals 1.0), objects by their keys, arrays in order.
func equalJSON(a, b any) bool {
	switch a := a.(type) {
	case nil:
		return b == nil
	case string:
		s, ok := b.(string)
		return ok && s == a
	case bool:
		o, ok := b.(bool)
		return ok && o == a
	case json.Number:
		o, ok := b.(json.Number)
		return ok && sameNumber(a, o)
	case []any:
		o, ok := b.([]any)
		if !ok || len(o) != len(a) {
			return false
		}
		for i := range a {
			if !equalJSON(a[i], o[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		o, ok := b.(map[string]any)
		if !ok || len(o) != len(a) {
			return false
		}
		for k, v := range a {
			ov, ok := o[k]
			if !ok || !equalJSON(v, ov) {
				return false
			}
		}
		return true
	}
	return false
}

// sameNumber compares two JSON numbers: exactly when both are integers that
// fit 64 bits, as float64 otherwise.
func sameNumber(a, b json.Number) bool {
	if a == b {
		return true
	}
	ai, aerr := strconv.ParseInt(string(a), 10, 64)
	bi, berr := strconv.ParseInt(string(b), 10, 64)
	if aerr == nil && berr == nil {
		return ai == bi
	}
	af, aerr := strconv.ParseFloat(string(a), 64)
	bf, berr := strconv.ParseFloat(string(b), 64)
	return aerr == nil && berr == nil && af == bf
}
