package smoke_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stack-ci/stack/pipelines/smoke"
)

// sessionServer is a small HTTP API with a cookie session: POST /login
// {"name"} sets a cookie and answers {"user":{"name","id"}}; GET /me needs
// the cookie; /items/{id} echoes the id; /moved redirects; /echo answers
// the request's method, host, headers and body.
func sessionServer(t *testing.T) *httptest.Server {
	t.Helper()
	var mu sync.Mutex
	sessions := map[string]string{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Name string }
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, `{"error":"want a JSON body"}`, http.StatusBadRequest)
			return
		}
		mu.Lock()
		sid := fmt.Sprintf("s%d", len(sessions)+1)
		sessions[sid] = in.Name
		mu.Unlock()
		http.SetCookie(w, &http.Cookie{Name: "sid", Value: sid, Path: "/", HttpOnly: true})
		fmt.Fprintf(w, `{"user":{"name":%q,"id":%d},"items":[{"id":"a"},{"id":"b"}]}`, in.Name, 40+len(sid))
	})
	mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie("sid")
		mu.Lock()
		name, ok := "", false
		if err == nil {
			name, ok = sessions[c.Value]
		}
		mu.Unlock()
		if !ok {
			http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
			return
		}
		fmt.Fprintf(w, `{"name":%q}`, name)
	})
	mux.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"id":%q}`, r.PathValue("id"))
	})
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/me", http.StatusFound)
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		json.NewEncoder(w).Encode(map[string]any{"method": r.Method, "host": r.Host, "x": r.Header.Get("X-Smoke"), "type": r.Header.Get("Content-Type"), "body": string(b)})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func login(name string) smoke.Step {
	return smoke.Step{Name: "log in", HTTP: &smoke.HTTPStep{Method: "POST", Path: "/login", JSON: map[string]any{"name": name}, Capture: map[string]string{"uid": "user.id", "item": "items.1.id"}}}
}

var me = smoke.Step{Name: "who am I", HTTP: &smoke.HTTPStep{Path: "/me", Expect: smoke.HTTPExpect{JSON: map[string]any{"name": "smoke-{{nonce}}"}}}}

func runSpec(t *testing.T, srv *httptest.Server, checks ...smoke.CheckSpec) smoke.Results {
	t.Helper()
	s := smoke.Spec{Checks: checks}
	if err := s.Validate(); err != nil {
		t.Fatalf("the test's spec is invalid: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return s.Run(ctx, srv.URL, nil)
}

// Steps of a check share one cookie jar; checks do not share theirs.
func TestDeclaredCookieJarIsSharedWithinACheck(t *testing.T) {
	t.Parallel()
	srv := sessionServer(t)
	rs := runSpec(t, srv,
		smoke.CheckSpec{Name: "with-login", Steps: []smoke.Step{login("smoke-{{nonce}}"), me}},
		smoke.CheckSpec{Name: "without-login", Steps: []smoke.Step{me}},
	)
	if r, _ := rs.Get("with-login"); !r.Passed || r.Detail != "2 steps: POST /login 200; GET /me 200" {
		t.Errorf("with-login: %+v", r)
	}
	r, _ := rs.Get("without-login")
	if r.Passed || !strings.Contains(r.Detail, `step 1/1 "who am I": GET /me: HTTP 401, want 200 (body: "{\"error\":\"unauthorized\"}`) {
		t.Errorf("without-login: %+v", r)
	}
}

// Each run of a check has its own {{nonce}}, and a failing check fails only
// itself.
func TestDeclaredNonceIsFreshPerRun(t *testing.T) {
	t.Parallel()
	srv := sessionServer(t)
	check := smoke.CheckSpec{Name: "nonce", Steps: []smoke.Step{{HTTP: &smoke.HTTPStep{Path: "/items/{{nonce}}", Capture: map[string]string{"seen": "id"}}}}}
	s := smoke.Spec{Checks: []smoke.CheckSpec{check}}
	seen := map[string]bool{}
	for range 3 {
		c := s.ChecksAt(srv.URL, nil)[0]
		detail, err := c.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		seen[detail] = true
	}
	if len(seen) != 3 {
		t.Errorf("three runs, %d distinct nonces: %v", len(seen), seen)
	}
}

func TestDeclaredHTTPSteps(t *testing.T) {
	t.Parallel()
	srv := sessionServer(t)
	host := strings.TrimPrefix(srv.URL, "http://")
	for _, tc := range []struct {
		name  string
		steps []smoke.Step
		want  string // empty: passes
	}{
		{"captures in later paths and bodies", []smoke.Step{
			login("smoke-{{nonce}}"),
			{HTTP: &smoke.HTTPStep{Path: "/items/{{item}}-{{uid}}", Expect: smoke.HTTPExpect{JSON: map[string]any{"id": "b-42"}}}},
			{HTTP: &smoke.HTTPStep{Method: "patch", Path: "/echo", Body: "uid={{uid}}", Headers: map[string]string{"X-Smoke": "{{nonce}}", "Host": "api.test"},
				Expect: smoke.HTTPExpect{Contains: `"body":"uid=42"`, JSON: map[string]any{"method": "PATCH", "host": "api.test", "type": ""}}}},
			{HTTP: &smoke.HTTPStep{Method: "POST", Path: "/echo", JSON: map[string]any{"uid": "{{uid}}"}, Expect: smoke.HTTPExpect{JSON: map[string]any{"body": `{"uid":42}`, "type": "application/json"}}}},
		}, ""},
		{"a whole reference compares with the captured type", []smoke.Step{
			login("n"),
			{HTTP: &smoke.HTTPStep{Method: "POST", Path: "/login", JSON: map[string]any{"name": "n"}, Expect: smoke.HTTPExpect{JSON: map[string]any{"user.id": "{{uid}}"}}}},
		}, ""},
		{"redirects are answers", []smoke.Step{{HTTP: &smoke.HTTPStep{Path: "/moved", Expect: smoke.HTTPExpect{Status: 302}}}}, ""},
		{"a redirect where 200 was expected", []smoke.Step{{HTTP: &smoke.HTTPStep{Path: "/moved"}}},
			`step 1/1 (GET /moved): GET /moved: HTTP 302 to "/me", want 200`},
		{"wrong status", []smoke.Step{{Name: "login", HTTP: &smoke.HTTPStep{Method: "POST", Path: "/login", JSON: map[string]any{"name": "x"}, Expect: smoke.HTTPExpect{Status: 201}}}},
			`step 1/1 "login": POST /login: HTTP 200, want 201 (body: "{\"user\":{\"name\":\"x\"`},
		{"missing fragment", []smoke.Step{{HTTP: &smoke.HTTPStep{Path: "/items/7", Expect: smoke.HTTPExpect{Contains: "eight"}}}},
			`GET /items/7: HTTP 200, the body does not contain "eight" (body: "{\"id\":\"7\"}")`},
		{"wrong field", []smoke.Step{{HTTP: &smoke.HTTPStep{Path: "/items/7", Expect: smoke.HTTPExpect{JSON: map[string]any{"id": 7}}}}},
			`GET /items/7: HTTP 200, field "id" is "7", want 7`},
		{"missing field", []smoke.Step{{HTTP: &smoke.HTTPStep{Path: "/items/7", Expect: smoke.HTTPExpect{JSON: map[string]any{"item.id": "7"}}}}},
			`field "item.id": the answer has no field "item" (fields: id)`},
		{"capture of a missing path", []smoke.Step{{HTTP: &smoke.HTTPStep{Path: "/items/7", Capture: map[string]string{"x": "items.0"}}}},
			`capturing x: field "items.0": the answer has no field "items"`},
		{"not JSON", []smoke.Step{{HTTP: &smoke.HTTPStep{Path: "/nothing", Expect: smoke.HTTPExpect{Status: 404, JSON: map[string]any{"a": 1}}}}},
			`GET /nothing: HTTP 404, the body is not JSON`},
		{"the first failure stops the check", []smoke.Step{
			{HTTP: &smoke.HTTPStep{Path: "/me", Expect: smoke.HTTPExpect{Status: 401}}},
			{HTTP: &smoke.HTTPStep{Path: "/me"}},
			{HTTP: &smoke.HTTPStep{Path: "/never-reached/{{nonce}}"}},
		}, `step 2/3 (GET /me): GET /me: HTTP 401, want 200`},
		{"a Host header", []smoke.Step{{HTTP: &smoke.HTTPStep{Path: "/echo", Headers: map[string]string{"Host": host}}}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rs := runSpec(t, srv, smoke.CheckSpec{Name: "c", Steps: tc.steps})
			r := rs[0]
			switch {
			case tc.want == "" && !r.Passed:
				t.Errorf("failed: %s", r.Detail)
			case tc.want != "" && (r.Passed || !strings.Contains(r.Detail, tc.want)):
				t.Errorf("passed=%v, detail:\n%s\nwant it to contain:\n%s", r.Passed, r.Detail, tc.want)
			}
		})
	}
}

// Undefined variables are caught at run time too (for a Spec built in Go
// and never validated), naming the step and the variable.
func TestDeclaredUndefinedVariableAtRunTime(t *testing.T) {
	t.Parallel()
	srv := sessionServer(t)
	s := smoke.Spec{Checks: []smoke.CheckSpec{{Name: "c", Steps: []smoke.Step{
		{Name: "first", HTTP: &smoke.HTTPStep{Path: "/items/1"}},
		{Name: "second", HTTP: &smoke.HTTPStep{Path: "/items/{{room}}"}},
	}}}}
	rs := s.Run(context.Background(), srv.URL, nil)
	if rs[0].Passed || rs[0].Detail != `step 2/2 "second": path: {{room}} is not defined: capture it in an earlier step, or use one of nonce` {
		t.Errorf("%+v", rs[0])
	}
}

// A Socket.IO step against a server without Socket.IO fails with the
// upgrade's answer, and the check's timeout is the limit.
func TestDeclaredSocketIOWithoutServer(t *testing.T) {
	t.Parallel()
	srv := sessionServer(t)
	rs := runSpec(t, srv, smoke.CheckSpec{Name: "c", Steps: []smoke.Step{{Name: "connect", SocketIO: &smoke.SocketIOStep{}}}})
	if rs[0].Passed || !strings.Contains(rs[0].Detail, `step 1/1 "connect": connecting to socket.io at /socket.io/: websocket upgrade at ws://`) || !strings.Contains(rs[0].Detail, "HTTP 404") {
		t.Errorf("%+v", rs[0])
	}
}
