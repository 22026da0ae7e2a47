package smoke

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Spec is an application's declared smoke checks (stack.yaml's
// smoke.checks), as the checker reads them from the JSON file that
// `stack-smoke run --checks` names. Package config builds one from the
// effective configuration (config.Smoke.Spec); the JSON keys are
// stack.yaml's, durations are strings ("5s").
//
// How a check runs (Spec.ChecksAt, Spec.Run): its steps run in order and
// the first failure ends it, with a detail such as
// `step 2/5 "connect": server refused the socket: unauthorized`. The steps
// share one cookie jar (so a login's Set-Cookie reaches later requests and
// the Socket.IO handshake), one Socket.IO connection per path (opened by
// the first step that needs it, closed when the check ends) and variables:
// {{nonce}}, 12 random hex digits fresh for each run of the check, and what
// earlier steps captured. {{name}} is expanded in paths, headers, bodies,
// expected fragments and values, and in every string and object key of
// JSON bodies and payloads; there, a string that is exactly one reference
// takes the variable's JSON type ("{{id}}" sends the captured number 42,
// "#{{id}}" sends "#42"). A reference to a variable no earlier step defines
// is an error naming the step and the variable.
type Spec struct {
	// SocketPath is the Socket.IO path of socketio steps that name none.
	// Empty: "/socket.io/".
	SocketPath string `json:"socket_path,omitempty"`
	// Timeout bounds each check. Zero: the checker's default.
	Timeout Duration `json:"timeout,omitempty"`
	// Checks run in order; each gets its own cookie jar, variables and
	// Socket.IO connections.
	Checks []CheckSpec `json:"checks"`
}

// CheckSpec is one declared check: steps run in order, sharing a cookie
// jar, variables and one Socket.IO connection per path; the first failing
// step fails the check.
type CheckSpec struct {
	// Name is the check's name in the results.
	Name string `json:"name"`
	// Steps run in order.
	Steps []Step `json:"steps"`
}

// Step is one HTTP request or one Socket.IO exchange: exactly one of HTTP
// and SocketIO is set. Its strings may use {{name}}: {{nonce}} (random, fresh
// each time the check runs) or a variable an earlier step captured.
type Step struct {
	// Name says what the step does, for the results; empty: the request.
	Name string `json:"name,omitempty"`
	// HTTP is a request through the front door.
	HTTP *HTTPStep `json:"http,omitempty"`
	// SocketIO is an exchange on the check's Socket.IO connection.
	SocketIO *SocketIOStep `json:"socketio,omitempty"`
}

// HTTPStep is one HTTP request and what its answer must be. Redirects are
// not followed: a 3xx is the answer.
type HTTPStep struct {
	// Method is the HTTP method; empty: GET.
	Method string `json:"method,omitempty"`
	// Path is the request path and query, starting with "/".
	Path string `json:"path"`
	// Headers are request headers ("Host" sets the request's host).
	Headers map[string]string `json:"headers,omitempty"`
	// JSON is a body sent as JSON (Content-Type application/json unless
	// Headers say otherwise).
	JSON any `json:"json,omitempty"`
	// Body is a body sent as is; not with JSON.
	Body string `json:"body,omitempty"`
	// Expect is what the answer must be.
	Expect HTTPExpect `json:"expect,omitzero"`
	// Capture saves fields of the JSON answer as variables: variable name →
	// dotted field path ("room.id", "items.0.id").
	Capture map[string]string `json:"capture,omitempty"`
}

// HTTPExpect is what an HTTP answer must be.
type HTTPExpect struct {
	// Status is the expected status code; zero: 200.
	Status int `json:"status,omitempty"`
	// Contains is a fragment the body must contain.
	Contains string `json:"contains,omitempty"`
	// JSON maps dotted field paths of the JSON answer to the values they
	// must equal (numbers by value).
	JSON map[string]any `json:"json,omitempty"`
}

// SocketIOStep emits an event and waits for its ack, or waits for an event,
// on the check's Socket.IO connection for its path, opened with the cookie
// jar's cookies by the first step that needs it. A step with neither Emit
// nor Expect.Event only connects.
type SocketIOStep struct {
	// Path is the Socket.IO path; empty: Spec.SocketPath.
	Path string `json:"path,omitempty"`
	// Emit is the event to emit.
	Emit string `json:"emit,omitempty"`
	// Payload is the emitted event's argument; nil: none.
	Payload any `json:"payload,omitempty"`
	// Expect is the answer to wait for.
	Expect SocketIOExpect `json:"expect,omitzero"`
	// Timeout bounds the step; zero: 5s.
	Timeout Duration `json:"timeout,omitempty"`
	// Capture saves fields of the ack's or event's first argument as
	// variables, as HTTPStep.Capture does.
	Capture map[string]string `json:"capture,omitempty"`
}

// SocketIOExpect is what a Socket.IO step waits for: the emit's
// acknowledgement or an event by name.
type SocketIOExpect struct {
	// Ack waits for the acknowledgement of the emitted event.
	Ack bool `json:"ack,omitempty"`
	// Event waits for an event of this name; events of other names, and of
	// this name without Contains, are passed over.
	Event string `json:"event,omitempty"`
	// Contains is a fragment the ack's or event's arguments, as the JSON
	// array the server sent, must contain.
	Contains string `json:"contains,omitempty"`
}

// DefaultSocketIOTimeout bounds a Socket.IO step that sets no timeout.
const DefaultSocketIOTimeout = 5 * time.Second

// Duration is a time span written in JSON as Go writes it: "5s", "1m30s".
type Duration time.Duration

// MarshalJSON writes the duration as a string such as "5s".
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON reads "5s", "1m30s" or "500ms".
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("decoding duration %s: want a string such as \"5s\"", clip(string(b)))
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("parsing duration %q: %w", s, err)
	}
	if v < 0 {
		return fmt.Errorf("parsing duration %q: negative", s)
	}
	*d = Duration(v)
	return nil
}

// maxSpecSize bounds a spec file.
const maxSpecSize = 4 << 20

// ParseSpec reads a Spec from JSON and validates it: unknown keys, missing
// or malformed fields and references to variables no earlier step defines
// are errors naming the check and step.
func ParseSpec(data []byte) (Spec, error) {
	if len(data) > maxSpecSize {
		return Spec{}, fmt.Errorf("parsing smoke checks: %d bytes, more than the %d allowed", len(data), maxSpecSize)
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	d.UseNumber()
	var s Spec
	if err := d.Decode(&s); err != nil {
		return Spec{}, fmt.Errorf("parsing smoke checks: %w", err)
	}
	if d.More() {
		return Spec{}, errors.New("parsing smoke checks: more than one JSON value")
	}
	if err := s.Validate(); err != nil {
		return Spec{}, err
	}
	return s, nil
}

// ReadSpec reads and validates the Spec in the JSON file at path.
func ReadSpec(path string) (Spec, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Spec{}, fmt.Errorf("reading smoke checks: %w", err)
	}
	s, err := ParseSpec(data)
	if err != nil {
		return Spec{}, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// SpecError lists every problem of a Spec, one per line.
type SpecError struct {
	// Problems are "checks[0] (login) steps[2] (join): message" lines.
	Problems []string
}

func (e *SpecError) Error() string {
	return "invalid smoke checks:\n  " + strings.Join(e.Problems, "\n  ")
}

var (
	checkNameRE  = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	headerNameRE = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
	eventNameRE  = regexp.MustCompile(`^[^\s]{1,100}$`)
	httpMethods  = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
)

// Validate reports every problem of s as a *SpecError, or nil.
func (s Spec) Validate() error {
	var probs []string
	add := func(where, format string, args ...any) {
		probs = append(probs, where+": "+fmt.Sprintf(format, args...))
	}
	if s.SocketPath != "" && !strings.HasPrefix(s.SocketPath, "/") {
		add("socket_path", "%q must start with /", s.SocketPath)
	}
	seen := map[string]bool{}
	for i, c := range s.Checks {
		cw := fmt.Sprintf("checks[%d]", i)
		switch {
		case !checkNameRE.MatchString(c.Name):
			add(cw+".name", "%q is not a check name: use lowercase letters, digits and single '-'", c.Name)
		case seen[c.Name]:
			add(cw+".name", "%q is the name of an earlier check", c.Name)
		}
		seen[c.Name] = true
		if c.Name != "" {
			cw += " (" + c.Name + ")"
		}
		if len(c.Steps) == 0 {
			add(cw, "no steps")
		}
		defined := []string{"nonce"}
		for j, st := range c.Steps {
			sw := fmt.Sprintf("%s steps[%d]", cw, j)
			if st.Name != "" {
				sw += fmt.Sprintf(" (%s)", st.Name)
			}
			defined = validateStep(st, defined, func(format string, args ...any) { add(sw, format, args...) })
		}
	}
	if len(probs) > 0 {
		return &SpecError{Problems: probs}
	}
	return nil
}

// validateStep checks one step with the variables defined before it and
// returns those defined after it.
func validateStep(st Step, defined []string, add func(format string, args ...any)) []string {
	use := func(what, s string) {
		names, err := refs(s)
		if err != nil {
			add("%s: %v", what, err)
			return
		}
		for _, n := range names {
			if !slices.Contains(defined, n) {
				add("%s: %v", what, &UndefinedVariableError{Name: n, Defined: slices.Sorted(slices.Values(defined))})
			}
		}
	}
	var useJSON func(what string, x any, depth int)
	useJSON = func(what string, x any, depth int) {
		if depth > maxDepth {
			add("%s: nested more than %d levels", what, maxDepth)
			return
		}
		switch x := x.(type) {
		case string:
			use(what, x)
		case []any:
			for i, e := range x {
				useJSON(fmt.Sprintf("%s[%d]", what, i), e, depth+1)
			}
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(x)) {
				use(what+" key "+k, k)
				useJSON(what+"."+k, x[k], depth+1)
			}
		}
	}
	capture := func(what string, m map[string]string) []string {
		var out []string
		for _, name := range slices.Sorted(maps.Keys(m)) {
			switch {
			case !varNameRE.MatchString(name):
				add("%s: %q is not a variable name: use letters, digits and '_'", what, name)
			case name == "nonce":
				add("%s: nonce is built in; capture into another name", what)
			}
			if p := m[name]; p == "" || slices.Contains(strings.Split(p, "."), "") {
				add("%s.%s: %q is not a field path: write names separated by dots, e.g. \"room.id\"", what, name, p)
			}
			out = append(out, name)
		}
		return out
	}
	switch {
	case st.HTTP == nil && st.SocketIO == nil:
		add("a step needs http or socketio")
		return defined
	case st.HTTP != nil && st.SocketIO != nil:
		add("a step has http or socketio, not both")
		return defined
	}
	var captured []string
	if h := st.HTTP; h != nil {
		if h.Method != "" && !slices.Contains(httpMethods, strings.ToUpper(h.Method)) {
			add("http.method: %q is not one of %s", h.Method, strings.Join(httpMethods, ", "))
		}
		if !strings.HasPrefix(h.Path, "/") {
			add("http.path: %q must start with /", h.Path)
		}
		use("http.path", h.Path)
		for _, k := range slices.Sorted(maps.Keys(h.Headers)) {
			if !headerNameRE.MatchString(k) {
				add("http.headers: %q is not a header name", k)
			}
			use("http.headers."+k, h.Headers[k])
		}
		if h.JSON != nil && h.Body != "" {
			add("http: a request has json or body, not both")
		}
		useJSON("http.json", h.JSON, 0)
		use("http.body", h.Body)
		if h.Expect.Status != 0 && (h.Expect.Status < 100 || h.Expect.Status > 599) {
			add("http.expect.status: want 100 to 599, got %d", h.Expect.Status)
		}
		use("http.expect.contains", h.Expect.Contains)
		for _, k := range slices.Sorted(maps.Keys(h.Expect.JSON)) {
			if k == "" || slices.Contains(strings.Split(k, "."), "") {
				add("http.expect.json: %q is not a field path", k)
			}
			useJSON("http.expect.json."+k, h.Expect.JSON[k], 0)
		}
		captured = capture("http.capture", h.Capture)
	}
	if s := st.SocketIO; s != nil {
		if s.Path != "" && !strings.HasPrefix(s.Path, "/") {
			add("socketio.path: %q must start with /", s.Path)
		}
		use("socketio.path", s.Path)
		if s.Emit != "" && !eventNameRE.MatchString(s.Emit) {
			add("socketio.emit: %q is not an event name", s.Emit)
		}
		if s.Expect.Event != "" && !eventNameRE.MatchString(s.Expect.Event) {
			add("socketio.expect.event: %q is not an event name", s.Expect.Event)
		}
		if s.Payload != nil && s.Emit == "" {
			add("socketio.payload: a payload needs an event to emit")
		}
		useJSON("socketio.payload", s.Payload, 0)
		switch {
		case s.Expect.Ack && s.Emit == "":
			add("socketio.expect.ack: an ack answers an emitted event; set emit")
		case s.Expect.Ack && s.Expect.Event != "":
			add("socketio.expect: wait for the ack or for an event, not both")
		case s.Expect.Contains != "" && !s.Expect.Ack && s.Expect.Event == "":
			add("socketio.expect.contains: set ack or event to look in")
		case len(s.Capture) > 0 && !s.Expect.Ack && s.Expect.Event == "":
			add("socketio.capture: set expect.ack or expect.event to capture from")
		}
		use("socketio.expect.contains", s.Expect.Contains)
		captured = capture("socketio.capture", s.Capture)
	}
	return append(defined, captured...)
}
