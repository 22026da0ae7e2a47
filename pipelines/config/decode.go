package config

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/stack-ci/stack/pipelines/budget"
	"github.com/stack-ci/stack/pipelines/scan"
)

// DefaultFile is the configuration's file name at the source root;
// AlternateFile is accepted too.
const (
	DefaultFile   = "stack.yaml"
	AlternateFile = "stack.yml"
)

// Limits on the input, so a hostile file cannot exhaust memory or the stack.
const (
	maxFileSize   = 1 << 20
	maxDepth      = 64
	maxExpansions = 1_000
)

// source records where each key of a parsed file was written, and which
// values could not be read.
type source struct {
	file string
	pos  map[string]Position
	bad  map[string]bool
}

// broken reports whether path, or a value holding it, could not be read.
func (s *source) broken(path string) bool {
	if s == nil || len(s.bad) == 0 {
		return false
	}
	for p := path; ; p = parentPath(p) {
		if s.bad[p] {
			return true
		}
		if p == "" {
			return false
		}
	}
}

// lookup returns the position of path, or of its nearest written ancestor.
func (s *source) lookup(path string) (Position, bool) {
	if s == nil {
		return Position{}, false
	}
	for p := path; ; p = parentPath(p) {
		if pos, ok := s.pos[p]; ok {
			return pos, true
		}
		if p == "" {
			return Position{}, false
		}
	}
}

// parentPath drops the last element of a path: images[1].port → images[1]
// → images → "".
func parentPath(p string) string {
	if strings.HasSuffix(p, "]") {
		// the opening bracket of the last index, outside quotes
		depth, inQuote := 0, false
		for i := len(p) - 1; i >= 0; i-- {
			switch c := p[i]; {
			case c == '"' && (i == 0 || p[i-1] != '\\'):
				inQuote = !inQuote
			case c == ']' && !inQuote:
				depth++
			case c == '[' && !inQuote:
				depth--
				if depth == 0 {
					return p[:i]
				}
			}
		}
		return ""
	}
	if i := strings.LastIndexAny(p, ".]"); i >= 0 {
		if p[i] == ']' {
			return p[:i+1]
		}
		return p[:i]
	}
	return ""
}

// plainKey is a map key written in a path after a dot; others are quoted in
// brackets.
var plainKey = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

func keyPath(parent, key string) string {
	if !plainKey.MatchString(key) {
		return parent + "[" + strconv.Quote(key) + "]"
	}
	if parent == "" {
		return key
	}
	return parent + "." + key
}

func indexPath(parent string, i int) string { return parent + "[" + strconv.Itoa(i) + "]" }

// Parse reads a stack.yaml. filename is used in messages only. It returns
// the configuration as written (defaults are applied by Effective) and, if
// anything is wrong, an Errors value with every problem at once, each with
// FILE:LINE:COL: unknown keys (with a suggestion), values of the wrong type,
// and invalid values. The defaults are not applied to the returned Config:
// pass it to Effective (after package detect has filled what it can).
func Parse(filename string, data []byte) (Config, error) {
	src := &source{file: filename, pos: map[string]Position{}, bad: map[string]bool{}}
	cfg := Config{src: src}
	d := &decoder{src: src}
	if len(data) > maxFileSize {
		return cfg, Errors{{File: filename, Msg: fmt.Sprintf("the file is %d bytes; a stack.yaml is at most %d", len(data), maxFileSize)}}
	}
	file, err := parseYAML(data)
	if err != nil {
		return cfg, Errors{syntaxError(filename, err)}
	}
	var body ast.Node
	for _, doc := range file.Docs {
		if doc == nil || doc.Body == nil {
			continue
		}
		if body != nil {
			d.note(doc.Body, "", "a second YAML document; a stack.yaml holds one (remove the ---)")
			break
		}
		body = doc.Body
	}
	if body != nil {
		d.collectAnchors(body, 0)
		d.decode("", body, reflect.ValueOf(&cfg).Elem(), fieldMeta{}, 0)
	}
	cfg.src = src
	errs := append(Errors(nil), d.errs...)
	if _, verrs := effective(cfg, Overrides{}, true); verrs != nil {
		errs = append(errs, verrs...)
	}
	return cfg, errs.err()
}

// parseYAML parses data, turning a panic of the YAML library into an error.
func parseYAML(data []byte) (f *ast.File, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the YAML parser failed: %v", r)
		}
	}()
	return parser.ParseBytes(data, 0)
}

func syntaxError(filename string, err error) *Error {
	e := &Error{File: filename, Msg: "invalid YAML: " + err.Error()}
	var se *yaml.SyntaxError
	if errors.As(err, &se) {
		e.Msg = "invalid YAML: " + se.Message
		if se.Token != nil && se.Token.Position != nil {
			e.Pos = Position{se.Token.Position.Line, se.Token.Position.Column}
		}
	}
	return e
}

// decoder walks the YAML syntax tree into Go values, recording positions and
// collecting every problem.
type decoder struct {
	src        *source
	errs       Errors
	anchors    []anchorDef
	expansions int
}

type anchorDef struct {
	name   string
	offset int
	node   ast.Node
}

// position returns where n starts: its token's position, or for a mapping
// its first key's (a mapping's own token is its first ':').
func position(n ast.Node) Position {
	switch m := n.(type) {
	case nil:
		return Position{}
	case *ast.MappingNode:
		if len(m.Values) > 0 && !m.IsFlowStyle {
			return position(m.Values[0])
		}
	case *ast.MappingValueNode:
		if m.Key != nil {
			return position(m.Key)
		}
	}
	if tk := n.GetToken(); tk != nil && tk.Position != nil {
		return Position{tk.Position.Line, tk.Position.Column}
	}
	return Position{}
}

func offset(n ast.Node) int {
	if tk := n.GetToken(); tk != nil && tk.Position != nil {
		return tk.Position.Offset
	}
	return 0
}

// fail records that the value at path could not be read.
func (d *decoder) fail(n ast.Node, path, format string, args ...any) {
	d.src.bad[path] = true
	d.note(n, path, format, args...)
}

// note records a problem in the mapping at path that leaves its other
// values readable (an unknown key).
func (d *decoder) note(n ast.Node, path, format string, args ...any) {
	d.errs = append(d.errs, &Error{File: d.src.file, Pos: position(n), Path: path, Msg: fmt.Sprintf(format, args...)})
}

// collectAnchors records every &anchor with its offset, so an alias resolves
// to the last anchor of that name written before it.
func (d *decoder) collectAnchors(n ast.Node, depth int) {
	if n == nil || depth > maxDepth {
		return
	}
	switch n := n.(type) {
	case *ast.AnchorNode:
		if n.Name != nil {
			d.anchors = append(d.anchors, anchorDef{name: n.Name.GetToken().Value, offset: offset(n), node: n.Value})
		}
		d.collectAnchors(n.Value, depth+1)
	case *ast.MappingNode:
		for _, v := range n.Values {
			d.collectAnchors(v, depth+1)
		}
	case *ast.MappingValueNode:
		d.collectAnchors(n.Key, depth+1)
		d.collectAnchors(n.Value, depth+1)
	case *ast.MappingKeyNode:
		d.collectAnchors(n.Value, depth+1)
	case *ast.SequenceNode:
		for _, v := range n.Values {
			d.collectAnchors(v, depth+1)
		}
	case *ast.TagNode:
		d.collectAnchors(n.Value, depth+1)
	}
}

// resolve unwraps anchors, aliases and standard tags. ok is false when the
// node is unusable (the problem is recorded).
func (d *decoder) resolve(path string, n ast.Node, depth int) (ast.Node, bool) {
	for i := 0; ; i++ {
		if i > maxDepth || depth > maxDepth {
			d.fail(n, path, "nested too deeply")
			return nil, false
		}
		switch x := n.(type) {
		case *ast.AnchorNode:
			n = x.Value
		case *ast.AliasNode:
			d.expansions++
			if d.expansions > maxExpansions {
				d.fail(n, path, "too many alias expansions (more than %d)", maxExpansions)
				return nil, false
			}
			name := ""
			if x.Value != nil {
				name = x.Value.GetToken().Value
			}
			var target ast.Node
			for _, a := range d.anchors {
				if a.name == name && a.offset < offset(x) {
					target = a.node
				}
			}
			if target == nil {
				d.fail(n, path, "alias *%s: no anchor &%s before it", name, name)
				return nil, false
			}
			n = target
		case *ast.TagNode:
			tag := x.Start.Value
			switch tag {
			case "!!str", "!!int", "!!bool", "!!float", "!!null", "!!map", "!!seq", "!":
			default:
				d.fail(n, path, "YAML tag %s is not supported; remove it", tag)
				return nil, false
			}
			if tag == "!!str" {
				if inner, ok := d.resolve(path, x.Value, depth+1); ok {
					if text, _, isScalar := scalarText(inner); isScalar {
						tk := *inner.GetToken()
						tk.Value = text
						return ast.String(&tk), true
					}
				}
			}
			n = x.Value
		default:
			return n, true
		}
	}
}

// scalarText returns the text of a scalar node and whether it was written as
// a string.
func scalarText(n ast.Node) (text string, isString, ok bool) {
	switch n := n.(type) {
	case *ast.StringNode:
		return n.Value, true, true
	case *ast.LiteralNode:
		if n.Value == nil {
			return "", true, true
		}
		return n.Value.Value, true, true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		return n.GetToken().Value, false, true
	}
	return "", false, false
}

// describe says what a node is, for "got …" in messages.
func describe(n ast.Node) string {
	switch n.(type) {
	case nil, *ast.NullNode:
		return "null"
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	}
	if text, isString, ok := scalarText(n); ok {
		if isString {
			return quote(text)
		}
		return text
	}
	return "a " + strings.ToLower(n.Type().String())
}

// fieldMeta is what a struct tag says about a field's values.
type fieldMeta struct {
	min, max *int64
}

func (m fieldMeta) intWant() string {
	if m.min != nil && m.max != nil {
		return fmt.Sprintf("an integer from %d to %d", *m.min, *m.max)
	}
	return "an integer"
}

// structField is one field of a struct as the file names it.
type structField struct {
	key   string
	index int
	meta  fieldMeta
}

var structFieldsCache sync.Map // reflect.Type → []structField

func structFields(t reflect.Type) []structField {
	if v, ok := structFieldsCache.Load(t); ok {
		return v.([]structField)
	}
	var out []structField
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		if !f.IsExported() || tag == "-" || tag == "" {
			continue
		}
		key, _, _ := strings.Cut(tag, ",")
		sf := structField{key: key, index: i}
		for _, opt := range strings.Split(f.Tag.Get("jsonschema"), ",") {
			k, v, _ := strings.Cut(opt, "=")
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				continue
			}
			switch k {
			case "minimum":
				sf.meta.min = &n
			case "maximum":
				sf.meta.max = &n
			}
		}
		out = append(out, sf)
	}
	structFieldsCache.Store(t, out)
	return out
}

var (
	envValueType = reflect.TypeFor[EnvValue]()
	limitType    = reflect.TypeFor[Limit]()
	durationType = reflect.TypeFor[Duration]()
	severityType = reflect.TypeFor[scan.Severity]()
	metricType   = reflect.TypeFor[budget.Metric]()
	anyType      = reflect.TypeFor[any]()
)

// decode fills v from n. Problems are recorded; v keeps what could be read.
func (d *decoder) decode(path string, n ast.Node, v reflect.Value, meta fieldMeta, depth int) {
	n, ok := d.resolve(path, n, depth)
	if !ok {
		return
	}
	if _, isNull := n.(*ast.NullNode); isNull || n == nil {
		return // as if absent
	}
	if path != "" {
		d.src.pos[path] = position(n)
	}
	switch v.Type() {
	case envValueType:
		d.envValue(path, n, v, depth)
		return
	case limitType:
		text, _, ok := scalarText(n)
		if !ok {
			d.fail(n, path, "want a size such as \"64MB\" or \"none\", got %s", describe(n))
			return
		}
		l, err := ParseLimit(text)
		if err != nil {
			d.fail(n, path, "%v", err)
			return
		}
		v.SetInt(int64(l))
		return
	case durationType:
		text, isString, ok := scalarText(n)
		if !ok || !isString {
			d.fail(n, path, "want a duration such as \"5s\" or \"1m30s\", got %s", describe(n))
			return
		}
		dur, err := ParseDuration(text)
		if err != nil {
			d.fail(n, path, "%v", err)
			return
		}
		v.SetInt(int64(dur))
		return
	case severityType:
		text, isString, ok := scalarText(n)
		if !ok || !isString {
			d.fail(n, path, "want a severity (UNKNOWN, LOW, MEDIUM, HIGH or CRITICAL), got %s", describe(n))
			return
		}
		s, err := scan.ParseSeverity(text)
		if err != nil {
			names := make([]string, 0, 5)
			for _, s := range scan.Severities() {
				names = append(names, s.String())
			}
			d.fail(n, path, "%v%s", err, suggest(strings.ToUpper(text), names))
			return
		}
		v.SetInt(int64(s))
		return
	case metricType:
		text, isString, ok := scalarText(n)
		if !ok || !isString {
			d.fail(n, path, "want uncompressed or compressed, got %s", describe(n))
			return
		}
		m, err := budget.ParseMetric(text)
		if err != nil {
			d.fail(n, path, "%v", err)
			return
		}
		v.SetString(string(m))
		return
	case anyType:
		if val, ok := d.jsonValue(path, n, depth+1); ok {
			v.Set(reflect.ValueOf(&val).Elem())
		}
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		d.structValue(path, n, v, depth)
	case reflect.Map:
		entries, ok := d.entries(path, n, depth)
		if !ok {
			return
		}
		m := reflect.MakeMapWithSize(v.Type(), len(entries))
		for _, e := range entries {
			elem := reflect.New(v.Type().Elem()).Elem()
			d.decode(keyPath(path, e.key), e.value, elem, meta, depth+1)
			m.SetMapIndex(reflect.ValueOf(e.key).Convert(v.Type().Key()), elem)
		}
		v.Set(m)
	case reflect.Slice:
		seq, ok := n.(*ast.SequenceNode)
		if !ok {
			d.fail(n, path, "want a list, got %s", describe(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), 0, len(seq.Values))
		for i, item := range seq.Values {
			elem := reflect.New(v.Type().Elem()).Elem()
			d.decode(indexPath(path, i), item, elem, meta, depth+1)
			s = reflect.Append(s, elem)
		}
		v.Set(s)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		d.decode(path, n, p.Elem(), meta, depth)
		v.Set(p)
	case reflect.String:
		text, _, ok := scalarText(n)
		if !ok {
			d.fail(n, path, "want a string, got %s", describe(n))
			return
		}
		v.SetString(text)
	case reflect.Int, reflect.Int64:
		in, ok := n.(*ast.IntegerNode)
		var i int64
		if ok {
			switch x := in.Value.(type) {
			case int64:
				i = x
			case uint64:
				ok = x <= math.MaxInt32
				i = int64(min(x, math.MaxInt32))
			default:
				ok = false
			}
		}
		if !ok || (meta.min != nil && i < *meta.min) || (meta.max != nil && i > *meta.max) || i > math.MaxInt32 || i < math.MinInt32 {
			d.fail(n, path, "want %s, got %s", meta.intWant(), describe(n))
			return
		}
		v.SetInt(i)
	case reflect.Bool:
		b, ok := n.(*ast.BoolNode)
		if !ok {
			d.fail(n, path, "want true or false, got %s", describe(n))
			return
		}
		v.SetBool(b.Value)
	default:
		d.fail(n, path, "cannot read a value of Go type %s", v.Type())
	}
}

type entry struct {
	key     string
	keyNode ast.Node
	value   ast.Node
}

// entries returns the key/value pairs of a mapping, with << merge keys
// applied (keys written in the mapping win).
func (d *decoder) entries(path string, n ast.Node, depth int) ([]entry, bool) {
	var values []*ast.MappingValueNode
	switch m := n.(type) {
	case *ast.MappingNode:
		values = m.Values
	case *ast.MappingValueNode:
		values = []*ast.MappingValueNode{m}
	default:
		d.fail(n, path, "want a mapping of keys to values, got %s", describe(n))
		return nil, false
	}
	var out, merged []entry
	seen := map[string]bool{}
	for _, mv := range values {
		if _, isMerge := mv.Key.(*ast.MergeKeyNode); isMerge {
			merged = append(merged, d.mergeEntries(path, mv.Value, depth+1)...)
			continue
		}
		keyNode, ok := d.resolve(path, mv.Key, depth+1)
		if !ok {
			continue
		}
		if mk, isKey := keyNode.(*ast.MappingKeyNode); isKey {
			if keyNode, ok = d.resolve(path, mk.Value, depth+1); !ok {
				continue
			}
		}
		key, _, isScalar := scalarText(keyNode)
		if !isScalar {
			d.note(mv.Key, path, "keys must be strings, got %s", describe(keyNode))
			continue
		}
		if seen[key] {
			d.note(mv.Key, path, "key %q written twice", key)
			continue
		}
		seen[key] = true
		out = append(out, entry{key: key, keyNode: mv.Key, value: mv.Value})
	}
	for _, e := range merged {
		if !seen[e.key] {
			seen[e.key] = true
			out = append(out, e)
		}
	}
	return out, true
}

// mergeEntries returns the entries of the value of a << key: a mapping or a
// list of mappings.
func (d *decoder) mergeEntries(path string, n ast.Node, depth int) []entry {
	n, ok := d.resolve(path, n, depth)
	if !ok {
		return nil
	}
	if seq, isSeq := n.(*ast.SequenceNode); isSeq {
		var out []entry
		for _, item := range seq.Values {
			out = append(out, d.mergeEntries(path, item, depth+1)...)
		}
		return out
	}
	es, _ := d.entries(path, n, depth+1)
	return es
}

func (d *decoder) structValue(path string, n ast.Node, v reflect.Value, depth int) {
	entries, ok := d.entries(path, n, depth)
	if !ok {
		return
	}
	fields := structFields(v.Type())
	keys := make([]string, len(fields))
	for i, f := range fields {
		keys[i] = f.key
	}
	for _, e := range entries {
		i := slices.IndexFunc(fields, func(f structField) bool { return f.key == e.key })
		if i < 0 && path == "" && strings.HasPrefix(e.key, "x-") {
			continue // an extension key at the top, e.g. to hold anchors
		}
		if i < 0 {
			d.note(e.keyNode, path, "unknown key %q%s", e.key, unknownKeyHint(e.key, keys))
			continue
		}
		f := fields[i]
		d.decode(keyPath(path, f.key), e.value, v.Field(f.index), f.meta, depth+1)
	}
}

func unknownKeyHint(key string, valid []string) string {
	if s := suggest(key, valid); s != "" {
		return s
	}
	sorted := slices.Clone(valid)
	slices.Sort(sorted)
	return "; the keys here are " + strings.Join(sorted, ", ")
}

// envValue reads a string, {secret: NAME} or {from_service: FACT}.
func (d *decoder) envValue(path string, n ast.Node, v reflect.Value, depth int) {
	if text, _, ok := scalarText(n); ok {
		v.Set(reflect.ValueOf(EnvValue{Value: text}))
		return
	}
	if _, isMap := n.(*ast.MappingNode); !isMap {
		if _, isMV := n.(*ast.MappingValueNode); !isMV {
			d.fail(n, path, "want a string, {secret: NAME} or {from_service: FACT}, got %s", describe(n))
			return
		}
	}
	entries, ok := d.entries(path, n, depth)
	if !ok {
		return
	}
	if len(entries) != 1 {
		d.fail(n, path, "want exactly one of secret or from_service, got %d keys", len(entries))
		return
	}
	e := entries[0]
	var target *string
	var ev EnvValue
	switch e.key {
	case "secret":
		target = &ev.Secret
	case "from_service":
		target = &ev.FromService
	default:
		d.fail(e.keyNode, path, "unknown key %q%s", e.key, unknownKeyHint(e.key, []string{"secret", "from_service"}))
		return
	}
	inner, ok := d.resolve(path, e.value, depth+1)
	if !ok {
		return
	}
	text, isString, ok := scalarText(inner)
	if !ok || !isString || text == "" {
		d.fail(inner, keyPath(path, e.key), "want a name, got %s", describe(inner))
		return
	}
	*target = text
	v.Set(reflect.ValueOf(ev))
}

// jsonValue converts a YAML value to what encoding/json would decode:
// map[string]any, []any, string, float64 or int64, bool, nil.
func (d *decoder) jsonValue(path string, n ast.Node, depth int) (any, bool) {
	n, ok := d.resolve(path, n, depth)
	if !ok {
		return nil, false
	}
	if depth > maxDepth {
		d.fail(n, path, "nested too deeply")
		return nil, false
	}
	switch x := n.(type) {
	case nil, *ast.NullNode:
		return nil, true
	case *ast.BoolNode:
		return x.Value, true
	case *ast.IntegerNode:
		switch i := x.Value.(type) {
		case int64:
			return i, true
		case uint64:
			return float64(i), true
		}
	case *ast.FloatNode:
		if math.IsInf(x.Value, 0) || math.IsNaN(x.Value) {
			break
		}
		return x.Value, true
	case *ast.StringNode, *ast.LiteralNode:
		text, _, _ := scalarText(x)
		return text, true
	case *ast.SequenceNode:
		out := make([]any, 0, len(x.Values))
		for i, item := range x.Values {
			v, ok := d.jsonValue(indexPath(path, i), item, depth+1)
			if !ok {
				return nil, false
			}
			out = append(out, v)
		}
		return out, true
	case *ast.MappingNode, *ast.MappingValueNode:
		entries, ok := d.entries(path, x, depth)
		if !ok {
			return nil, false
		}
		out := make(map[string]any, len(entries))
		for _, e := range entries {
			v, ok := d.jsonValue(keyPath(path, e.key), e.value, depth+1)
			if !ok {
				return nil, false
			}
			out[e.key] = v
		}
		return out, true
	}
	d.fail(n, path, "%s is not a JSON value", describe(n))
	return nil, false
}
