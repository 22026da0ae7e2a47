package publish

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"unicode/utf8"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// The ci/ arguments that the error messages tell people to check. ci/'s
// Publish and Release take the registry credentials and the insecure switch
// under these names.
const (
	FlagUsername = "--registry-username"
	FlagPassword = "--registry-password"
	FlagInsecure = "--registry-insecure"
)

// ErrorKind classifies what went wrong talking to a registry, for callers
// that branch on it (retry a timeout, not a refused password).
type ErrorKind string

const (
	// KindUnauthorized: the registry refused the credentials (HTTP 401,
	// UNAUTHORIZED), or asked for some and none were given.
	KindUnauthorized ErrorKind = "unauthorized"
	// KindDenied: the credentials are good but may not push to (or read)
	// the repository (HTTP 403, DENIED).
	KindDenied ErrorKind = "denied"
	// KindNameUnknown: the repository does not exist and the registry does
	// not create repositories on push (404 NAME_UNKNOWN; ECR does this).
	KindNameUnknown ErrorKind = "name-unknown"
	// KindNotFound: a tag that was just pushed is not there (404 while
	// verifying).
	KindNotFound ErrorKind = "not-found"
	// KindMismatch: a tag resolves to another digest than the one pushed:
	// something else pushed to it meanwhile.
	KindMismatch ErrorKind = "digest-mismatch"
	// KindRateLimited: the registry is throttling requests (429,
	// TOOMANYREQUESTS).
	KindRateLimited ErrorKind = "rate-limited"
	// KindRejected: the registry refused the content or the name (400, a
	// *_INVALID code).
	KindRejected ErrorKind = "rejected"
	// KindServer: the registry failed (HTTP 5xx).
	KindServer ErrorKind = "server-error"
	// KindRegistry: another HTTP error status.
	KindRegistry ErrorKind = "registry-error"
	// KindPlainHTTP: the registry speaks plain HTTP and HTTPS was tried;
	// WithInsecure allows plain HTTP.
	KindPlainHTTP ErrorKind = "plain-http"
	// KindTLS: the registry's TLS certificate is not trusted.
	KindTLS ErrorKind = "tls"
	// KindUnreachable: the registry host cannot be resolved or connected
	// to.
	KindUnreachable ErrorKind = "unreachable"
	// KindTimeout: the registry did not answer in time (the context's
	// deadline, or a network timeout).
	KindTimeout ErrorKind = "timeout"
	// KindCanceled: the context was canceled.
	KindCanceled ErrorKind = "canceled"
	// KindOther: anything else.
	KindOther ErrorKind = "other"
)

// maxDetail bounds Error.Detail, in bytes: a registry's error body can be a
// whole HTML page.
const maxDetail = 400

// Error is a failed registry operation on one image, classified and
// explained. Its text names the operation, the image and the reference, says
// what to do, and ends with what the registry or the network said. It never
// holds the password: the registry's words are redacted of it (and of the
// Authorization header it makes) before they are kept, and the original
// error is not kept either, since it may quote them.
type Error struct {
	// Kind classifies the failure.
	Kind ErrorKind
	// Op is what was being done: "pushing", "tagging" or "verifying".
	Op string
	// Image is the image's name in the stack, e.g. "frontend".
	Image string
	// Ref is the reference being written or read, e.g.
	// "ghcr.io/acme/hivemind-frontend:1.2.3".
	Ref string
	// Registry is the registry host, e.g. "ghcr.io".
	Registry string
	// User is the user name the credentials are for; empty for anonymous.
	User string
	// StatusCode is the HTTP status the registry answered; 0 when the
	// request got no answer.
	StatusCode int
	// Codes are the registry's error codes, e.g. "UNAUTHORIZED".
	Codes []string
	// Message says what went wrong and what to do about it.
	Message string
	// Detail is what the registry or the network said, redacted and
	// shortened.
	Detail string

	cause error
}

// Error returns "<op> <image> as <ref>: <message> (<detail>)".
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s as %s: %s", e.Op, e.Image, e.Ref, e.Message)
	if e.Detail != "" {
		fmt.Fprintf(&b, " (%s)", e.Detail)
	}
	return b.String()
}

// Unwrap returns context.Canceled or context.DeadlineExceeded when the
// failure was one, so errors.Is works for them; otherwise an error with the
// redacted detail.
func (e *Error) Unwrap() error { return e.cause }

// sanitized stands in for a registry error whose text may hold credentials:
// its text is redacted, and it unwraps to the context error, if any.
type sanitized struct {
	msg string
	ctx error
}

func (s *sanitized) Error() string { return s.msg }
func (s *sanitized) Unwrap() error { return s.ctx }

// call describes the registry operation an error happened in.
type call struct {
	op       string
	image    string
	ref      string
	registry string
	repo     string
	user     string
	secrets  []string
	// plainHTTP is set when plain HTTP was tried too (WithInsecure, or a
	// loopback or private address), so an HTTPS failure is not the story.
	plainHTTP bool
}

// classify explains err, which a go-containerregistry call made during c,
// as an *Error. The text of err is redacted of c.secrets first.
func classify(err error, c call) *Error {
	e := &Error{Kind: KindOther, Op: c.op, Image: c.image, Ref: c.ref, Registry: c.registry, User: c.user}
	e.Detail = shorten(redact(err.Error(), c.secrets))
	s := &sanitized{msg: e.Detail}
	switch {
	case errors.Is(err, context.Canceled):
		s.ctx = context.Canceled
	case errors.Is(err, context.DeadlineExceeded):
		s.ctx = context.DeadlineExceeded
	}
	e.cause = s
	for i, code := range registryCodes(err) {
		if i == 0 || !slices.Contains(e.Codes, code) {
			e.Codes = append(e.Codes, code)
		}
	}
	var terr *transport.Error
	if errors.As(err, &terr) {
		e.StatusCode = terr.StatusCode
	}
	e.Kind, e.Message = explain(err, e, c)
	return e
}

// registryCodes returns the error codes of the registry's answer, in order.
func registryCodes(err error) []string {
	var terr *transport.Error
	if !errors.As(err, &terr) {
		return nil
	}
	var codes []string
	for _, d := range terr.Errors {
		codes = append(codes, string(d.Code))
	}
	return codes
}

func (e *Error) hasCode(codes ...transport.ErrorCode) bool {
	for _, c := range codes {
		if slices.Contains(e.Codes, string(c)) {
			return true
		}
	}
	return false
}

// explain returns the kind of err and a message saying what to do.
func explain(err error, e *Error, c call) (ErrorKind, string) {
	reg := c.registry
	who := fmt.Sprintf("user %q", c.user)
	if c.user == "" {
		who = "anonymous users"
	}
	action := "push to"
	if c.op == opVerify {
		action = "read"
	}
	var terr *transport.Error
	switch {
	case errors.Is(err, context.Canceled):
		return KindCanceled, "canceled"
	case isTimeout(err):
		return KindTimeout, fmt.Sprintf("registry %s did not answer in time: check that it is reachable from here, or allow the publish more time", reg)
	case errors.As(err, &terr):
		switch {
		case e.hasCode(transport.UnauthorizedErrorCode) || terr.StatusCode == http.StatusUnauthorized:
			if c.user == "" {
				return KindUnauthorized, fmt.Sprintf("registry %s requires credentials and none were given: pass %s and %s", reg, FlagUsername, FlagPassword)
			}
			return KindUnauthorized, fmt.Sprintf("registry %s refused the credentials of user %q: check %s and %s", reg, c.user, FlagUsername, FlagPassword)
		case e.hasCode(transport.DeniedErrorCode) || terr.StatusCode == http.StatusForbidden:
			return KindDenied, fmt.Sprintf("%s may not %s %s: give the user write access to the repository (on ghcr.io, a token with the write:packages scope that the package grants access to)", who, action, c.repo)
		case e.hasCode(transport.NameUnknownErrorCode):
			return KindNameUnknown, fmt.Sprintf("repository %s does not exist on registry %s, which does not create repositories on push: create it first, or check the registry prefix", c.repo, reg)
		case terr.StatusCode == http.StatusNotFound && c.op == opVerify:
			return KindNotFound, fmt.Sprintf("%s is not in registry %s right after it was pushed", c.ref, reg)
		case terr.StatusCode == http.StatusNotFound:
			return KindNameUnknown, fmt.Sprintf("registry %s answered 404 Not Found for repository %s: check the registry prefix (does the registry serve the /v2/ API at that address?)", reg, c.repo)
		case e.hasCode(transport.TooManyRequestsErrorCode) || terr.StatusCode == http.StatusTooManyRequests:
			return KindRateLimited, fmt.Sprintf("registry %s is rate-limiting requests: try again later", reg)
		case terr.StatusCode >= 500:
			return KindServer, fmt.Sprintf("registry %s failed with HTTP %d %s: it may be unavailable for a moment, try again", reg, terr.StatusCode, http.StatusText(terr.StatusCode))
		case terr.StatusCode == http.StatusBadRequest || e.hasCode(transport.NameInvalidErrorCode, transport.TagInvalidErrorCode,
			transport.ManifestInvalidErrorCode, transport.DigestInvalidErrorCode, transport.SizeInvalidErrorCode, transport.UnsupportedErrorCode):
			return KindRejected, fmt.Sprintf("registry %s rejected the request (HTTP %d %s)", reg, terr.StatusCode, strings.Join(e.Codes, ", "))
		default:
			return KindRegistry, fmt.Sprintf("registry %s answered HTTP %d %s", reg, terr.StatusCode, http.StatusText(terr.StatusCode))
		}
	case !c.plainHTTP && isPlainHTTP(err):
		return KindPlainHTTP, fmt.Sprintf("registry %s speaks plain HTTP, not HTTPS: if it is meant to (a local or internal registry), set %s", reg, FlagInsecure)
	case isTLS(err):
		return KindTLS, fmt.Sprintf("the TLS certificate of registry %s is not trusted: give the registry a certificate this machine trusts", reg)
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return KindUnreachable, fmt.Sprintf("cannot resolve the registry host %q: check the registry prefix and this machine's DNS", dns.Name)
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return KindUnreachable, fmt.Sprintf("cannot connect to registry %s: connection refused; is it running, and are the host and port right?", reg)
	}
	var op *net.OpError
	if errors.As(err, &op) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH) {
		return KindUnreachable, fmt.Sprintf("cannot reach registry %s: check the network and the registry address", reg)
	}
	return KindOther, fmt.Sprintf("talking to registry %s failed", reg)
}

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// isPlainHTTP reports an HTTPS request answered in plain HTTP.
func isPlainHTTP(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "server gave HTTP response to HTTPS client") ||
		strings.Contains(msg, "first record does not look like a TLS handshake")
}

func isTLS(err error) bool {
	var (
		verr *tls.CertificateVerificationError
		uerr x509.UnknownAuthorityError
		herr x509.HostnameError
		cerr x509.CertificateInvalidError
		rerr tls.RecordHeaderError
	)
	return errors.As(err, &verr) || errors.As(err, &uerr) || errors.As(err, &herr) || errors.As(err, &cerr) || errors.As(err, &rerr)
}

// authHeader matches the value of an Authorization header, in case a
// registry quotes one back: the scheme and the credentials after it.
var authHeader = regexp.MustCompile(`(?i)\b(basic|bearer)\s+[A-Za-z0-9+/=._~-]{6,}`)

// secretForms returns the ways the password can appear in a registry's
// answer: as is, URL- and JSON-escaped, and in the base64 of the Basic
// Authorization header. Longest first, so a longer form is replaced whole.
func secretForms(user, password string) []string {
	if password == "" {
		return nil
	}
	cred := user + ":" + password
	forms := []string{
		password,
		url.QueryEscape(password),
		url.PathEscape(password),
		base64.StdEncoding.EncodeToString([]byte(cred)),
		base64.RawStdEncoding.EncodeToString([]byte(cred)),
		base64.URLEncoding.EncodeToString([]byte(cred)),
		base64.RawURLEncoding.EncodeToString([]byte(cred)),
		base64.StdEncoding.EncodeToString([]byte(password)),
		base64.RawStdEncoding.EncodeToString([]byte(password)),
	}
	if b, err := json.Marshal(password); err == nil {
		forms = append(forms, strings.Trim(string(b), `"`))
	}
	slices.SortFunc(forms, func(a, b string) int { return len(b) - len(a) })
	return slices.Compact(forms)
}

// redact removes every secret form, and any Authorization header value,
// from s.
func redact(s string, secrets []string) string {
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, "***")
		}
	}
	return authHeader.ReplaceAllString(s, "$1 ***")
}

// shorten cuts s to maxDetail bytes on a rune boundary and flattens it to
// one line.
func shorten(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= maxDetail {
		return s
	}
	cut := maxDetail
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
