package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/invopop/jsonschema"
	orderedmap "github.com/pb33f/ordered-map/v2"

	"github.com/stack-ci/stack/pipelines/budget"
	"github.com/stack-ci/stack/pipelines/policy"
	"github.com/stack-ci/stack/pipelines/scan"
	"github.com/stack-ci/stack/pipelines/tags"
)

// schemaID is the schema's $id.
const schemaID = "https://github.com/stack-ci/stack/pipelines/config/schema.json"

// anyCase is a pattern matching s in any case, for the values the parser
// reads case-insensitively (ECMA-262 patterns have no (?i)).
func anyCase(words ...string) string {
	var alts []string
	for _, w := range words {
		var b strings.Builder
		for _, r := range w {
			lo, up := strings.ToLower(string(r)), strings.ToUpper(string(r))
			if lo == up {
				b.WriteString(regexpQuote(string(r)))
			} else {
				b.WriteString("[" + lo + up + "]")
			}
		}
		alts = append(alts, b.String())
	}
	return `^\s*(` + strings.Join(alts, "|") + `)\s*$`
}

func regexpQuote(s string) string {
	if strings.ContainsAny(s, `.+*?()|[]{}^$\-`) {
		return `\` + s
	}
	return s
}

// sizePattern matches what budget.ParseSize and ParseLimit read.
const sizePattern = `^\s*([Nn][Oo][Nn][Ee]|[0-9]+(\.[0-9]+)?\s*([KkMmGgTtPpEe]([Ii]?[Bb]?)?|[Bb]([Yy][Tt][Ee][Ss]?)?)?)\s*$`

// generateSchema builds the JSON schema of stack.yaml from the Go types and
// their doc comments.
func generateSchema() ([]byte, error) {
	r := &jsonschema.Reflector{
		FieldNameTag:               "yaml",
		RequiredFromJSONSchemaTags: true,
		Mapper:                     schemaMapper,
	}
	if err := r.AddGoComments("github.com/stack-ci/stack/pipelines/config", "."); err != nil {
		return nil, fmt.Errorf("reading doc comments: %w", err)
	}
	s := r.Reflect(&Config{})
	s.ID = schemaID
	s.Title = "stack.yaml"
	s.Description = "The shape of a full-stack application for the stack CI/CD pipeline. Every key is optional."
	refine(s.Definitions)
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("writing the schema: %w", err)
	}
	return append(bytes.TrimSpace(b), '\n'), nil
}

func schemaMapper(t reflect.Type) *jsonschema.Schema {
	switch t {
	case reflect.TypeFor[EnvValue]():
		return &jsonschema.Schema{
			Description: "A literal value (templates such as \"{{database.url}}\" allowed), a pipeline secret {secret: NAME} or a service fact {from_service: database.url}.",
			OneOf: []*jsonschema.Schema{
				{Type: "string"},
				{Type: "number"},
				{Type: "boolean"},
				object(map[string]*jsonschema.Schema{"secret": {Type: "string", Pattern: `^[A-Za-z_][A-Za-z0-9_]*$`}}, "secret"),
				object(map[string]*jsonschema.Schema{"from_service": {Type: "string", MinLength: uptr(1)}}, "from_service"),
			},
		}
	case reflect.TypeFor[Limit]():
		return &jsonschema.Schema{
			Description: "A size as people write it (\"64MB\" is 64,000,000 bytes, \"1.5GiB\" powers of 1024, a number of bytes) or \"none\" for no budget.",
			OneOf: []*jsonschema.Schema{
				{Type: "string", Pattern: sizePattern},
				{Type: "integer", Minimum: json.Number("1")},
			},
		}
	case reflect.TypeFor[Duration]():
		return &jsonschema.Schema{Type: "string", Pattern: `^\s*([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+\s*$`, Description: "A duration: \"5s\", \"1m30s\", \"500ms\"; at most 10 minutes."}
	case reflect.TypeFor[scan.Severity]():
		var names []string
		for _, s := range scan.Severities() {
			names = append(names, s.String())
		}
		return &jsonschema.Schema{Type: "string", Pattern: anyCase(names...), Description: "A Trivy severity: UNKNOWN, LOW, MEDIUM, HIGH or CRITICAL, any case."}
	case reflect.TypeFor[budget.Metric]():
		return &jsonschema.Schema{Type: "string", Pattern: anyCase(string(budget.Uncompressed), string(budget.Compressed))}
	case reflect.TypeFor[tags.Kind]():
		var kinds []any
		for _, k := range tags.AllKinds() {
			kinds = append(kinds, string(k))
		}
		return &jsonschema.Schema{Type: "string", Enum: kinds}
	case reflect.TypeFor[tags.LatestMode]():
		return &jsonschema.Schema{OneOf: []*jsonschema.Schema{
			{Type: "boolean"},
			{Type: "string", Enum: []any{"auto", "true", "false"}},
		}}
	}
	return nil
}

func uptr(n uint64) *uint64 { return &n }

func object(props map[string]*jsonschema.Schema, required ...string) *jsonschema.Schema {
	p := orderedmap.New[string, *jsonschema.Schema]()
	for _, k := range required {
		p.Set(k, props[k])
	}
	return &jsonschema.Schema{Type: "object", Properties: p, Required: required, AdditionalProperties: jsonschema.FalseSchema}
}

// refine adds what the Go types cannot say: the names of policy rules and
// standard checks, a step's one action, a dockerfile image's Dockerfile.
func refine(defs jsonschema.Definitions) {
	var rules []any
	for _, n := range policy.Names() {
		rules = append(rules, n)
	}
	if p, ok := defs["Policy"]; ok {
		if w, ok := p.Properties.Get("waivers"); ok {
			w.PropertyNames = &jsonschema.Schema{Enum: rules}
		}
		if im, ok := p.Properties.Get("images"); ok && im.AdditionalProperties != nil {
			im.AdditionalProperties.PropertyNames = &jsonschema.Schema{Enum: rules}
		}
	}
	var checks []any
	for _, n := range BuiltinChecks() {
		checks = append(checks, n)
	}
	if s, ok := defs["Smoke"]; ok {
		if d, ok := s.Properties.Get("disable"); ok && d.Items != nil {
			d.Items.Enum = checks
		}
	}
	if h, ok := defs["HTTPStep"]; ok {
		if m, ok := h.Properties.Get("method"); ok {
			m.Pattern = anyCase("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
		}
	}
	if s, ok := defs["Step"]; ok {
		s.OneOf = []*jsonschema.Schema{{Required: []string{"http"}}, {Required: []string{"socketio"}}}
	}
	if c, ok := defs["Config"]; ok {
		c.PatternProperties = map[string]*jsonschema.Schema{"^x-": jsonschema.TrueSchema}
	}
	if img, ok := defs["Image"]; ok {
		img.If = &jsonschema.Schema{Properties: props("kind", &jsonschema.Schema{Const: string(KindDockerfile)}), Required: []string{"kind"}}
		img.Then = &jsonschema.Schema{Required: []string{"dockerfile"}}
	}
}

func props(key string, s *jsonschema.Schema) *orderedmap.OrderedMap[string, *jsonschema.Schema] {
	p := orderedmap.New[string, *jsonschema.Schema]()
	p.Set(key, s)
	return p
}
