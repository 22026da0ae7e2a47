package policy_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/stack-ci/stack/pipelines/policy"
)

// config returns a config that passes every rule, changed by edit.
func config(edit func(c *v1.Config)) *v1.ConfigFile {
	cf := &v1.ConfigFile{OS: "linux", Architecture: "amd64", Config: v1.Config{
		User:         "1000",
		Env:          []string{"PATH=/usr/local/bin:/usr/bin", "NODE_VERSION=20.19.0"},
		ExposedPorts: map[string]struct{}{"8765/tcp": {}},
		Healthcheck:  &v1.HealthConfig{Test: []string{"CMD", "node", "-e", "fetch('http://127.0.0.1:8765/health')"}},
	}}
	if edit != nil {
		edit(&cf.Config)
	}
	return cf
}

// result runs Check and returns the named rule's result.
func result(t *testing.T, cf *v1.ConfigFile, opts policy.Options, rule string) policy.Result {
	t.Helper()
	rep, err := policy.Check(cf, opts)
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	for _, r := range rep.Results {
		if r.Rule == rule {
			return r
		}
	}
	t.Fatalf("no result for rule %q", rule)
	return policy.Result{}
}

func TestNonRoot(t *testing.T) {
	t.Parallel()
	tests := []struct {
		user       string
		numeric    bool
		wantPassed bool
		wantDetail string
	}{
		{"1000", false, true, "runs as uid 1000"},
		{"65534", false, true, "runs as uid 65534"},
		{"1000:1000", false, true, `uid 1000 (group "1000")`},
		{"1000:0", false, true, `uid 1000 (group "0")`},
		{" 101 ", false, true, "runs as uid 101"},
		{"node", false, true, `runs as user "node"; a numeric uid is preferred`},
		{"nginx:nginx", false, true, `runs as user "nginx" (group "nginx")`},
		{"node", true, false, "cannot be proven non-root"},
		{"1000", true, true, "runs as uid 1000"},
		{"", false, false, "no USER is set"},
		{"   ", false, false, "no USER is set"},
		{"root", false, false, `"root" is root`},
		{"root:1000", false, false, "is root"},
		{"0", false, false, "uid 0, root"},
		{"0:0", false, false, "uid 0, root"},
		{"000", false, false, "uid 0, root"},
		{"0:1000", false, false, "uid 0, root"},
		{":1000", false, false, "names a group but no user"},
		{"99999999999", false, false, "not a valid uid"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q numeric=%v", tt.user, tt.numeric), func(t *testing.T) {
			t.Parallel()
			r := result(t, config(func(c *v1.Config) { c.User = tt.user }), policy.Options{RequireNumericUser: tt.numeric}, policy.NonRoot)
			if r.Passed != tt.wantPassed || !strings.Contains(r.Detail, tt.wantDetail) {
				t.Errorf("non-root for USER %q = passed %v, %q; want %v, containing %q", tt.user, r.Passed, r.Detail, tt.wantPassed, tt.wantDetail)
			}
		})
	}
}

func TestHealthcheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		hc         *v1.HealthConfig
		wantPassed bool
		wantDetail string
	}{
		{"exec form", &v1.HealthConfig{Test: []string{"CMD", "wget", "-q", "--spider", "http://127.0.0.1:80/"}}, true, "HEALTHCHECK CMD wget -q --spider http://127.0.0.1:80/"},
		{"shell form with timing", &v1.HealthConfig{Test: []string{"CMD-SHELL", "curl -f http://localhost/ || exit 1"}, Interval: 30 * time.Second, Timeout: 3 * time.Second, Retries: 3}, true, "(interval 30s, timeout 3s, 3 retries)"},
		{"credentials in the command are redacted", &v1.HealthConfig{Test: []string{"CMD", "curl", "http://admin:hunter2@localhost/health"}}, true, "curl <redacted>localhost/health"},
		{"long command is cut", &v1.HealthConfig{Test: []string{"CMD-SHELL", strings.Repeat("x", 300)}}, true, "…"},
		{"none", nil, false, "declares no HEALTHCHECK"},
		{"disabled", &v1.HealthConfig{Test: []string{"NONE"}}, false, "disabled (NONE)"},
		{"empty test", &v1.HealthConfig{Test: []string{}}, false, "has no test"},
		{"CMD without command", &v1.HealthConfig{Test: []string{"CMD"}}, false, "CMD has no command"},
		{"CMD-SHELL blank", &v1.HealthConfig{Test: []string{"CMD-SHELL", "  "}}, false, "CMD-SHELL has no command"},
		{"unknown type", &v1.HealthConfig{Test: []string{"RUN", "true"}}, false, `test type "RUN" is unknown`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := result(t, config(func(c *v1.Config) { c.Healthcheck = tt.hc }), policy.Options{}, policy.Healthcheck)
			if r.Passed != tt.wantPassed || !strings.Contains(r.Detail, tt.wantDetail) {
				t.Errorf("healthcheck = passed %v, %q; want %v, containing %q", r.Passed, r.Detail, tt.wantPassed, tt.wantDetail)
			}
			if strings.Contains(r.Detail, "hunter2") {
				t.Errorf("detail %q leaks a password", r.Detail)
			}
		})
	}
}

func TestExposesPort(t *testing.T) {
	t.Parallel()
	ports := func(ps ...string) map[string]struct{} {
		m := map[string]struct{}{}
		for _, p := range ps {
			m[p] = struct{}{}
		}
		return m
	}
	tests := []struct {
		name       string
		exposed    map[string]struct{}
		expected   []string
		wantPassed bool
		wantDetail string
	}{
		{"backend port", ports("8765/tcp"), []string{"8765/tcp"}, true, "exposes 8765/tcp as expected"},
		{"tcp assumed", ports("80/tcp"), []string{"80"}, true, "exposes 80/tcp as expected"},
		{"case and spaces", ports("80/tcp"), []string{" 80/TCP "}, true, "as expected"},
		{"one of several", ports("80/tcp", "443/tcp"), []string{"443/tcp"}, true, "as expected"},
		{"exposed key without protocol", ports("8765"), []string{"8765/tcp"}, true, "as expected"},
		{"wrong port", ports("3000/tcp"), []string{"8765/tcp"}, false, "does not expose 8765/tcp (exposes 3000/tcp); add EXPOSE 8765/tcp"},
		{"wrong protocol", ports("53/tcp"), []string{"53/udp"}, false, "does not expose 53/udp"},
		{"nothing exposed", nil, []string{"80/tcp"}, false, "(exposes none)"},
		{"two expected, one missing", ports("80/tcp"), []string{"80/tcp", "443/tcp"}, false, "does not expose 443/tcp"},
		{"none expected, some exposed", ports("80/tcp", "junk"), nil, true, "exposes 80/tcp, junk"},
		{"none expected, none exposed", nil, nil, false, "exposes no port"},
		{"none expected, only junk", ports("junk"), nil, false, "exposes no port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := result(t, config(func(c *v1.Config) { c.ExposedPorts = tt.exposed }), policy.Options{ExpectedPorts: tt.expected}, policy.ExposesPort)
			if r.Passed != tt.wantPassed || !strings.Contains(r.Detail, tt.wantDetail) {
				t.Errorf("exposes-port = passed %v, %q; want %v, containing %q", r.Passed, r.Detail, tt.wantPassed, tt.wantDetail)
			}
		})
	}
}

func TestParsePort(t *testing.T) {
	t.Parallel()
	good := map[string]string{"8765/tcp": "8765/tcp", "80": "80/tcp", "53/UDP": "53/udp", "9/sctp": "9/sctp", "65535": "65535/tcp"}
	for in, want := range good {
		p, err := policy.ParsePort(in)
		if err != nil || p.String() != want {
			t.Errorf("ParsePort(%q) = %v, %v; want %s", in, p, err, want)
		}
	}
	bad := map[string]string{"": "not a port number", "0": "out of range", "65536": "out of range", "-1": "not a port number", "http": "not a port number", "80/http": `unknown protocol "http"`, "80/": `unknown protocol ""`, "8o": "not a port number", "80/tcp/x": `unknown protocol "tcp/x"`}
	for in, why := range bad {
		_, err := policy.ParsePort(in)
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%q", in)) || !strings.Contains(err.Error(), why) {
			t.Errorf("ParsePort(%q) error = %v, want one quoting the input and saying %q", in, err, why)
		}
	}
}

const (
	awsKey   = "AKIAIOSFODNN7EXAMPLE"
	ghToken  = "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB"
	npmToken = "npm_0123456789abcdefghijklmnopqrstuvwxyz"
	jwt      = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
	pemKey   = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA0Zs\n-----END RSA PRIVATE KEY-----"
)

func TestNoSecrets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		env     []string
		labels  map[string]string
		history []string
		cmd     []string
		// want lists substrings of the findings, in order; none means pass.
		want []string
		// secret is a value that must appear in no output.
		secret string
	}{
		{name: "ordinary variables", env: []string{"NODE_VERSION=20.19.0", "YARN_VERSION=1.22.22", "NODE_ENV=production", "PORT=8765", "NODE_OPTIONS=--max-old-space-size=4096"}},
		{name: "docker secrets convention", env: []string{"PASSWORD_FILE=/run/secrets/x", "POSTGRES_PASSWORD_FILE=/run/secrets/pg", "DB_PASSWORD_PATH=/etc/app/pw", "API_TOKEN_FILE=token.txt"}},
		{name: "empty and referencing values", env: []string{"DB_PASSWORD=", "API_TOKEN=${API_TOKEN}", "SESSION_SECRET=$SESSION_SECRET", "JWT_SECRET=/run/secrets/jwt"}},
		{name: "settings about secrets", env: []string{"TOKEN_TTL=3600", "PASSWORD_MIN_LENGTH=12", "SECRET_NAME=app-session", "SECRETS_ENABLED=true", "AUTH_TOKEN_HEADER=Authorization"}},
		{name: "URLs without a password", env: []string{"REDIS_URL=redis://redis:6379", "DATABASE_URL=postgres://app@db:5432/app", "PG_URL=postgres://app:${PGPASSWORD}@db/app", "TOKEN_URL=https://auth.example.com/oauth/token"}, want: []string{"env TOKEN_URL: secret-looking name"}},
		{name: "ordinary labels", labels: map[string]string{"org.opencontainers.image.source": "https://github.com/stack-ci/stack", "org.opencontainers.image.revision": "0123456789abcdef0123456789abcdef01234567"}},
		{name: "ordinary history", history: []string{"ENV NODE_VERSION=20.19.0", "ARG NPM_TOKEN", "RUN |1 NPM_TOKEN= /bin/sh -c npm ci # buildkit", `RUN /bin/sh -c set -x && KEY_SHA512="e09fa32f0a0eab2b879ccbbc4d0e4fb9751486eedda75e35fac65802cc9faa26" && export GNUPGHOME="$(mktemp -d)"`}},

		{name: "password by name", env: []string{"DB_PASSWORD=hunter2"}, want: []string{"env DB_PASSWORD: secret-looking name with a non-empty value (7 characters, redacted)"}, secret: "hunter2"},
		{name: "lower-case and dashed names", env: []string{"session-secret=s3cr3tvalue"}, labels: map[string]string{"com.example.api-key": "k3yk3yk3y"}, want: []string{"env session-secret: secret-looking name", "label com.example.api-key: secret-looking name"}, secret: "k3yk3yk3y"},
		{name: "AWS key under an innocent name", env: []string{"S3_ID=" + awsKey}, want: []string{"env S3_ID: value looks like an AWS access key ID (20 characters, redacted)"}, secret: awsKey},
		{name: "private key", env: []string{"TLS_KEY=" + pemKey}, want: []string{"env TLS_KEY: value looks like a private key"}, secret: "MIIEowIBAAKCAQEA0Zs"},
		{name: "GitHub token", labels: map[string]string{"ci.note": "pushed with " + ghToken}, want: []string{"label ci.note: value looks like a GitHub token"}, secret: ghToken},
		{name: "JWT", env: []string{"BOOTSTRAP=" + jwt}, want: []string{"env BOOTSTRAP: value looks like a JSON Web Token"}, secret: jwt},
		{name: "URL with a password", env: []string{"DATABASE_URL=postgres://app:s3cretpw@db:5432/app"}, want: []string{"env DATABASE_URL: value looks like a URL with a password"}, secret: "s3cretpw"},
		{name: "build argument in history", history: []string{"RUN |1 NPM_TOKEN=" + npmToken + " /bin/sh -c npm ci # buildkit"}, want: []string{"history entry 0: NPM_TOKEN: value looks like an npm token"}, secret: npmToken},
		{name: "cleared ENV still in history", env: []string{"DB_PASSWORD="}, history: []string{"ENV NODE_VERSION=20", `ENV DB_PASSWORD="hunter2"`, "ENV DB_PASSWORD="}, want: []string{"history entry 1: DB_PASSWORD: secret-looking name with a non-empty value (7 characters"}, secret: "hunter2"},
		{name: "credential shape in a history line", history: []string{"RUN /bin/sh -c aws configure set aws_access_key_id " + awsKey}, want: []string{"history entry 0: contains an AWS access key ID (redacted)"}, secret: awsKey},
		{name: "credential in cmd", cmd: []string{"node", "server.js", "--github", ghToken}, want: []string{"cmd: contains a GitHub token (redacted)"}, secret: ghToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cf := config(func(c *v1.Config) {
				c.Env, c.Labels, c.Cmd = tt.env, tt.labels, tt.cmd
			})
			for _, h := range tt.history {
				cf.History = append(cf.History, v1.History{CreatedBy: h})
			}
			r := result(t, cf, policy.Options{}, policy.NoSecrets)
			if r.Passed != (len(tt.want) == 0) {
				t.Errorf("passed = %v, want %v; detail %q", r.Passed, len(tt.want) == 0, r.Detail)
			}
			if len(r.Findings) != len(tt.want) {
				t.Fatalf("findings = %q, want %d like %q", r.Findings, len(tt.want), tt.want)
			}
			for i, w := range tt.want {
				if !strings.Contains(r.Findings[i], w) {
					t.Errorf("finding %d = %q, want it to contain %q", i, r.Findings[i], w)
				}
			}
			if tt.secret != "" {
				out, _ := json.Marshal(r)
				if strings.Contains(string(out), tt.secret) {
					t.Errorf("the result leaks the secret: %s", out)
				}
			}
		})
	}
}

func TestWaivers(t *testing.T) {
	t.Parallel()
	bad := config(func(c *v1.Config) { c.User = "root"; c.Healthcheck = nil })
	rep, err := policy.Check(bad, policy.Options{Waivers: []policy.Waiver{
		{Rule: "non-root", Reason: "nginx binds port 80 as root, then drops to the nginx user"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Passed {
		t.Errorf("report passed with an unwaived healthcheck failure")
	}
	nr := rep.Results[0]
	if nr.Rule != policy.NonRoot || nr.Passed || !nr.Waived || !nr.OK() || !strings.Contains(nr.WaiverReason, "drops to the nginx user") {
		t.Errorf("non-root result = %+v, want failed but waived with the reason", nr)
	}
	if failed := rep.Failed(); len(failed) != 1 || failed[0].Rule != policy.Healthcheck {
		t.Errorf("Failed() = %+v, want only healthcheck", failed)
	}
	rep, err = policy.Check(bad, policy.Options{Waivers: []policy.Waiver{
		{Rule: "non-root", Reason: "nginx master process"},
		{Rule: " healthcheck ", Reason: "the orchestrator probes it"},
	}})
	if err != nil || !rep.Passed {
		t.Errorf("with both failures waived: passed %v, err %v", rep.Passed, err)
	}

	errTests := []struct {
		name    string
		opts    policy.Options
		wantErr string
	}{
		{"unknown rule", policy.Options{Waivers: []policy.Waiver{{Rule: "no-root", Reason: "typo"}}}, `waiving rule "no-root": no such rule; the rules are non-root, healthcheck, no-secrets, exposes-port`},
		{"no reason", policy.Options{Waivers: []policy.Waiver{{Rule: "healthcheck", Reason: " "}}}, `waiving rule "healthcheck": give a reason`},
		{"twice", policy.Options{Waivers: []policy.Waiver{{Rule: "healthcheck", Reason: "a"}, {Rule: "healthcheck", Reason: "b"}}}, "waived twice"},
		{"bad port", policy.Options{ExpectedPorts: []string{"eighty"}}, `parsing port "eighty"`},
	}
	for _, tt := range errTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := policy.Check(bad, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Check error = %v, want %q", err, tt.wantErr)
			}
		})
	}
	_, err = policy.Check(bad, errTests[0].opts)
	var ue *policy.UnknownRuleError
	if !errors.As(err, &ue) || ue.Rule != "no-root" || len(ue.Valid) != 4 {
		t.Errorf("error = %#v, want an *UnknownRuleError", err)
	}
	if _, err := policy.Check(nil, policy.Options{}); err == nil {
		t.Error("Check(nil) succeeded")
	}
}

func TestCheckGoodConfig(t *testing.T) {
	t.Parallel()
	rep, err := policy.Check(config(nil), policy.Options{ExpectedPorts: []string{"8765/tcp"}})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range rep.Results {
		names = append(names, r.Rule)
		if !r.Passed || r.Waived {
			t.Errorf("%s: passed %v waived %v: %s", r.Rule, r.Passed, r.Waived, r.Detail)
		}
	}
	if !rep.Passed || strings.Join(names, ",") != strings.Join(policy.Names(), ",") {
		t.Errorf("report passed %v with rules %v", rep.Passed, names)
	}
}

func FuzzParsePort(f *testing.F) {
	for _, s := range []string{"8765/tcp", "80", "53/udp", "0", "65536", "", "/", "80/", "٣/tcp"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := policy.ParsePort(s)
		if err != nil {
			if !strings.Contains(err.Error(), fmt.Sprintf("%q", s)) {
				t.Fatalf("error %q does not quote the input", err)
			}
			return
		}
		if p.Number == 0 {
			t.Fatalf("ParsePort(%q) = port 0", s)
		}
		back, err := policy.ParsePort(p.String())
		if err != nil || back != p {
			t.Fatalf("ParsePort(%q) = %v, which does not round-trip: %v, %v", s, p, back, err)
		}
	})
}

// FuzzNoSecretsNeverLeaks feeds arbitrary names and values to every place
// the no-secrets rule reads and checks that no output ever contains the
// value. Values carry a marker that no message contains, so any echo of a
// value, whole or in part, shows.
func FuzzNoSecretsNeverLeaks(f *testing.F) {
	f.Add("DB_PASSWORD", "hunter2")
	f.Add("S3_ID", awsKey)
	f.Add("TOKEN", jwt)
	f.Add("DATABASE_URL", "postgres://a:b@c/d")
	f.Add("X", "-----BEGIN PRIVATE KEY-----")
	const marker = "Qz7#"
	f.Fuzz(func(t *testing.T, name, value string) {
		if strings.Contains(name, marker) || strings.Contains(name, "=") {
			return
		}
		secret := marker + value
		cf := config(func(c *v1.Config) {
			c.Env = append(c.Env, name+"="+secret)
			c.Labels = map[string]string{name: secret}
			c.Cmd = []string{"run", secret}
			c.Healthcheck = &v1.HealthConfig{Test: []string{"CMD-SHELL", secret}}
		})
		cf.History = []v1.History{{CreatedBy: "RUN |1 " + name + "=" + secret + " /bin/sh -c true"}}
		rep, err := policy.Check(cf, policy.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rep.Results {
			if r.Rule == policy.Healthcheck {
				continue // shows the command, with credential shapes redacted
			}
			out, _ := json.Marshal(r)
			if strings.Contains(string(out), marker) {
				t.Fatalf("%s leaks the value: %s", r.Rule, out)
			}
		}
	})
}

func ExampleCheck() {
	cfg := &v1.ConfigFile{Config: v1.Config{
		User:         "node",
		Env:          []string{"NODE_VERSION=20.19.0", "PASSWORD_FILE=/run/secrets/db", "DATABASE_URL=postgres://app:hunter2@db/app"},
		ExposedPorts: map[string]struct{}{"8765/tcp": {}},
	}}
	rep, err := policy.Check(cfg, policy.Options{
		ExpectedPorts: []string{"8765/tcp"},
		Waivers:       []policy.Waiver{{Rule: "healthcheck", Reason: "probed by the orchestrator"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range rep.Results {
		fmt.Printf("%-12s passed=%-5v waived=%-5v %s\n", r.Rule, r.Passed, r.Waived, r.Detail)
	}
	fmt.Println("report passed:", rep.Passed)
	// Output:
	// non-root     passed=true  waived=false runs as user "node"; a numeric uid is preferred (Kubernetes runAsNonRoot refuses a name), e.g. USER 1000
	// healthcheck  passed=false waived=true  the image declares no HEALTHCHECK; add one that probes the service (e.g. its /health endpoint)
	// no-secrets   passed=false waived=false 1 secret-looking value: env DATABASE_URL: value looks like a URL with a password (29 characters, redacted); pass secrets at run time (a mounted secret, a *_FILE variable), never in the image
	// exposes-port passed=true  waived=false exposes 8765/tcp as expected
	// report passed: false
}
