package smoke_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stack-ci/stack/pipelines/config"
	"github.com/stack-ci/stack/pipelines/internal/loopback"
	"github.com/stack-ci/stack/pipelines/smoke"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// effective reads an app's stack.yaml as the pipeline does (without
// detection: the example apps name their kinds).
func effective(t testing.TB, path string) config.Config {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse(filepath.Base(path), data)
	if err != nil {
		t.Fatalf("%s:\n%v", path, err)
	}
	eff, err := config.Effective(cfg, config.Overrides{})
	if err != nil {
		t.Fatalf("%s:\n%v", path, err)
	}
	return eff
}

// TestSpecGolden writes next-mysql's declared checks as the checker's JSON:
// testdata/next-mysql.spec.json documents the format (-update rewrites it).
func TestSpecGolden(t *testing.T) {
	t.Parallel()
	eff := effective(t, filepath.Join(loopback.RepoRoot(t), "examples", "next-mysql", "stack.yaml"))
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // readable: "<h2>" rather than "\u003ch2\u003e"
	enc.SetIndent("", "  ")
	if err := enc.Encode(eff.Smoke.Spec()); err != nil {
		t.Fatal(err)
	}
	got := buf.Bytes()
	path := filepath.Join("testdata", "next-mysql.spec.json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading %s (run with -update to create it): %v", path, err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run with -update and review the diff):\n--- got\n%s", path, got)
	}
	if _, err := smoke.ParseSpec(want); err != nil {
		t.Errorf("the golden spec does not parse: %v", err)
	}
}

func fullSpec() smoke.Spec {
	return smoke.Spec{
		SocketPath: "/ws/",
		Timeout:    smoke.Duration(45 * time.Second),
		Checks: []smoke.CheckSpec{{
			Name: "everything",
			Steps: []smoke.Step{
				{Name: "create", HTTP: &smoke.HTTPStep{
					Method:  "POST",
					Path:    "/api/rooms?x=1",
					Headers: map[string]string{"X-Requested-With": "smoke-{{nonce}}", "Host": "example.test"},
					JSON:    map[string]any{"name": "room-{{nonce}}", "size": 3, "tags": []any{"a", true, nil, 2.5}},
					Expect:  smoke.HTTPExpect{Status: 201, Contains: "room-{{nonce}}", JSON: map[string]any{"room.size": 3, "ok": true}},
					Capture: map[string]string{"room": "room.id", "first": "items.0"},
				}},
				{HTTP: &smoke.HTTPStep{Method: "put", Path: "/api/rooms/{{room}}", Body: "raw {{first}}", Expect: smoke.HTTPExpect{Status: 204}}},
				{Name: "join", SocketIO: &smoke.SocketIOStep{
					Path:    "/other/",
					Emit:    "join",
					Payload: map[string]any{"room": "{{room}}"},
					Expect:  smoke.SocketIOExpect{Ack: true, Contains: `"ok":true`},
					Timeout: smoke.Duration(1500 * time.Millisecond),
					Capture: map[string]string{"members": "members.0"},
				}},
				{SocketIO: &smoke.SocketIOStep{Expect: smoke.SocketIOExpect{Event: "joined", Contains: "{{members}}"}}},
				{SocketIO: &smoke.SocketIOStep{}},
			},
		}},
	}
}

func TestSpecJSONRoundTrip(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(fullSpec())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"timeout":"45s"`, `"timeout":"1.5s"`, `"socketio":{}`, `"http":{"method":"POST"`, `"expect":{"event":"joined"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON lacks %s:\n%s", want, b)
		}
	}
	back, err := smoke.ParseSpec(b)
	if err != nil {
		t.Fatalf("ParseSpec: %v\n%s", err, b)
	}
	again, err := json.Marshal(back)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, again) {
		t.Errorf("round trip changed the spec:\n%s\n%s", b, again)
	}
	if back.Timeout != smoke.Duration(45*time.Second) || back.Checks[0].Steps[2].SocketIO.Timeout != smoke.Duration(1500*time.Millisecond) {
		t.Errorf("durations: %v, %v", back.Timeout, back.Checks[0].Steps[2].SocketIO.Timeout)
	}
	// Numbers keep their text: a large id survives the trip.
	big, err := smoke.ParseSpec([]byte(`{"checks":[{"name":"n","steps":[{"http":{"path":"/","expect":{"json":{"id":9007199254740993}}}}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := big.Checks[0].Steps[0].HTTP.Expect.JSON["id"]; got != json.Number("9007199254740993") {
		t.Errorf("a large number became %#v", got)
	}
}

func TestReadSpecNamesTheFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "checks.json")
	if err := os.WriteFile(path, []byte(`{"checks":[{"name":"x","steps":[]}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := smoke.ReadSpec(path)
	var se *smoke.SpecError
	if !errors.As(err, &se) || !strings.HasPrefix(err.Error(), path+": invalid smoke checks") || !strings.Contains(err.Error(), "checks[0] (x): no steps") {
		t.Errorf("ReadSpec = %v", err)
	}
	if _, err := smoke.ReadSpec(filepath.Join(t.TempDir(), "absent.json")); err == nil || !strings.Contains(err.Error(), "reading smoke checks") {
		t.Errorf("ReadSpec of a missing file = %v", err)
	}
}

func TestParseSpecErrors(t *testing.T) {
	t.Parallel()
	step := func(s string) string { return `{"checks":[{"name":"c","steps":[` + s + `]}]}` }
	for _, tc := range []struct{ in, want string }{
		{``, "parsing smoke checks: EOF"},
		{`[]`, "cannot unmarshal array"},
		{`{"checks":[]} {}`, "more than one JSON value"},
		{`{"checks":[],"extra":1}`, `unknown field "extra"`},
		{`{"timeout":"soon","checks":[]}`, `parsing duration "soon"`},
		{`{"timeout":5,"checks":[]}`, `want a string such as "5s"`},
		{`{"timeout":"-1s","checks":[]}`, "negative"},
		{`{"socket_path":"ws","checks":[]}`, `socket_path: "ws" must start with /`},
		{`{"checks":[{"name":"Bad Name","steps":[{"http":{"path":"/"}}]}]}`, `checks[0].name: "Bad Name" is not a check name`},
		{`{"checks":[{"name":"a","steps":[{"http":{"path":"/"}}]},{"name":"a","steps":[{"http":{"path":"/"}}]}]}`, `checks[1].name: "a" is the name of an earlier check`},
		{`{"checks":[{"name":"a"}]}`, "checks[0] (a): no steps"},
		{step(`{}`), "steps[0]: a step needs http or socketio"},
		{step(`{"http":{"path":"/"},"socketio":{}}`), "not both"},
		{step(`{"name":"go","http":{"path":"api"}}`), `checks[0] (c) steps[0] (go): http.path: "api" must start with /`},
		{step(`{"http":{"method":"FETCH","path":"/"}}`), `http.method: "FETCH" is not one of`},
		{step(`{"http":{"path":"/","json":{},"body":"x"}}`), "json or body, not both"},
		{step(`{"http":{"path":"/","expect":{"status":999}}}`), "want 100 to 599, got 999"},
		{step(`{"http":{"path":"/{{room}}"}}`), "http.path: {{room}} is not defined: capture it in an earlier step, or use one of nonce"},
		{step(`{"http":{"path":"/","json":{"a":["{{x}}"]}}}`), "http.json.a[0]: {{x}} is not defined"},
		{step(`{"http":{"path":"/","headers":{"X-A":"{{y}}"}}}`), "http.headers.X-A: {{y}} is not defined"},
		{step(`{"http":{"path":"/","headers":{"bad header":"v"}}}`), `"bad header" is not a header name`},
		{step(`{"http":{"path":"/","expect":{"json":{"a..b":1}}}}`), `"a..b" is not a field path`},
		{step(`{"http":{"path":"/","capture":{"1x":"id"}}}`), `"1x" is not a variable name`},
		{step(`{"http":{"path":"/","capture":{"nonce":"id"}}}`), "nonce is built in"},
		{step(`{"http":{"path":"/","capture":{"id":"a."}}}`), `"a." is not a field path`},
		{step(`{"http":{"path":"/","body":"{{"}}`), "unbalanced braces"},
		{step(`{"http":{"path":"/","capture":{"id":"id"}}},{"http":{"path":"/{{id}}"}},{"http":{"path":"/{{idd}}"}}`), "steps[2]: http.path: {{idd}} is not defined: capture it in an earlier step, or use one of id, nonce"},
		{step(`{"socketio":{"path":"ws"}}`), `socketio.path: "ws" must start with /`},
		{step(`{"socketio":{"emit":"two words"}}`), `socketio.emit: "two words" is not an event name`},
		{step(`{"socketio":{"payload":{"a":1}}}`), "a payload needs an event to emit"},
		{step(`{"socketio":{"expect":{"ack":true}}}`), "an ack answers an emitted event"},
		{step(`{"socketio":{"emit":"e","expect":{"ack":true,"event":"x"}}}`), "wait for the ack or for an event, not both"},
		{step(`{"socketio":{"expect":{"contains":"x"}}}`), "set ack or event to look in"},
		{step(`{"socketio":{"emit":"e","capture":{"a":"b"}}}`), "set expect.ack or expect.event to capture from"},
		{step(`{"socketio":{"emit":"e","payload":"{{who}}"}}`), "socketio.payload: {{who}} is not defined"},
		{step(`{"socketio":{"expect":{"event":"e","contains":"{{who}}"}}}`), "socketio.expect.contains: {{who}} is not defined"},
	} {
		_, err := smoke.ParseSpec([]byte(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseSpec(%s) = %v; want %q", tc.in, err, tc.want)
		}
	}
	if _, err := smoke.ParseSpec(bytes.Repeat([]byte(" "), 5<<20)); err == nil || !strings.Contains(err.Error(), "more than the") {
		t.Errorf("a huge file: %v", err)
	}
	// Every problem at once.
	_, err := smoke.ParseSpec([]byte(`{"checks":[{"name":"A","steps":[{}]},{"name":"b"}]}`))
	var se *smoke.SpecError
	if !errors.As(err, &se) || len(se.Problems) != 3 {
		t.Errorf("want 3 problems, got %v", err)
	}
}

func FuzzParseSpec(f *testing.F) {
	seed, _ := json.Marshal(fullSpec())
	f.Add(seed)
	f.Add([]byte(`{"checks":[{"name":"a","steps":[{"http":{"path":"/{{nonce}}","capture":{"x":"a.0"}}},{"socketio":{"emit":"e","payload":["{{x}}"],"expect":{"ack":true}}}]}]}`))
	f.Add([]byte(`{"timeout":"1s","socket_path":"/s/","checks":[]}`))
	f.Add([]byte(`{"checks":[{"name":"a","steps":[{"http":{"path":"/","json":[[[[[[1]]]]]]}}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := smoke.ParseSpec(data)
		if err != nil {
			return
		}
		// What parses, writes, and reads back the same.
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("a parsed spec does not encode: %v", err)
		}
		s2, err := smoke.ParseSpec(b)
		if err != nil {
			t.Fatalf("a parsed spec does not parse again: %v\n%s", err, b)
		}
		b2, _ := json.Marshal(s2)
		if !bytes.Equal(b, b2) {
			t.Fatalf("not stable:\n%s\n%s", b, b2)
		}
	})
}

// A spec file as ci/ writes it, read by the checker.
func ExampleParseSpec() {
	s, err := smoke.ParseSpec([]byte(`{
	  "socket_path": "/socket.io/",
	  "timeout": "30s",
	  "checks": [{
	    "name": "login-then-join",
	    "steps": [
	      {"name": "log in", "http": {"method": "POST", "path": "/api/v1/login",
	        "json": {"name": "smoke-{{nonce}}"}, "expect": {"status": 200}, "capture": {"who": "name"}}},
	      {"name": "join", "socketio": {"emit": "join", "payload": {"room": "{{who}}"},
	        "expect": {"ack": true, "contains": "\"ok\":true"}, "timeout": "5s"}}
	    ]
	  }]
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range s.Checks {
		fmt.Printf("%s: %d steps, %s each\n", c.Name, len(c.Steps), time.Duration(s.Timeout))
	}
	_, err = smoke.ParseSpec([]byte(`{"checks":[{"name":"x","steps":[{"http":{"path":"/rooms/{{room}}"}}]}]}`))
	fmt.Println(err)
	// Output:
	// login-then-join: 2 steps, 30s each
	// invalid smoke checks:
	//   checks[0] (x) steps[0]: http.path: {{room}} is not defined: capture it in an earlier step, or use one of nonce
}
