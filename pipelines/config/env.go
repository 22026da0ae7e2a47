package config

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Env maps environment variable names to values.
type Env map[string]EnvValue

// EnvValue is the value of an environment variable: exactly one of Value,
// Secret and FromService is set (an empty Value is an empty variable).
//
// In YAML it is a string (Value), {secret: NAME} or {from_service: FACT}.
type EnvValue struct {
	// Value is a literal, possibly with templates of facts:
	// "redis://{{redis.host}}:{{redis.port}}/0".
	Value string
	// Secret names a secret given to the pipeline.
	Secret string
	// FromService names one fact, e.g. "database.url"; the same as the
	// Value "{{database.url}}".
	FromService string
}

// Literal returns an EnvValue holding s.
func Literal(s string) EnvValue { return EnvValue{Value: s} }

// SecretRef returns an EnvValue referring to the pipeline secret name.
func SecretRef(name string) EnvValue { return EnvValue{Secret: name} }

// MarshalYAML writes a string, {secret: NAME} or {from_service: FACT}.
func (v EnvValue) MarshalYAML() (any, error) {
	switch {
	case v.Secret != "":
		return map[string]string{"secret": v.Secret}, nil
	case v.FromService != "":
		return map[string]string{"from_service": v.FromService}, nil
	}
	return v.Value, nil
}

// Template returns the value as a template: FromService becomes
// "{{FACT}}"; a Secret reference has none and returns "".
func (v EnvValue) Template() string {
	if v.FromService != "" {
		return "{{" + v.FromService + "}}"
	}
	if v.Secret != "" {
		return ""
	}
	return v.Value
}

// IsSecret reports whether the value carries a secret: a reference to a
// pipeline secret, or a template of a secret fact (a password or a URL with
// one). ci/ passes such values as *dagger.Secret, never as plain variables.
func (v EnvValue) IsSecret() bool {
	if v.Secret != "" {
		return true
	}
	refs, _ := templateRefs(v.Template())
	return slices.ContainsFunc(refs, IsSecretFact)
}

// Facts are the values that templates expand to, keyed by fact name
// ("database.url", "redis.host", "images.backend.port").
type Facts map[string]string

// Facts names, per service. The secret ones are IsSecretFact.
var (
	databaseFacts = []string{"host", "port", "name", "user", "password", "url"}
	redisFacts    = []string{"host", "port", "password", "url"}
	imageFacts    = []string{"host", "port", "url"}
)

// IsSecretFact reports whether a fact carries a credential: a password or a
// URL with one.
func IsSecretFact(fact string) bool {
	return fact == "database.password" || fact == "database.url" || fact == "redis.password" || fact == "redis.url"
}

// DatabaseFacts returns the facts of a database: host, port, name, user,
// password and url, where url is postgresql://user:password@host:port/name
// for postgres and mysql://… for mysql and mariadb, user and password
// percent-encoded.
func DatabaseFacts(kind DatabaseKind, host string, port int, name, user, password string) Facts {
	scheme := "postgresql"
	if kind == DatabaseMySQL || kind == DatabaseMariaDB {
		scheme = "mysql"
	}
	u := url.URL{Scheme: scheme, User: url.UserPassword(user, password), Host: net.JoinHostPort(host, strconv.Itoa(port)), Path: "/" + name}
	return Facts{
		"database.host": host, "database.port": strconv.Itoa(port), "database.name": name,
		"database.user": user, "database.password": password, "database.url": u.String(),
	}
}

// RedisFacts returns the facts of Redis: host, port, password and url
// (redis://:password@host:port, or redis://host:port without a password).
func RedisFacts(host string, port int, password string) Facts {
	u := url.URL{Scheme: "redis", Host: net.JoinHostPort(host, strconv.Itoa(port))}
	if password != "" {
		u.User = url.UserPassword("", password)
	}
	return Facts{"redis.host": host, "redis.port": strconv.Itoa(port), "redis.password": password, "redis.url": u.String()}
}

// ImageFacts returns the facts of an image as other images reach it:
// images.NAME.host, .port and .url (http://host:port).
func ImageFacts(name, host string, port int) Facts {
	hp := net.JoinHostPort(host, strconv.Itoa(port))
	p := "images." + name + "."
	return Facts{p + "host": host, p + "port": strconv.Itoa(port), p + "url": "http://" + hp}
}

// Merge returns the union of f and others (later ones win).
func (f Facts) Merge(others ...Facts) Facts {
	out := Facts{}
	for _, m := range append([]Facts{f}, others...) {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// templateRE matches one {{ name }} reference.
var templateRE = regexp.MustCompile(`\{\{\s*([^{}\s]*)\s*\}\}`)

// templateRefs returns the names a template refers to, in order, or an
// error for a malformed template (an unclosed "{{" or a "}}" without one).
func templateRefs(s string) ([]string, error) {
	var refs []string
	for _, m := range templateRE.FindAllStringSubmatch(s, -1) {
		if m[1] == "" {
			return nil, fmt.Errorf("empty reference %q in %q", m[0], s)
		}
		refs = append(refs, m[1])
	}
	rest := templateRE.ReplaceAllString(s, "")
	if strings.Contains(rest, "{{") || strings.Contains(rest, "}}") {
		return nil, fmt.Errorf("unbalanced braces in %q: write references as {{database.url}}", s)
	}
	return refs, nil
}

// Expand replaces every {{name}} in s by its value in vars. A name vars does
// not hold is an error naming it.
func Expand(s string, vars map[string]string) (string, error) {
	if _, err := templateRefs(s); err != nil {
		return "", fmt.Errorf("expanding %q: %w", s, err)
	}
	var missing []string
	out := templateRE.ReplaceAllStringFunc(s, func(m string) string {
		name := templateRE.FindStringSubmatch(m)[1]
		v, ok := vars[name]
		if !ok {
			missing = append(missing, name)
		}
		return v
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("expanding %q: no value for %s", s, strings.Join(missing, ", "))
	}
	return out, nil
}

// Resolve returns the value of v with facts expanded. A Secret reference is
// looked up with secret (ci/ reads the pipeline's secrets); ok is false
// when secret does not know it.
func (v EnvValue) Resolve(facts Facts, secret func(name string) (string, bool)) (string, error) {
	if v.Secret != "" {
		s, ok := secret(v.Secret)
		if !ok {
			return "", fmt.Errorf("resolving secret %q: not given to the pipeline", v.Secret)
		}
		return s, nil
	}
	return Expand(v.Template(), facts)
}

// secretWords mark a variable name as holding a secret, as a word of the
// name (split on '_', '-' and '.').
var secretWords = map[string]bool{
	"PASSWORD": true, "PASSWD": true, "PASS": true, "PWD": true, "SECRET": true, "SECRETS": true,
	"TOKEN": true, "TOKENS": true, "KEY": true, "KEYS": true, "APIKEY": true, "CREDENTIAL": true,
	"CREDENTIALS": true, "PRIVATE": true, "PASSPHRASE": true, "SALT": true,
}

// publicWords mark a name as public by design (NEXT_PUBLIC_*, Stripe's
// publishable key).
var publicWords = map[string]bool{"PUBLIC": true, "PUBLISHABLE": true}

// notSecretSuffixes mark a secret-looking name as holding something about a
// secret: where it is, its name, or a setting.
var notSecretSuffixes = []string{
	"_FILE", "_PATH", "_DIR", "_NAME", "_ID", "_HEADER", "_TTL", "_EXPIRY", "_EXPIRES_IN",
	"_TIMEOUT", "_LENGTH", "_ENABLED", "_REQUIRED", "_ALGORITHM",
}

// LooksSecret reports whether an environment variable name looks like it
// holds a secret: a word of it is PASSWORD, TOKEN, SECRET, KEY,
// CREDENTIALS, PRIVATE… — unless a word is PUBLIC or PUBLISHABLE, or it ends
// in _FILE, _PATH, _NAME, _ID, _TIMEOUT and the like.
func LooksSecret(name string) bool {
	n := strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(name))
	for _, s := range notSecretSuffixes {
		if strings.HasSuffix(n, s) {
			return false
		}
	}
	secret := false
	for _, w := range strings.Split(n, "_") {
		if publicWords[w] {
			return false
		}
		secret = secret || secretWords[w] || strings.HasSuffix(w, "PASSWORD") || strings.HasSuffix(w, "TOKEN") || strings.HasSuffix(w, "APIKEY")
	}
	return secret
}

// harmlessLiterals may be written for a secret-looking name.
var harmlessLiterals = map[string]bool{"": true, "true": true, "false": true, "0": true, "1": true}

// urlWithPassword matches scheme://user:password@, the password not a
// template.
var urlWithPassword = regexp.MustCompile(`\b[A-Za-z][A-Za-z0-9+.-]*://[^\s:/@]*:([^\s/@]+)@`)

// literalSecretProblem says why a literal value must not be written in the
// file, or "".
func literalSecretProblem(name, value string) string {
	withoutRefs := templateRE.ReplaceAllString(value, "")
	if LooksSecret(name) && value == withoutRefs && !harmlessLiterals[strings.ToLower(strings.TrimSpace(value))] {
		return fmt.Sprintf("%s looks like a secret and has a literal value; write {secret: %s} and give the secret to the pipeline", name, secretSuggestion(name))
	}
	for _, m := range urlWithPassword.FindAllStringSubmatch(value, -1) {
		if !strings.HasPrefix(m[1], "{{") {
			return fmt.Sprintf("%s holds a URL with a literal password; use a reference such as \"{{database.url}}\" or {secret: %s}", name, secretSuggestion(name))
		}
	}
	return ""
}

// secretSuggestion is a secret name to suggest for variable name.
func secretSuggestion(name string) string {
	if envNameRE.MatchString(name) {
		return strings.ToUpper(name)
	}
	return "NAME"
}

// envNameRE is a portable environment variable name.
var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
