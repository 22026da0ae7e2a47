package smoke

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"slices"
	"strings"
	"time"
)

// DefaultCheckTimeout bounds a declared check when the Spec sets no timeout.
const DefaultCheckTimeout = 30 * time.Second

// ChecksAt returns one Check per declared check, run against the front door at
// base (e.g. "http://frontend:80"). Requests use client's Transport and
// Timeout (nil: a 10s timeout); each run of a check has its own cookie jar,
// its own {{nonce}} and its own Socket.IO connections, closed at its end.
func (s Spec) ChecksAt(base string, client *http.Client) []Check {
	out := make([]Check, 0, len(s.Checks))
	for _, c := range s.Checks {
		out = append(out, Check{Name: c.Name, Run: func(ctx context.Context) (string, error) {
			r := newCheckRun(s, c, strings.TrimSuffix(base, "/"), client)
			defer r.close()
			return r.run(ctx)
		}})
	}
	return out
}

// Run runs the declared checks one after another, each bounded by s.Timeout
// (DefaultCheckTimeout when zero), and returns every result.
func (s Spec) Run(ctx context.Context, base string, client *http.Client) Results {
	return Run(ctx, s.ChecksAt(base, client), s.timeout())
}

func (s Spec) timeout() time.Duration {
	if s.Timeout > 0 {
		return time.Duration(s.Timeout)
	}
	return DefaultCheckTimeout
}

// checkRun is one run of a declared check.
type checkRun struct {
	base       string
	socketPath string
	check      CheckSpec
	client     *http.Client
	vars       vars
	sockets    map[string]*Socket
}

func newCheckRun(s Spec, c CheckSpec, base string, client *http.Client) *checkRun {
	jar, _ := cookiejar.New(nil) // cookiejar.New never fails with nil options
	hc := &http.Client{
		Jar:     jar,
		Timeout: 10 * time.Second,
		// A step declares the status it expects: a redirect is an answer.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	if client != nil {
		hc.Transport, hc.Timeout = client.Transport, client.Timeout
	}
	sp := s.SocketPath
	if sp == "" {
		sp = "/socket.io/"
	}
	return &checkRun{base: base, socketPath: sp, check: c, client: hc, vars: vars{"nonce": nonce()}, sockets: map[string]*Socket{}}
}

func (r *checkRun) close() {
	for _, p := range slices.Sorted(maps.Keys(r.sockets)) {
		_ = r.sockets[p].Close() // the check's outcome is already decided
	}
}

func (r *checkRun) run(ctx context.Context) (string, error) {
	if len(r.check.Steps) == 0 {
		return "", errors.New("the check has no steps")
	}
	parts := make([]string, 0, len(r.check.Steps))
	for i, st := range r.check.Steps {
		var done string
		var err error
		switch {
		case st.HTTP != nil && st.SocketIO == nil:
			done, err = r.http(ctx, *st.HTTP)
		case st.SocketIO != nil && st.HTTP == nil:
			done, err = r.socketIO(ctx, *st.SocketIO)
		default:
			err = errors.New("a step needs exactly one of http and socketio")
		}
		if err != nil {
			return "", fmt.Errorf("step %d/%d %s: %w", i+1, len(r.check.Steps), stepLabel(st), err)
		}
		parts = append(parts, done)
	}
	steps := "steps"
	if len(parts) == 1 {
		steps = "step"
	}
	return fmt.Sprintf("%d %s: %s", len(parts), steps, strings.Join(parts, "; ")), nil
}

// stepLabel names a step for a failure: its name, or what it does.
func stepLabel(st Step) string {
	if st.Name != "" {
		return fmt.Sprintf("%q", st.Name)
	}
	switch {
	case st.HTTP != nil:
		m := st.HTTP.Method
		if m == "" {
			m = http.MethodGet
		}
		return fmt.Sprintf("(%s %s)", strings.ToUpper(m), st.HTTP.Path)
	case st.SocketIO != nil && st.SocketIO.Emit != "":
		return fmt.Sprintf("(socket.io emit %s)", st.SocketIO.Emit)
	case st.SocketIO != nil && st.SocketIO.Expect.Event != "":
		return fmt.Sprintf("(socket.io wait for %s)", st.SocketIO.Expect.Event)
	case st.SocketIO != nil:
		return "(socket.io connect)"
	}
	return "(empty step)"
}

// http runs one HTTP step.
func (r *checkRun) http(ctx context.Context, h HTTPStep) (string, error) {
	method := strings.ToUpper(h.Method)
	if method == "" {
		method = http.MethodGet
	}
	path, err := r.vars.expand(h.Path)
	if err != nil {
		return "", fmt.Errorf("path: %w", err)
	}
	what := method + " " + path
	var body io.Reader
	contentType := ""
	switch {
	case h.JSON != nil:
		v, err := r.vars.expandJSON(h.JSON)
		if err != nil {
			return "", fmt.Errorf("%s: json body: %w", what, err)
		}
		b, err := json.Marshal(v)
		if err != nil {
			return "", fmt.Errorf("%s: encoding the json body: %w", what, err)
		}
		body, contentType = bytes.NewReader(b), "application/json"
	case h.Body != "":
		b, err := r.vars.expand(h.Body)
		if err != nil {
			return "", fmt.Errorf("%s: body: %w", what, err)
		}
		body = strings.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, r.base+path, body)
	if err != nil {
		return "", fmt.Errorf("building %s: %w", what, err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for _, k := range slices.Sorted(maps.Keys(h.Headers)) {
		v, err := r.vars.expand(h.Headers[k])
		if err != nil {
			return "", fmt.Errorf("%s: header %s: %w", what, k, err)
		}
		if strings.EqualFold(k, "Host") {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return "", fmt.Errorf("%s: %w", what, err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return "", fmt.Errorf("%s: HTTP %d, reading the body: %w", what, resp.StatusCode, err)
	}
	want := h.Expect.Status
	if want == 0 {
		want = http.StatusOK
	}
	if resp.StatusCode != want {
		where := ""
		if loc := resp.Header.Get("Location"); loc != "" {
			where = fmt.Sprintf(" to %q", loc)
		}
		return "", fmt.Errorf("%s: HTTP %d%s, want %d (body: %q)", what, resp.StatusCode, where, want, clip(string(got)))
	}
	if h.Expect.Contains != "" {
		frag, err := r.vars.expand(h.Expect.Contains)
		if err != nil {
			return "", fmt.Errorf("expect.contains: %w", err)
		}
		if !bytes.Contains(got, []byte(frag)) {
			return "", fmt.Errorf("%s: HTTP %d, the body does not contain %q (body: %q)", what, resp.StatusCode, frag, clip(string(got)))
		}
	}
	if len(h.Expect.JSON) > 0 || len(h.Capture) > 0 {
		doc, err := decodeJSON(got)
		if err != nil {
			return "", fmt.Errorf("%s: HTTP %d, the body is not JSON (%v): %q", what, resp.StatusCode, err, clip(string(got)))
		}
		if err := r.expectJSON(doc, h.Expect.JSON); err != nil {
			return "", fmt.Errorf("%s: HTTP %d, %w (body: %q)", what, resp.StatusCode, err, clip(string(got)))
		}
		if err := r.capture(doc, h.Capture); err != nil {
			return "", fmt.Errorf("%s: HTTP %d, %w (body: %q)", what, resp.StatusCode, err, clip(string(got)))
		}
	}
	return fmt.Sprintf("%s %d", what, resp.StatusCode), nil
}

// expectJSON compares the fields of doc with the expected values.
func (r *checkRun) expectJSON(doc any, want map[string]any) error {
	for _, p := range slices.Sorted(maps.Keys(want)) {
		w, err := r.vars.expandJSON(want[p])
		if err != nil {
			return fmt.Errorf("expect.json %s: %w", p, err)
		}
		got, err := lookup(doc, p)
		if err != nil {
			return err
		}
		if !equalJSON(w, got) {
			return fmt.Errorf("field %q is %s, want %s", p, jsonText(got), jsonText(w))
		}
	}
	return nil
}

// capture saves fields of doc as variables.
func (r *checkRun) capture(doc any, capture map[string]string) error {
	for _, name := range slices.Sorted(maps.Keys(capture)) {
		v, err := lookup(doc, capture[name])
		if err != nil {
			return fmt.Errorf("capturing %s: %w", name, err)
		}
		if v == nil {
			return fmt.Errorf("capturing %s: field %q is null", name, capture[name])
		}
		r.vars[name] = v
	}
	return nil
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return clip(string(b))
}

// socketIO runs one Socket.IO step.
func (r *checkRun) socketIO(ctx context.Context, s SocketIOStep) (string, error) {
	timeout := time.Duration(s.Timeout)
	if timeout <= 0 {
		timeout = DefaultSocketIOTimeout
	}
	stepCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	// timedOut turns a deadline into words: the step's or the check's.
	timedOut := func(err error, what string) error {
		switch {
		case ctx.Err() != nil:
			return fmt.Errorf("%s: the check's time ran out: %w", what, err)
		case stepCtx.Err() != nil:
			return fmt.Errorf("%s within %s (the step's timeout)", what, timeout)
		}
		return fmt.Errorf("%s: %w", what, err)
	}
	path := s.Path
	if path == "" {
		path = r.socketPath
	}
	path, err := r.vars.expand(path)
	if err != nil {
		return "", fmt.Errorf("path: %w", err)
	}
	var args []any
	if s.Payload != nil {
		p, err := r.vars.expandJSON(s.Payload)
		if err != nil {
			return "", fmt.Errorf("payload: %w", err)
		}
		args = []any{p}
	}
	frag, err := r.vars.expand(s.Expect.Contains)
	if err != nil {
		return "", fmt.Errorf("expect.contains: %w", err)
	}
	sock, connected, err := r.socket(stepCtx, path)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return "", timedOut(err, "no socket.io connection at "+path)
		}
		return "", err
	}
	var answer []json.RawMessage // the ack's or event's arguments
	var done string
	switch {
	case s.Emit != "" && s.Expect.Ack:
		ack, err := sock.EmitWithAck(stepCtx, s.Emit, args...)
		if err != nil {
			if stepCtx.Err() != nil {
				return "", timedOut(err, fmt.Sprintf("no ack for %q", s.Emit))
			}
			return "", err
		}
		if err := json.Unmarshal(ack, &answer); err != nil {
			return "", fmt.Errorf("the ack of %q is not a JSON array: %s", s.Emit, clip(string(ack)))
		}
		if !strings.Contains(string(ack), frag) {
			return "", fmt.Errorf("the ack of %q is %s, which does not contain %q", s.Emit, clip(string(ack)), frag)
		}
		done = s.Emit + " acked"
	case s.Emit != "":
		if err := sock.Emit(stepCtx, s.Emit, args...); err != nil {
			return "", err
		}
		done = s.Emit + " emitted"
	}
	if s.Expect.Event != "" {
		var seen string
		answer, seen, err = waitEventContaining(stepCtx, sock, s.Expect.Event, frag)
		if err != nil {
			if stepCtx.Err() != nil {
				err = timedOut(err, fmt.Sprintf("no %q event%s", s.Expect.Event, containing(frag)))
			}
			return "", fmt.Errorf("%w%s", err, seen)
		}
		if done != "" {
			done += ", "
		}
		done += s.Expect.Event + " received"
	}
	if len(s.Capture) > 0 {
		if len(answer) == 0 {
			return "", fmt.Errorf("capturing from the answer: it has no arguments")
		}
		first, err := decodeJSON(answer[0])
		if err != nil {
			return "", fmt.Errorf("capturing from the answer: %w", err)
		}
		if err := r.capture(first, s.Capture); err != nil {
			return "", fmt.Errorf("%w (answer: %s)", err, clip(string(answer[0])))
		}
	}
	if done == "" {
		done = "socket.io connected"
		if !connected {
			done = "socket.io still connected"
		}
	}
	return done, nil
}

// socket returns the check's connection at path, opening it (with the
// cookie jar's cookies) when it is the first; connected says it was opened
// now.
func (r *checkRun) socket(ctx context.Context, path string) (*Socket, bool, error) {
	if s, ok := r.sockets[path]; ok {
		if err := s.Err(); err != nil {
			return nil, false, fmt.Errorf("the socket.io session at %s ended: %w", path, err)
		}
		return s, false, nil
	}
	s, err := Dial(ctx, r.base, WithSocketPath(path), WithHTTPClient(r.client))
	if err != nil {
		var refused *ConnectError
		if errors.As(err, &refused) {
			return nil, false, fmt.Errorf("server refused the socket: %s", refused.Reason())
		}
		return nil, false, fmt.Errorf("connecting to socket.io at %s: %w", path, err)
	}
	r.sockets[path] = s
	return s, true, nil
}

func containing(frag string) string {
	if frag == "" {
		return ""
	}
	return fmt.Sprintf(" containing %q", frag)
}

// waitEventContaining waits for an event named name whose arguments, as a
// JSON array, contain frag; other events are passed over. When none comes,
// seen lists what did arrive, for the error.
func waitEventContaining(ctx context.Context, s *Socket, name, frag string) (args []json.RawMessage, seen string, err error) {
	var events []string
	saw := func() string {
		if len(events) == 0 {
			return " (no events arrived)"
		}
		if len(events) > 5 {
			events = append(events[:5], fmt.Sprintf("and %d more", len(events)-5))
		}
		return " (events seen: " + strings.Join(events, "; ") + ")"
	}
	for {
		select {
		case p := <-s.events:
			got, args, err := p.Event()
			if err != nil {
				events = append(events, err.Error())
				continue
			}
			text := argsText(args)
			if got == name && strings.Contains(text, frag) {
				return args, "", nil
			}
			events = append(events, got+" "+clip(text))
		case <-s.done:
			return nil, saw(), fmt.Errorf("the socket.io session ended while waiting for %q: %w", name, s.Err())
		case <-ctx.Done():
			return nil, saw(), fmt.Errorf("waiting for %q: %w", name, ctx.Err())
		}
	}
}

// argsText writes event arguments as the JSON array the server sent.
func argsText(args []json.RawMessage) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = string(a)
	}
	return "[" + strings.Join(parts, ",") + "]"
}
