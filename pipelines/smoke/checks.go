package smoke

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Target describes the stack under test as seen through its front door.
type Target struct {
	// BaseURL is the frontend's address, e.g. "http://frontend:80".
	BaseURL string
	// DeepLink is a client-side route that only the SPA fallback can serve.
	DeepLink string
	// HealthPath is the backend health endpoint as proxied by the frontend.
	HealthPath string
	// Dependencies are the keys of the health JSON that must say "ok".
	Dependencies []string
	// NotesPath is the REST collection used for the write-then-read round trip.
	NotesPath string
	// SocketPath is the Socket.IO path.
	SocketPath string
	// SecurityHeaders must be present on every checked response.
	SecurityHeaders []string
	// Client is the HTTP client; nil means a client with a 10s timeout.
	Client *http.Client
}

// DefaultTarget returns the HiveMind defaults for the frontend at base.
func DefaultTarget(base string) Target {
	return Target{
		BaseURL:      strings.TrimSuffix(base, "/"),
		DeepLink:     "/about",
		HealthPath:   "/api/v1/health",
		Dependencies: []string{"postgres", "redis"},
		NotesPath:    "/api/v1/notes",
		SocketPath:   "/socket.io/",
		SecurityHeaders: []string{
			"X-Frame-Options",
			"X-Content-Type-Options",
			"Referrer-Policy",
			"Content-Security-Policy",
		},
	}
}

func (t Target) client() *http.Client {
	if t.Client != nil {
		return t.Client
	}
	return &http.Client{Timeout: 10 * time.Second}
}

// Checks returns the standard checks, in the order they should run.
func (t Target) Checks() []Check {
	return []Check{
		{"spa-index", t.CheckIndex},
		{"spa-deep-link", t.CheckDeepLink},
		{"api-health", t.CheckHealth},
		{"rest-roundtrip", t.CheckRoundTrip},
		{"websocket-echo", t.CheckEcho},
		{"websocket-broadcast", t.CheckBroadcast},
		{"security-headers", t.CheckSecurityHeaders},
		{"cache-headers", t.CheckCacheHeaders},
		{"gzip", t.CheckGzip},
	}
}

// response is a fetched HTTP response with its body read.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (t Target) do(ctx context.Context, method, path string, body []byte, header http.Header) (response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, t.BaseURL+path, rd)
	if err != nil {
		return response{}, fmt.Errorf("building %s %s: %w", method, path, err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	if body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := t.client().Do(req)
	if err != nil {
		return response{}, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return response{}, fmt.Errorf("%s %s: reading body: %w", method, path, err)
	}
	return response{resp.StatusCode, resp.Header, b}, nil
}

func (t Target) get(ctx context.Context, path string) (response, error) {
	return t.do(ctx, http.MethodGet, path, nil, nil)
}

func expectStatus(r response, want int, what string) error {
	if r.status != want {
		return fmt.Errorf("%s: HTTP %d, want %d (body: %q)", what, r.status, want, clip(string(r.body)))
	}
	return nil
}

// isSPA reports whether a body looks like the SPA's index.html.
func isSPA(r response) error {
	ct := r.header.Get("Content-Type")
	if !strings.HasPrefix(ct, "text/html") {
		return fmt.Errorf("content type %q, want text/html", ct)
	}
	if !bytes.Contains(r.body, []byte("<script")) {
		return fmt.Errorf("HTML without a <script>: not the SPA (body: %q)", clip(string(r.body)))
	}
	return nil
}

// CheckIndex fetches / and expects the SPA's index.html.
func (t Target) CheckIndex(ctx context.Context) (string, error) {
	r, err := t.get(ctx, "/")
	if err != nil {
		return "", err
	}
	if err := expectStatus(r, http.StatusOK, "GET /"); err != nil {
		return "", err
	}
	if err := isSPA(r); err != nil {
		return "", fmt.Errorf("GET /: %w", err)
	}
	return fmt.Sprintf("GET / 200, %d bytes of HTML", len(r.body)), nil
}

// CheckDeepLink fetches a client-side route and expects the same index.html
// (the SPA fallback), not a 404.
func (t Target) CheckDeepLink(ctx context.Context) (string, error) {
	idx, err := t.get(ctx, "/")
	if err != nil {
		return "", err
	}
	r, err := t.get(ctx, t.DeepLink)
	if err != nil {
		return "", err
	}
	if err := expectStatus(r, http.StatusOK, "GET "+t.DeepLink); err != nil {
		return "", err
	}
	if err := isSPA(r); err != nil {
		return "", fmt.Errorf("GET %s: %w", t.DeepLink, err)
	}
	if !bytes.Equal(r.body, idx.body) {
		return "", fmt.Errorf("GET %s returned HTML that differs from / (no index.html fallback?)", t.DeepLink)
	}
	return fmt.Sprintf("GET %s 200, served index.html", t.DeepLink), nil
}

// Health is the backend's health document.
type Health map[string]any

// FetchHealth fetches the health endpoint and decodes it, whatever the status.
func (t Target) FetchHealth(ctx context.Context) (int, Health, error) {
	r, err := t.get(ctx, t.HealthPath)
	if err != nil {
		return 0, nil, err
	}
	var h Health
	if err := json.Unmarshal(r.body, &h); err != nil {
		return r.status, nil, fmt.Errorf("GET %s: HTTP %d, body is not JSON: %q", t.HealthPath, r.status, clip(string(r.body)))
	}
	return r.status, h, nil
}

// CheckHealth expects the health endpoint to answer 200 with status ok and
// every dependency ok.
func (t Target) CheckHealth(ctx context.Context) (string, error) {
	status, h, err := t.FetchHealth(ctx)
	if err != nil {
		return "", err
	}
	if status != http.StatusOK {
		return "", fmt.Errorf("GET %s: HTTP %d, want 200: %v", t.HealthPath, status, h)
	}
	if h["status"] != "ok" {
		return "", fmt.Errorf("GET %s: status %v, want ok", t.HealthPath, h["status"])
	}
	for _, dep := range t.Dependencies {
		if h[dep] != "ok" {
			return "", fmt.Errorf("GET %s: %s is %v, want ok", t.HealthPath, dep, h[dep])
		}
	}
	return fmt.Sprintf("GET %s 200, status ok, %s ok", t.HealthPath, strings.Join(t.Dependencies, ", ")), nil
}

func nonce() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}

// CheckRoundTrip writes a note through the API and reads it back by id.
func (t Target) CheckRoundTrip(ctx context.Context) (string, error) {
	text := "smoke " + nonce()
	body, _ := json.Marshal(map[string]string{"text": text}) // a map of strings always marshals
	w, err := t.do(ctx, http.MethodPost, t.NotesPath, body, nil)
	if err != nil {
		return "", err
	}
	if err := expectStatus(w, http.StatusCreated, "POST "+t.NotesPath); err != nil {
		return "", err
	}
	var created struct {
		ID   json.Number `json:"id"`
		Text string      `json:"text"`
	}
	if err := json.Unmarshal(w.body, &created); err != nil || created.ID == "" {
		return "", fmt.Errorf("POST %s: answer has no id: %q", t.NotesPath, clip(string(w.body)))
	}
	path := t.NotesPath + "/" + created.ID.String()
	r, err := t.get(ctx, path)
	if err != nil {
		return "", err
	}
	if err := expectStatus(r, http.StatusOK, "GET "+path); err != nil {
		return "", err
	}
	var read struct {
		Text string `json:"text"`
	}
	if err := json.Unmarshal(r.body, &read); err != nil {
		return "", fmt.Errorf("GET %s: body is not JSON: %q", path, clip(string(r.body)))
	}
	if read.Text != text {
		return "", fmt.Errorf("GET %s: text %q, want %q", path, read.Text, text)
	}
	return fmt.Sprintf("POST %s 201 then GET %s 200, same text", t.NotesPath, path), nil
}

// CheckEcho opens a Socket.IO session over a WebSocket upgrade and expects an
// `echo` event to be acknowledged with its payload.
func (t Target) CheckEcho(ctx context.Context) (string, error) {
	s, err := Dial(ctx, t.BaseURL, WithSocketPath(t.SocketPath), WithHTTPClient(t.client()))
	if err != nil {
		return "", err
	}
	defer s.Close()
	payload := map[string]string{"nonce": nonce()}
	start := time.Now()
	ack, err := s.EmitWithAck(ctx, "echo", payload)
	if err != nil {
		return "", err
	}
	if err := samePayload(ack, payload); err != nil {
		return "", fmt.Errorf("echo ack: %w", err)
	}
	return fmt.Sprintf("websocket session %s, echo acknowledged in %s", s.SID, time.Since(start).Round(time.Microsecond)), nil
}

// CheckBroadcast connects two clients; one emits `shout` and the other must
// receive the `broadcast` event carrying the payload.
func (t Target) CheckBroadcast(ctx context.Context) (string, error) {
	listener, err := Dial(ctx, t.BaseURL, WithSocketPath(t.SocketPath), WithHTTPClient(t.client()))
	if err != nil {
		return "", fmt.Errorf("second client: %w", err)
	}
	defer listener.Close()
	sender, err := Dial(ctx, t.BaseURL, WithSocketPath(t.SocketPath), WithHTTPClient(t.client()))
	if err != nil {
		return "", fmt.Errorf("first client: %w", err)
	}
	defer sender.Close()
	payload := map[string]string{"nonce": nonce()}
	if err := sender.Emit(ctx, "shout", payload); err != nil {
		return "", err
	}
	for {
		args, err := listener.WaitEvent(ctx, "broadcast")
		if err != nil {
			return "", fmt.Errorf("second client: %w", err)
		}
		if len(args) > 0 && samePayload(json.RawMessage("["+string(args[0])+"]"), payload) == nil {
			return "broadcast from one client reached the other", nil
		}
	}
}

// samePayload checks that an ack's argument array starts with payload.
func samePayload(args json.RawMessage, payload map[string]string) error {
	var got []map[string]any
	if err := json.Unmarshal(args, &got); err != nil || len(got) == 0 {
		return fmt.Errorf("got %s, want [%v]", clip(string(args)), payload)
	}
	for k, v := range payload {
		if got[0][k] != v {
			return fmt.Errorf("got %s, want [%v]", clip(string(args)), payload)
		}
	}
	return nil
}

var assetRE = regexp.MustCompile(`(?:src|href)="(/assets/[^"]+\.(?:js|css))"`)

// assets returns the hashed asset paths index.html refers to.
func (t Target) assets(ctx context.Context) ([]string, error) {
	r, err := t.get(ctx, "/")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, m := range assetRE.FindAllSubmatch(r.body, -1) {
		out = append(out, string(m[1]))
	}
	if len(out) == 0 {
		return nil, errors.New("index.html refers to no /assets/*.js or *.css")
	}
	return out, nil
}

// CheckSecurityHeaders expects the security headers on the SPA, an asset and
// a proxied API response (nginx drops server-level add_header in locations
// that set their own, so each kind of location is checked).
func (t Target) CheckSecurityHeaders(ctx context.Context) (string, error) {
	assets, err := t.assets(ctx)
	if err != nil {
		return "", err
	}
	paths := []string{"/", t.DeepLink, assets[0], t.HealthPath}
	var missing []string
	for _, p := range paths {
		r, err := t.get(ctx, p)
		if err != nil {
			return "", err
		}
		for _, h := range t.SecurityHeaders {
			if r.header.Get(h) == "" {
				missing = append(missing, h+" on "+p)
			}
		}
	}
	if len(missing) > 0 {
		return "", fmt.Errorf("missing: %s", strings.Join(missing, ", "))
	}
	return fmt.Sprintf("%d headers on %d paths", len(t.SecurityHeaders), len(paths)), nil
}

// CheckCacheHeaders expects no-cache on index.html and a year-long immutable
// cache on hashed assets.
func (t Target) CheckCacheHeaders(ctx context.Context) (string, error) {
	idx, err := t.get(ctx, "/")
	if err != nil {
		return "", err
	}
	if cc := idx.header.Get("Cache-Control"); !strings.Contains(cc, "no-cache") && !strings.Contains(cc, "no-store") {
		return "", fmt.Errorf("GET /: Cache-Control %q, want no-cache", cc)
	}
	assets, err := t.assets(ctx)
	if err != nil {
		return "", err
	}
	for _, a := range assets {
		r, err := t.get(ctx, a)
		if err != nil {
			return "", err
		}
		if err := expectStatus(r, http.StatusOK, "GET "+a); err != nil {
			return "", err
		}
		cc := r.header.Get("Cache-Control")
		if maxAge(cc) < 31536000 || !strings.Contains(cc, "immutable") {
			return "", fmt.Errorf("GET %s: Cache-Control %q, want max-age>=31536000, immutable", a, cc)
		}
	}
	return fmt.Sprintf("index.html no-cache; %d hashed assets immutable for a year", len(assets)), nil
}

// maxAge returns the max-age of a Cache-Control value, or -1.
func maxAge(cc string) int {
	for _, part := range strings.Split(cc, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if ok && strings.EqualFold(k, "max-age") {
			n, err := strconv.Atoi(strings.Trim(v, `"`))
			if err == nil {
				return n
			}
		}
	}
	return -1
}

// CheckGzip expects text assets to be served gzip-compressed on request.
func (t Target) CheckGzip(ctx context.Context) (string, error) {
	assets, err := t.assets(ctx)
	if err != nil {
		return "", err
	}
	gz := http.Header{"Accept-Encoding": {"gzip"}}
	var parts []string
	for _, a := range assets {
		r, err := t.do(ctx, http.MethodGet, a, nil, gz)
		if err != nil {
			return "", err
		}
		if enc := r.header.Get("Content-Encoding"); enc != "gzip" {
			return "", fmt.Errorf("GET %s with Accept-Encoding gzip: Content-Encoding %q, want gzip", a, enc)
		}
		parts = append(parts, fmt.Sprintf("%s %dB", a[strings.LastIndexByte(a, '/')+1:], len(r.body)))
	}
	return "gzip: " + strings.Join(parts, ", "), nil
}
