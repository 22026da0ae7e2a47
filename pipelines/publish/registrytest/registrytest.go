// Package registrytest runs a real OCI registry on loopback for tests:
// go-containerregistry's pkg/registry behind the authentication real
// registries do (Basic credentials, a 401 with a WWW-Authenticate challenge
// otherwise), with switches for the failures a publish must survive: a
// read-only user (403 DENIED on writes), repositories that do not exist
// and are not created on push (404 NAME_UNKNOWN), a tag whose manifest PUT
// fails, a slow registry, error bodies that echo the credentials back.
//
// Every request is recorded with the status it got, so a test can count
// blob uploads and manifest PUTs, or check that nothing at all was sent.
// What the registry holds is read straight from it (Tags, Resolve,
// Repositories), not through the client under test.
//
// For benchmarks, Process runs the registry in a child process (the test
// binary itself, see ServeIfChild), so its memory does not count in the
// benchmark's allocations.
package registrytest

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
)

// Realm is the realm of the Basic challenge.
const Realm = "registrytest"

// user is an account of the registry.
type user struct {
	password string
	write    bool
}

type config struct {
	users    map[string]user
	repos    []string
	failTags map[string]int
	echo     bool
	addr     string
	tls      bool
	delay    time.Duration
	blobDir  string
}

// Option configures New.
type Option func(*config)

// WithUser adds a user who may push and pull. With at least one user, every
// request must carry Basic credentials of one; without any, the registry is
// open.
func WithUser(name, password string) Option {
	return func(c *config) { c.users[name] = user{password: password, write: true} }
}

// WithReadOnlyUser adds a user who may pull but whose writes (POST, PUT,
// PATCH, DELETE) get 403 DENIED.
func WithReadOnlyUser(name, password string) Option {
	return func(c *config) { c.users[name] = user{password: password} }
}

// WithRepositories makes the registry hold only these repositories (e.g.
// "team/app-frontend"), as ECR does: a request about any other gets 404
// NAME_UNKNOWN.
func WithRepositories(repos ...string) Option {
	return func(c *config) { c.repos = append(c.repos, repos...) }
}

// WithFailingTag makes every manifest PUT to tag answer status (e.g. 500)
// with a registry error body.
func WithFailingTag(tag string, status int) Option {
	return func(c *config) { c.failTags[tag] = status }
}

// WithEcho makes error bodies quote the request's Authorization header and
// the credentials decoded from it, as a careless registry or proxy might:
// the client must keep them out of its errors.
func WithEcho() Option {
	return func(c *config) { c.echo = true }
}

// WithAddress listens on addr (default "127.0.0.1:0"), e.g. "127.0.0.2:0":
// go-containerregistry speaks plain HTTP to 127.0.0.1 by default but HTTPS
// to other loopback addresses.
func WithAddress(addr string) Option {
	return func(c *config) { c.addr = addr }
}

// WithTLS serves HTTPS with a certificate no client trusts by default
// (Registry.Client trusts it).
func WithTLS() Option {
	return func(c *config) { c.tls = true }
}

// WithDelay makes every request wait d before it is answered (or until the
// client gives up).
func WithDelay(d time.Duration) Option {
	return func(c *config) { c.delay = d }
}

// WithBlobDir stores blobs in files under dir instead of in memory.
func WithBlobDir(dir string) Option {
	return func(c *config) { c.blobDir = dir }
}

// Request is one request the registry answered.
type Request struct {
	// Method and Path are the request's; Query its raw query.
	Method, Path, Query string
	// User is the user name of the credentials sent ("" for none), whether
	// or not they were accepted.
	User string
	// Status is the status answered.
	Status int
}

// Registry is a registry served on loopback.
type Registry struct {
	// Host is "127.0.0.1:port", the registry part of references.
	Host string
	// URL is "http://127.0.0.1:port" (https with WithTLS).
	URL string

	srv   *httptest.Server
	inner http.Handler
	cfg   config

	mu   sync.Mutex
	reqs []Request
}

func newConfig(opts []Option) config {
	c := config{users: map[string]user{}, failTags: map[string]int{}, addr: "127.0.0.1:0"}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// New starts a registry; it stops when the test ends.
func New(tb testing.TB, opts ...Option) *Registry {
	tb.Helper()
	r, err := start(newConfig(opts))
	if err != nil {
		tb.Fatalf("starting the test registry: %v", err)
	}
	tb.Cleanup(r.Close)
	return r
}

func start(c config) (*Registry, error) {
	ropts := []registry.Option{registry.Logger(log.New(io.Discard, "", 0))}
	if c.blobDir != "" {
		ropts = append(ropts, registry.WithBlobHandler(registry.NewDiskBlobHandler(c.blobDir)))
	}
	r := &Registry{cfg: c, inner: registry.New(ropts...)}
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", c.addr, err)
	}
	r.srv = httptest.NewUnstartedServer(http.HandlerFunc(r.serve))
	_ = r.srv.Listener.Close()
	r.srv.Listener = ln
	r.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	if c.tls {
		cert, err := selfSigned(ln.Addr().(*net.TCPAddr).IP)
		if err != nil {
			_ = ln.Close()
			return nil, err
		}
		r.srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
		r.srv.StartTLS()
	} else {
		r.srv.Start()
	}
	r.URL = r.srv.URL
	r.Host = strings.TrimPrefix(strings.TrimPrefix(r.URL, "http://"), "https://")
	return r, nil
}

// selfSigned makes a certificate for ip that no system trusts.
func selfSigned(ip net.IP) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("making a test certificate: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "registrytest"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IPAddresses:           []net.IP{ip},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("making a test certificate: %w", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

// Close stops the registry.
func (r *Registry) Close() { r.srv.Close() }

// Client returns an HTTP client that trusts the registry's certificate.
func (r *Registry) Client() *http.Client { return r.srv.Client() }

// Requests returns the requests answered so far, in order.
func (r *Registry) Requests() []Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.reqs)
}

// Reset forgets the requests answered so far.
func (r *Registry) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reqs = nil
}

// BlobCommits counts, per digest, the blob uploads to repo that the
// registry accepted (a 201 to the PUT that completes an upload, or to a
// monolithic POST).
func (r *Registry) BlobCommits(repo string) map[string]int {
	n := map[string]int{}
	prefix := "/v2/" + repo + "/blobs/uploads/"
	for _, q := range r.Requests() {
		if q.Status != http.StatusCreated || !strings.HasPrefix(q.Path, prefix) {
			continue
		}
		if d := queryValue(q.Query, "digest"); d != "" && (q.Method == http.MethodPut || q.Method == http.MethodPost) {
			n[d]++
		}
	}
	return n
}

// BlobRequests counts the requests about repo's blobs (HEAD, GET, POST,
// PATCH, PUT), whatever their outcome.
func (r *Registry) BlobRequests(repo string) int {
	n := 0
	for _, q := range r.Requests() {
		if strings.HasPrefix(q.Path, "/v2/"+repo+"/blobs/") {
			n++
		}
	}
	return n
}

// ManifestPuts returns the references (tags or digests) of the accepted
// manifest PUTs to repo, in order.
func (r *Registry) ManifestPuts(repo string) []string {
	var refs []string
	prefix := "/v2/" + repo + "/manifests/"
	for _, q := range r.Requests() {
		if q.Method == http.MethodPut && q.Status == http.StatusCreated && strings.HasPrefix(q.Path, prefix) {
			refs = append(refs, strings.TrimPrefix(q.Path, prefix))
		}
	}
	return refs
}

func queryValue(raw, key string) string {
	q, err := url.ParseQuery(raw)
	if err != nil {
		return ""
	}
	return q.Get(key)
}

// Repositories returns the repositories holding a manifest, read from the
// registry directly (no authentication, not recorded).
func (r *Registry) Repositories(tb testing.TB) []string {
	tb.Helper()
	var out struct {
		Repositories []string `json:"repositories"`
	}
	r.direct(tb, http.MethodGet, "/v2/_catalog", &out)
	return out.Repositories
}

// Tags returns repo's tags, read from the registry directly; nil when the
// repository does not exist.
func (r *Registry) Tags(tb testing.TB, repo string) []string {
	tb.Helper()
	var out struct {
		Tags []string `json:"tags"`
	}
	if r.direct(tb, http.MethodGet, "/v2/"+repo+"/tags/list", &out) == http.StatusNotFound {
		return nil
	}
	slices.Sort(out.Tags)
	return out.Tags
}

// Resolve returns the digest repo:tag points to, read from the registry
// directly; "" when there is no such tag.
func (r *Registry) Resolve(tb testing.TB, repo, tag string) string {
	tb.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodHead, "/v2/"+repo+"/manifests/"+tag, nil)
	r.inner.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		return ""
	}
	return rec.Header().Get("Docker-Content-Digest")
}

func (r *Registry) direct(tb testing.TB, method, path string, out any) int {
	tb.Helper()
	rec := httptest.NewRecorder()
	r.inner.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	if rec.Code == http.StatusOK {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			tb.Fatalf("reading %s %s from the test registry: %v", method, path, err)
		}
	}
	return rec.Code
}

// statusWriter remembers the status written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (r *Registry) serve(w http.ResponseWriter, req *http.Request) {
	sw := &statusWriter{ResponseWriter: w}
	u, _, _ := req.BasicAuth()
	defer func() {
		r.mu.Lock()
		r.reqs = append(r.reqs, Request{Method: req.Method, Path: req.URL.Path, Query: req.URL.RawQuery, User: u, Status: sw.status})
		r.mu.Unlock()
	}()
	if r.cfg.delay > 0 {
		select {
		case <-time.After(r.cfg.delay):
		case <-req.Context().Done():
			sw.WriteHeader(http.StatusServiceUnavailable)
			return
		}
	}
	r.handle(sw, req)
}

func (r *Registry) handle(w http.ResponseWriter, req *http.Request) {
	if len(r.cfg.users) > 0 {
		name, password, ok := req.BasicAuth()
		acct, known := r.cfg.users[name]
		if !ok || !known || subtle.ConstantTimeCompare([]byte(acct.password), []byte(password)) != 1 {
			w.Header().Set("WWW-Authenticate", fmt.Sprintf("Basic realm=%q", Realm))
			r.fail(w, req, http.StatusUnauthorized, "UNAUTHORIZED", "authentication required")
			return
		}
		if !acct.write && req.Method != http.MethodGet && req.Method != http.MethodHead {
			r.fail(w, req, http.StatusForbidden, "DENIED", "requested access to the resource is denied")
			return
		}
	}
	repo, kind, ref := splitPath(req.URL.Path)
	if repo != "" && len(r.cfg.repos) > 0 && !slices.Contains(r.cfg.repos, repo) {
		r.fail(w, req, http.StatusNotFound, "NAME_UNKNOWN", fmt.Sprintf("repository name not known to registry: %s", repo))
		return
	}
	if kind == "manifests" && req.Method == http.MethodPut {
		if status, ok := r.cfg.failTags[ref]; ok {
			r.fail(w, req, status, "UNKNOWN", fmt.Sprintf("storing the manifest of tag %s failed", ref))
			return
		}
	}
	r.inner.ServeHTTP(w, req)
}

// fail answers a registry error, with the credentials quoted back when
// echoing.
func (r *Registry) fail(w http.ResponseWriter, req *http.Request, status int, code, msg string) {
	if r.cfg.echo {
		if h := req.Header.Get("Authorization"); h != "" {
			msg += fmt.Sprintf(" (you sent Authorization: %s", h)
			if b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(h, "Basic ")); err == nil {
				msg += fmt.Sprintf(", that is %s", b)
			}
			msg += ")"
		}
	}
	body, _ := json.Marshal(map[string]any{"errors": []map[string]string{{"code": code, "message": msg}}})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if req.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// splitPath splits "/v2/<repo>/<kind>/<ref>" where kind is manifests, blobs
// or tags.
func splitPath(p string) (repo, kind, ref string) {
	rest, ok := strings.CutPrefix(p, "/v2/")
	if !ok {
		return "", "", ""
	}
	for _, k := range []string{"/manifests/", "/blobs/", "/tags/"} {
		if i := strings.LastIndex(rest, k); i > 0 {
			return rest[:i], strings.Trim(k, "/"), rest[i+len(k):]
		}
	}
	return "", "", ""
}

// childEnv tells a test binary to serve a registry (see ServeIfChild).
const childEnv = "STACK_REGISTRYTEST_CHILD"

// childConfig is what Process passes to its child.
type childConfig struct {
	Users   map[string]string `json:"users"`
	BlobDir string            `json:"blob_dir"`
}

// ServeIfChild serves a registry when the test binary was started by
// Process, until its standard input closes, and then exits; otherwise it
// returns at once. Call it first in TestMain.
func ServeIfChild() {
	raw := os.Getenv(childEnv)
	if raw == "" {
		return
	}
	var cc childConfig
	if err := json.Unmarshal([]byte(raw), &cc); err != nil {
		fmt.Fprintf(os.Stderr, "registrytest child: reading %s: %v\n", childEnv, err)
		os.Exit(2)
	}
	var opts []Option
	for u, p := range cc.Users {
		opts = append(opts, WithUser(u, p))
	}
	if cc.BlobDir != "" {
		opts = append(opts, WithBlobDir(cc.BlobDir))
	}
	r, err := start(newConfig(opts))
	if err != nil {
		fmt.Fprintf(os.Stderr, "registrytest child: %v\n", err)
		os.Exit(2)
	}
	fmt.Printf("listening on %s\n", r.Host)
	_, _ = io.Copy(io.Discard, os.Stdin)
	r.Close()
	os.Exit(0)
}

// Process is a registry served by a child process.
type Process struct {
	// Host is "127.0.0.1:port".
	Host string
}

// StartProcess starts the test binary again as a registry (the package's
// TestMain must call ServeIfChild) with Basic authentication for the user
// and blobs stored on disk under a temporary directory. The child stops
// when the test ends.
func StartProcess(tb testing.TB, username, password string) *Process {
	tb.Helper()
	raw, err := json.Marshal(childConfig{Users: map[string]string{username: password}, BlobDir: tb.TempDir()})
	if err != nil {
		tb.Fatalf("encoding the registry's configuration: %v", err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^$", "-test.fuzz=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+string(raw))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatalf("starting the registry process: %v", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatalf("starting the registry process: %v", err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("starting the registry process: %v", err)
	}
	tb.Cleanup(func() {
		_ = stdin.Close()
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	host, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	if err != nil || !ok {
		tb.Fatalf("the registry process did not say where it listens: %q, %v", line, err)
	}
	return &Process{Host: host}
}
