package policy

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// secretNameWords mark a variable or label name as holding a secret
// (matched anywhere in the upper-cased name, with '-', '.' and spaces read as
// '_').
var secretNameWords = []string{
	"PASSWORD", "PASSWD", "SECRET", "TOKEN", "API_KEY", "APIKEY",
	"PRIVATE_KEY", "ACCESS_KEY", "CREDENTIAL",
}

// referenceSuffixes mark a secret-looking name as holding something about a
// secret rather than the secret: where it is (PASSWORD_FILE=/run/secrets/db,
// the Docker secrets convention), its name, or a setting.
var referenceSuffixes = []string{
	"_FILE", "_FILENAME", "_PATH", "_DIR", "_NAME", "_HEADER",
	"_TTL", "_EXPIRY", "_EXPIRES_IN", "_TIMEOUT", "_LENGTH", "_ENABLED", "_REQUIRED",
}

// notSecretValues are values that hold no secret whatever the name says.
var notSecretValues = map[string]bool{
	"true": true, "false": true, "yes": true, "no": true, "on": true, "off": true,
	"0": true, "1": true, "none": true, "null": true,
}

// valuePatterns recognise secrets by their shape, whatever the name.
var valuePatterns = []struct {
	what string
	re   *regexp.Regexp
}{
	{"a private key", regexp.MustCompile(`-----BEGIN[ A-Z0-9]*PRIVATE KEY( BLOCK)?-----`)},
	{"an AWS access key ID", regexp.MustCompile(`\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b`)},
	{"a GitHub token", regexp.MustCompile(`\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b`)},
	{"a GitLab token", regexp.MustCompile(`\bglpat-[A-Za-z0-9_-]{20,}`)},
	{"a Slack token", regexp.MustCompile(`\bxox[abposr]-[A-Za-z0-9-]{10,}`)},
	{"a Stripe live key", regexp.MustCompile(`\b[sr]k_live_[A-Za-z0-9]{20,}`)},
	{"an npm token", regexp.MustCompile(`\bnpm_[A-Za-z0-9]{36}\b`)},
	{"a Google API key", regexp.MustCompile(`\bAIza[0-9A-Za-z_-]{35}`)},
	{"a JSON Web Token", regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{10,}`)},
	// scheme://user:password@host, the password neither empty nor a
	// placeholder such as $DB_PASSWORD, ${X} or <password>.
	{"a URL with a password", regexp.MustCompile(`\b[A-Za-z][A-Za-z0-9+.-]*://[^\s:/@]*:[^\s/@$<{*]+@`)},
}

// assignment is NAME=value in a history line ("ENV DB_PASSWORD=x", "RUN |1
// NPM_TOKEN=x /bin/sh -c npm ci").
var assignment = regexp.MustCompile(`(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|'[^']*'|\S*)`)

// checkNoSecrets looks for secrets baked into the config: Env, Labels, the
// history's created_by lines (build arguments and ENV lines end up there even
// when a later ENV clears the variable), Cmd, Entrypoint and the healthcheck.
//
// A value is secret-looking when its name holds one of secretNameWords and it
// is non-empty, unless the name ends in a reference suffix (_FILE, _PATH…),
// or the value is a reference ($VAR, ${VAR}), a boolean or a path
// (/run/secrets/x); and, whatever the name, when it has the shape of a known
// credential (private key, AWS key ID, GitHub/GitLab/Slack/npm/Stripe/Google
// token, JWT, URL with a password). Names like NODE_VERSION never match.
//
// Findings name where and why, with the value's length, never the value or
// any part of it.
func checkNoSecrets(cfg *v1.ConfigFile) Result {
	r := Result{Rule: NoSecrets}
	c := cfg.Config
	for _, e := range c.Env {
		name, value, _ := strings.Cut(e, "=")
		if why := judgeAssignment(name, value); why != "" {
			r.Findings = append(r.Findings, fmt.Sprintf("env %s: %s", name, why))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(c.Labels)) {
		if why := judgeAssignment(k, c.Labels[k]); why != "" {
			r.Findings = append(r.Findings, fmt.Sprintf("label %s: %s", k, why))
		}
	}
	for i, h := range cfg.History {
		line := h.CreatedBy
		var whys []string
		for _, m := range assignment.FindAllStringSubmatch(line, -1) {
			if why := judgeAssignment(m[1], unquote(m[2])); why != "" {
				whys = append(whys, m[1]+": "+why)
			}
		}
		if len(whys) == 0 {
			if what := shapeOf(line); what != "" {
				whys = append(whys, "contains "+what+" (redacted)")
			}
		}
		for _, why := range whys {
			r.Findings = append(r.Findings, fmt.Sprintf("history entry %d: %s", i, why))
		}
	}
	for _, part := range []struct {
		where string
		args  []string
	}{{"cmd", c.Cmd}, {"entrypoint", c.Entrypoint}, {"healthcheck", healthArgs(c.Healthcheck)}} {
		if what := shapeOf(strings.Join(part.args, " ")); what != "" {
			r.Findings = append(r.Findings, fmt.Sprintf("%s: contains %s (redacted)", part.where, what))
		}
	}
	switch n := len(r.Findings); n {
	case 0:
		r.Passed = true
		r.Detail = fmt.Sprintf("no secret-looking value in %d env variables, %d labels, %d history entries, cmd, entrypoint or healthcheck", len(c.Env), len(c.Labels), len(cfg.History))
	case 1:
		r.Detail = "1 secret-looking value: " + r.Findings[0] + "; pass secrets at run time (a mounted secret, a *_FILE variable), never in the image"
	default:
		r.Detail = fmt.Sprintf("%d secret-looking values: %s; pass secrets at run time (a mounted secret, a *_FILE variable), never in the image", n, strings.Join(r.Findings, "; "))
	}
	return r
}

// judgeAssignment says why name=value looks like a secret, or "" when it
// does not. The reason never contains the value.
func judgeAssignment(name, value string) string {
	if what := shapeOf(value); what != "" {
		return fmt.Sprintf("value looks like %s (%d characters, redacted)", what, len(value))
	}
	if secretName(name) && !referenceValue(value) {
		return fmt.Sprintf("secret-looking name with a non-empty value (%d characters, redacted)", len(value))
	}
	return ""
}

func secretName(name string) bool {
	n := strings.ToUpper(strings.NewReplacer("-", "_", ".", "_", " ", "_").Replace(name))
	if !slices.ContainsFunc(secretNameWords, func(w string) bool { return strings.Contains(n, w) }) {
		return false
	}
	return !slices.ContainsFunc(referenceSuffixes, func(s string) bool { return strings.HasSuffix(n, s) })
}

// referenceValue is true for values that carry no secret: empty, a boolean,
// a reference to another variable, or an absolute path.
func referenceValue(v string) bool {
	v = strings.TrimSpace(v)
	return v == "" || notSecretValues[strings.ToLower(v)] || strings.HasPrefix(v, "$") || strings.HasPrefix(v, "/")
}

// shapeOf names the kind of credential v contains, or "".
func shapeOf(v string) string {
	for _, p := range valuePatterns {
		if p.re.MatchString(v) {
			return p.what
		}
	}
	return ""
}

// redact replaces every credential-shaped part of s by "<redacted>".
func redact(s string) string {
	for _, p := range valuePatterns {
		s = p.re.ReplaceAllString(s, "<redacted>")
	}
	return s
}

func unquote(v string) string {
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		return v[1 : len(v)-1]
	}
	return v
}

func healthArgs(hc *v1.HealthConfig) []string {
	if hc == nil {
		return nil
	}
	return hc.Test
}
