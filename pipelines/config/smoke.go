package config

import (
	"slices"
	"strings"

	"github.com/stack-ci/stack/pipelines/smoke"
)

// Smoke says how the stack is smoke-tested: through its front door, with
// the standard checks (each can be turned off) and the app's own checks.
type Smoke struct {
	// FrontDoor is the image the checks talk to. Default: the spa image, or
	// the only image.
	FrontDoor string `yaml:"front_door,omitempty"`
	// DeepLink is a client-side route only the SPA fallback can serve
	// (spa-deep-link). Default "/about".
	DeepLink string `yaml:"deep_link,omitempty" jsonschema:"pattern=^/"`
	// HealthPath is the health endpoint as reached through the front door
	// (api-health). Default "/api/v1/health".
	HealthPath string `yaml:"health_path,omitempty" jsonschema:"pattern=^/"`
	// HealthDependencies are keys of the health JSON that must say "ok".
	// Default: the database kind and "redis" when they run.
	HealthDependencies []string `yaml:"health_dependencies"`
	// SocketPath is the Socket.IO path (websocket-* checks, and the default
	// of socketio steps). Default "/socket.io/".
	SocketPath string `yaml:"socket_path,omitempty" jsonschema:"pattern=^/"`
	// RoundtripPath is the REST collection the rest-roundtrip check POSTs
	// {"text": …} to and reads back. Default "/api/v1/notes".
	RoundtripPath string `yaml:"roundtrip_path,omitempty" jsonschema:"pattern=^/"`
	// Disable turns standard checks off by name: spa-index, spa-deep-link,
	// api-health, rest-roundtrip, websocket-echo, websocket-broadcast,
	// security-headers, cache-headers, gzip.
	Disable []string `yaml:"disable,omitempty"`
	// Timeout bounds each check. Default "30s".
	Timeout Duration `yaml:"timeout,omitempty"`
	// Checks are the app's own checks, run after the standard ones.
	Checks []Check `yaml:"checks,omitempty"`
}

// Check is one declared smoke check: steps run in order, sharing a cookie
// jar, captured variables and one Socket.IO connection.
type Check struct {
	// Name of the check, as the report shows it: lowercase letters, digits
	// and '-'.
	Name string `yaml:"name" jsonschema:"required,pattern=^[a-z0-9]+(-[a-z0-9]+)*$"`
	// Steps run in order; the first failure fails the check.
	Steps []Step `yaml:"steps" jsonschema:"required,minItems=1"`
}

// Step is one HTTP request or one Socket.IO exchange: exactly one of HTTP
// and SocketIO is set. Strings of a step may use {{VAR}}: a variable
// captured by an earlier step, or {{nonce}}, random per run.
type Step struct {
	// Name says what the step does, for the report.
	Name string `yaml:"name,omitempty"`
	// HTTP is a request through the front door.
	HTTP *HTTPStep `yaml:"http,omitempty"`
	// SocketIO is an exchange on the check's Socket.IO connection, opened
	// (with the cookie jar's cookies) at the first socketio step.
	SocketIO *SocketIOStep `yaml:"socketio,omitempty"`
}

// HTTPStep is one HTTP request and what its answer must be.
type HTTPStep struct {
	// Method is the HTTP method: GET (default), HEAD, POST, PUT, PATCH,
	// DELETE or OPTIONS, any case.
	Method string `yaml:"method,omitempty"`
	// Path is the request path and query, e.g. "/api/rooms?limit=1".
	Path string `yaml:"path" jsonschema:"required,pattern=^/"`
	// Headers are request headers.
	Headers map[string]string `yaml:"headers,omitempty"`
	// JSON is a request body sent as JSON (Content-Type application/json).
	JSON any `yaml:"json,omitempty"`
	// Body is a request body sent as is; not with JSON.
	Body string `yaml:"body,omitempty"`
	// Expect is what the answer must be.
	Expect HTTPExpect `yaml:"expect,omitempty"`
	// Capture saves fields of the JSON answer into variables:
	// {room_id: room.id} saves the answer's room.id as {{room_id}}.
	Capture map[string]string `yaml:"capture,omitempty"`
}

// HTTPExpect is what an HTTP answer must be.
type HTTPExpect struct {
	// Status is the expected status code. Default 200.
	Status int `yaml:"status,omitempty" jsonschema:"minimum=100,maximum=599"`
	// Contains is a fragment the body must contain.
	Contains string `yaml:"contains,omitempty"`
	// JSON maps field paths of the JSON answer (dot-separated, array
	// indexes as numbers: items.0.id) to the values they must equal.
	JSON map[string]any `yaml:"json,omitempty"`
}

// SocketIOStep emits an event, or waits for one, on the check's Socket.IO
// connection.
type SocketIOStep struct {
	// Path is the Socket.IO path. Default: smoke.socket_path.
	Path string `yaml:"path,omitempty" jsonschema:"pattern=^/"`
	// Emit is the event to emit. A step with neither emit nor expect.event
	// only connects.
	Emit string `yaml:"emit,omitempty"`
	// Payload is the emitted event's argument, any JSON value.
	Payload any `yaml:"payload,omitempty"`
	// Expect is the answer to wait for.
	Expect SocketIOExpect `yaml:"expect,omitempty"`
	// Timeout bounds the wait. Default "5s".
	Timeout Duration `yaml:"timeout,omitempty"`
	// Capture saves fields of the ack's or event's first argument into
	// variables, as HTTPStep.Capture does.
	Capture map[string]string `yaml:"capture,omitempty"`
}

// SocketIOExpect is the answer a Socket.IO step waits for: the emit's
// acknowledgement or an event by name.
type SocketIOExpect struct {
	// Ack waits for the acknowledgement of the emitted event.
	Ack bool `yaml:"ack,omitempty"`
	// Event waits for an event of this name.
	Event string `yaml:"event,omitempty"`
	// Contains is a fragment the ack's or event's JSON arguments must
	// contain.
	Contains string `yaml:"contains,omitempty"`
}

// BuiltinChecks returns the names of the standard smoke checks, in the
// order they run (see package smoke).
func BuiltinChecks() []string {
	var names []string
	for _, c := range smoke.DefaultTarget("http://frontend").Checks() {
		names = append(names, c.Name)
	}
	return names
}

// Enabled returns the standard checks that are not disabled, in order.
func (s Smoke) Enabled() []string {
	var out []string
	for _, n := range BuiltinChecks() {
		if !slices.Contains(s.Disable, n) {
			out = append(out, n)
		}
	}
	return out
}

// Target returns the smoke target for the front door at base (e.g.
// "http://frontend:80"), with the paths of s.
func (s Smoke) Target(base string) smoke.Target {
	t := smoke.DefaultTarget(base)
	if s.DeepLink != "" {
		t.DeepLink = s.DeepLink
	}
	if s.HealthPath != "" {
		t.HealthPath = s.HealthPath
	}
	if s.HealthDependencies != nil {
		t.Dependencies = slices.Clone(s.HealthDependencies)
	}
	if s.SocketPath != "" {
		t.SocketPath = s.SocketPath
	}
	if s.RoundtripPath != "" {
		t.NotesPath = s.RoundtripPath
	}
	t.BaseURL = strings.TrimSuffix(base, "/")
	return t
}

// builtinVars are the variables every step may use.
var builtinVars = []string{"nonce"}
