package config

import (
	"strings"
	"testing"
)

func TestLooksSecret(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]bool{
		"PASSWORD": true, "DB_PASSWORD": true, "POSTGRES_PASSWORD": true, "MYSQL_ROOT_PASSWORD": true, "DB_PASS": true,
		"API_KEY": true, "STRIPE_SECRET_KEY": true, "GITHUB_TOKEN": true, "AUTHTOKEN": true, "session-secret": true,
		"aws.secret.access.key": true, "PRIVATE_KEY": true, "JWT_SECRET": true, "CREDENTIALS": true, "APIKEY": true,
		"PASSWORD_FILE": false, "SECRET_NAME": false, "TOKEN_TTL": false, "KEY_ID": false, "NEXT_PUBLIC_API_KEY": false,
		"STRIPE_PUBLISHABLE_KEY": false, "KEYCLOAK_URL": false, "MONKEY": false, "NODE_ENV": false, "PORT": false,
		"DATABASE_URL": false, "PASSPORT_STRATEGY": false, "TOKENIZER_MODEL": false,
	} {
		if got := LooksSecret(name); got != want {
			t.Errorf("LooksSecret(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestFactsAndExpand(t *testing.T) {
	t.Parallel()
	facts := DatabaseFacts(DatabasePostgres, "database", 5432, "hivemind", "app", "p@ss:w/rd").
		Merge(RedisFacts("redis", 6379, "r3d!s"), ImageFacts("backend", "backend", 8765))
	for tmpl, want := range map[string]string{
		"{{database.url}}":                        "postgresql://app:p%40ss%3Aw%2Frd@database:5432/hivemind",
		"{{ redis.url }}":                         "redis://:r3d%21s@redis:6379",
		"{{images.backend.url}}/api":              "http://backend:8765/api",
		"{{database.host}}:{{database.port}}":     "database:5432",
		"no templates here":                       "no templates here",
		"{{database.url}}?sslmode=disable&x=1":    "postgresql://app:p%40ss%3Aw%2Frd@database:5432/hivemind?sslmode=disable&x=1",
		"redis://{{redis.host}}:{{redis.port}}/0": "redis://redis:6379/0",
	} {
		got, err := Expand(tmpl, facts)
		if err != nil || got != want {
			t.Errorf("Expand(%q) = %q, %v; want %q", tmpl, got, err, want)
		}
	}
	if got := DatabaseFacts(DatabaseMariaDB, "db", 3306, "shop", "app", "x")["database.url"]; got != "mysql://app:x@db:3306/shop" {
		t.Errorf("mariadb url %q", got)
	}
	if got := RedisFacts("redis", 6379, "")["redis.url"]; got != "redis://redis:6379" {
		t.Errorf("redis url without a password %q", got)
	}
	for tmpl, want := range map[string]string{
		"{{database.nope}}": "no value for database.nope",
		"{{database.url":    "unbalanced braces",
		"{{}}":              "empty reference",
	} {
		if _, err := Expand(tmpl, facts); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Expand(%q) error %v, want %q", tmpl, err, want)
		}
	}
}

func TestEnvValue(t *testing.T) {
	t.Parallel()
	facts := DatabaseFacts(DatabaseMySQL, "db", 3306, "chatly", "app", "pw")
	secrets := map[string]string{"NEXTAUTH_SECRET": "s3cret"}
	lookup := func(n string) (string, bool) { v, ok := secrets[n]; return v, ok }
	tests := []struct {
		v      EnvValue
		secret bool
		want   string
		err    string
	}{
		{Literal("production"), false, "production", ""},
		{Literal("{{database.host}}"), false, "db", ""},
		{Literal("{{database.url}}"), true, "mysql://app:pw@db:3306/chatly", ""},
		{EnvValue{FromService: "database.password"}, true, "pw", ""},
		{EnvValue{FromService: "database.name"}, false, "chatly", ""},
		{SecretRef("NEXTAUTH_SECRET"), true, "s3cret", ""},
		{SecretRef("MISSING"), true, "", `resolving secret "MISSING": not given to the pipeline`},
	}
	for _, tt := range tests {
		if got := tt.v.IsSecret(); got != tt.secret {
			t.Errorf("%+v.IsSecret() = %v", tt.v, got)
		}
		got, err := tt.v.Resolve(facts, lookup)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("%+v: error %v, want %q", tt.v, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%+v.Resolve() = %q, %v; want %q", tt.v, got, err, tt.want)
		}
	}
}

func TestLimitAndDuration(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"64MB": "64MB", "64 mb": "64MB", "1.5GiB": "1536MiB", "200MiB": "200MiB", "123": "123", "none": "none", "NONE": "none",
		"1000": "1kB", "1024": "1KiB", "1.5GB": "1500MB", "0.5kB": "500",
	} {
		l, err := ParseLimit(in)
		if err != nil || l.String() != want {
			t.Errorf("ParseLimit(%q) = %v, %v; want %s", in, l, err, want)
			continue
		}
		if again, err := ParseLimit(l.String()); err != nil || again != l {
			t.Errorf("%q does not read back: %v %v", l.String(), again, err)
		}
	}
	for _, in := range []string{"0", "", "-1MB", "lots", "1 parsec"} {
		if _, err := ParseLimit(in); err == nil {
			t.Errorf("ParseLimit(%q): no error", in)
		}
	}
	if s, ok := NoLimit.Size(); ok || s != 0 {
		t.Errorf("NoLimit.Size() = %v, %v", s, ok)
	}
	for in, want := range map[string]string{"5s": "5s", "1m30s": "1m30s", "500ms": "500ms", " 2m ": "2m0s"} {
		d, err := ParseDuration(in)
		if err != nil || d.String() != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %s", in, d, err, want)
		}
	}
	for _, in := range []string{"0s", "-1s", "11m", "5", "soon"} {
		if _, err := ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q): no error", in)
		}
	}
}

func TestSuggest(t *testing.T) {
	t.Parallel()
	keys := []string{"health_path", "build_script", "port", "kind", "name", "nginx_config"}
	for got, want := range map[string]string{
		"helth_path": "health_path", "health-path": "health_path", "buildscript": "build_script", "prot": "port",
		"kinds": "kind", "nginx_conf": "nginx_config", "colour": "", "x": "", "": "",
	} {
		if s := closest(got, keys); s != want {
			t.Errorf("closest(%q) = %q, want %q", got, s, want)
		}
	}
	for p, want := range map[string]string{
		"images[1].port": "images[1]", "images[1]": "images", "images": "", `env["a.b"]`: "env", `x.env["a]b"].y`: `x.env["a]b"]`, "a.b.c": "a.b",
	} {
		if got := parentPath(p); got != want {
			t.Errorf("parentPath(%q) = %q, want %q", p, got, want)
		}
	}
}
