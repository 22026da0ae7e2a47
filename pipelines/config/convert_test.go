package config

import (
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/stack-ci/stack/pipelines/budget"
	"github.com/stack-ci/stack/pipelines/policy"
	"github.com/stack-ci/stack/pipelines/tags"
)

func TestConversions(t *testing.T) {
	t.Parallel()
	next := load(t, filepath.Join("testdata", "examples", "nextjs-mysql.yaml"))
	if got := next.Tags.Config(); !reflect.DeepEqual(got, tags.Config{Kinds: []tags.Kind{tags.KindSemver, tags.KindSemverMinor, tags.KindBranch, tags.KindSha}, Latest: tags.LatestAlways, ShaLength: 10}) {
		t.Errorf("Tags.Config() = %+v", got)
	}
	env := next.RuntimeEnv("web")
	if env["DATABASE_URL"].Value != "{{database.url}}" || !env["DATABASE_URL"].IsSecret() || env["NEXTAUTH_SECRET"].Secret != "NEXTAUTH_SECRET" || env["REDIS_URL"].FromService != "redis.url" || len(env) != 4 {
		t.Errorf("RuntimeEnv(web) = %+v", env)
	}
	if got := next.SecretNames(); !slices.Equal(got, []string{"NEXTAUTH_SECRET"}) {
		t.Errorf("SecretNames() = %v", got)
	}
	door, ok := next.FrontDoor()
	if !ok || door.Name != "web" {
		t.Errorf("FrontDoor() = %v, %v", door.Name, ok)
	}
	if got := next.Smoke.Enabled(); !slices.Equal(got, []string{"spa-index", "api-health", "security-headers", "gzip"}) {
		t.Errorf("Enabled() = %v", got)
	}
	target := next.Smoke.Target("http://web:3000/")
	if target.BaseURL != "http://web:3000" || target.HealthPath != "/api/health" || target.SocketPath != "/api/socket/" || len(target.Dependencies) != 0 {
		t.Errorf("Target() = %+v", target)
	}
	if b := next.Budgets.Budgets(); b.Metric != budget.Compressed || b.Images["web"] != 120*budget.MB || b.Stack != budget.DefaultStackCompressedBudget {
		t.Errorf("Budgets() = %+v", b)
	}

	hm := load(t, filepath.Join("testdata", "examples", "hivemind.yaml"))
	if got := hm.Policy.For("frontend"); !reflect.DeepEqual(got, []policy.Waiver{{Rule: policy.NonRoot, Reason: "nginx:alpine's master process binds port 80 as root; workers run as nginx"}}) {
		t.Errorf("Policy.For(frontend) = %+v", got)
	}
	if got := hm.Policy.For("backend"); len(got) != 0 {
		t.Errorf("Policy.For(backend) = %+v", got)
	}
	if hm.Repository("backend") != "ghcr.io/acme/hivemind-backend" || hm.Title("frontend") != "hivemind-frontend" {
		t.Errorf("Repository %q, Title %q", hm.Repository("backend"), hm.Title("frontend"))
	}
	be, _ := hm.Image("backend")
	if env := hm.RuntimeEnv("backend"); env["POSTGRES_PASSWORD"].Value != "{{database.password}}" || env["REDIS_HOST"].Value != "{{redis.host}}" || env["NODE_ENV"].Value != "production" || len(env) != 12 {
		t.Errorf("RuntimeEnv(backend) = %+v", env)
	}
	if env := hm.RuntimeEnv("frontend"); len(env) != 0 {
		t.Errorf("the front door gets %v", env)
	}
	if be.File("server/index.js") != "server/index.js" {
		t.Errorf("File() = %q", be.File("server/index.js"))
	}
	if db := hm.Services.Database; db.Port() != 5432 || db.ContainerEnv()["POSTGRES_DB"] != "{{database.name}}" {
		t.Errorf("database port %d, env %v", db.Port(), db.ContainerEnv())
	}

	shop := load(t, filepath.Join("testdata", "examples", "dockerfile.yaml"))
	if b := shop.Budgets.Budgets(); b.Stack != 0 || b.Images["storefront"] != 1536*budget.MiB {
		t.Errorf("Budgets() = %+v", b)
	}
	if got := shop.Policy.For("api"); len(got) != 1 || got[0].Rule != policy.Healthcheck {
		t.Errorf("Policy.For(api) = %+v", got)
	}
	if got := shop.SecretNames(); !slices.Equal(got, []string{"NPM_TOKEN", "STRIPE_SECRET_KEY"}) {
		t.Errorf("SecretNames() = %v", got)
	}
	if db := shop.Services.Database; db.Port() != 3306 || db.ContainerEnv()["MARIADB_ROOT_PASSWORD"] != "{{database.password}}" {
		t.Errorf("mariadb port %d env %v", db.Port(), db.ContainerEnv())
	}
	if shop.Scan.Policy().Threshold.String() != "HIGH" {
		t.Errorf("Scan.Policy() = %+v", shop.Scan.Policy())
	}
	if split := load(t, filepath.Join("testdata", "examples", "split-yarn-ts.yaml")); split.Scan.Policy().IgnoreUnfixed != true {
		t.Error("ignore_unfixed lost")
	}
}

func TestDefaultsAreValid(t *testing.T) {
	t.Parallel()
	d := Defaults()
	again, err := Effective(d, Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	if !sameConfig(d, again) {
		t.Error("Effective is not idempotent on the defaults")
	}
	if !slices.Equal(d.Smoke.Enabled(), BuiltinChecks()) || len(BuiltinChecks()) != 9 {
		t.Errorf("builtin checks %v", BuiltinChecks())
	}
}
