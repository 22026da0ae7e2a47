package plan

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/stack-ci/stack/pipelines/config"
	"github.com/stack-ci/stack/pipelines/detect"
	"github.com/stack-ci/stack/pipelines/policy"
)

func example(t *testing.T, name string) detect.Source {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	return detect.FS(os.DirFS(filepath.Join(filepath.Dir(file), "..", "..", "examples", name)))
}

func load(t *testing.T, src detect.Source, o config.Overrides) (App, map[string]Image) {
	t.Helper()
	app, err := Load(src, "", o)
	if err != nil {
		t.Fatal(err)
	}
	imgs, err := app.Images(src)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]Image{}
	for _, img := range imgs {
		byName[img.Name] = img
	}
	return app, byName
}

func join(a []string) string { return strings.Join(a, " ") }

func TestPlanHiveMind(t *testing.T) {
	t.Parallel()
	app, imgs := load(t, example(t, "hivemind"), config.Overrides{})
	if app.File != "" || len(imgs) != 2 {
		t.Fatalf("file %q, images %v", app.File, imgs)
	}
	fe, be := imgs["frontend"], imgs["backend"]
	if join(fe.Build.Install) != "npm ci --no-audit --no-fund" || join(fe.Build.Build) != "npm run build:web" || !slices.Equal(fe.Build.Manifests, []string{"package.json", "package-lock.json"}) {
		t.Errorf("frontend build = %+v", fe.Build)
	}
	if rt := fe.Runtime; rt.Image != "nginx:alpine" || rt.Copies[0].From != "/app/dist" || rt.Copies[0].To != NginxRoot || rt.Files[0].Source != "nginx/default.conf" || rt.Port != 80 {
		t.Errorf("frontend runtime = %+v", rt)
	}
	if join(be.Build.Install) != "npm ci --omit=dev --no-audit --no-fund" || be.Build.Build != nil {
		t.Errorf("backend build = %+v", be.Build)
	}
	rt := be.Runtime
	if rt.User != "1001:1001" || join(rt.Args) != "node server/index.js" || rt.Port != 8765 || !rt.Copies[0].Source || !slices.Contains(rt.Copies[0].Exclude, "web") {
		t.Errorf("backend runtime = %+v", rt)
	}
}

func TestPlanSplitYarnTypeScript(t *testing.T) {
	t.Parallel()
	_, imgs := load(t, example(t, "split-yarn"), config.Overrides{})
	web, api := imgs["web"], imgs["api"]
	if web.Build.Root != "frontend" || join(web.Build.Install) != "yarn install --frozen-lockfile --non-interactive" || web.Runtime.Files[0].Source != "frontend/nginx/default.conf" {
		t.Errorf("web = %+v %+v", web.Build, web.Runtime)
	}
	b := api.Build
	if b.Root != "backend" || join(b.Build) != "yarn run build" || !strings.Contains(join(b.Prune), "--production") {
		t.Errorf("api build = %+v", b)
	}
	rt := api.Runtime
	if slices.Contains(rt.Copies[0].Exclude, "dist") || slices.Contains(rt.Copies[0].Exclude, "node_modules") || !slices.Contains(rt.Copies[0].Exclude, "**/*.ts") {
		t.Errorf("api must keep dist and the pruned node_modules, drop TypeScript sources: %v", rt.Copies[0].Exclude)
	}
	if join(rt.Args) != "node dist/index.js" || rt.Port != 3000 || !strings.Contains(join(rt.Healthcheck), "/healthz") {
		t.Errorf("api runtime = %+v", rt)
	}
}

func TestPlanNextStandalone(t *testing.T) {
	t.Parallel()
	_, imgs := load(t, example(t, "next-mysql"), config.Overrides{})
	web := imgs["web"]
	if join(web.Build.Build) != "npm run build" || !slices.Contains(web.Build.Env, [2]string{"NEXT_TELEMETRY_DISABLED", "1"}) {
		t.Errorf("web build = %+v", web.Build)
	}
	var froms []string
	for _, c := range web.Runtime.Copies {
		froms = append(froms, c.From+"→"+c.To)
	}
	if join(froms) != "/app/.next/standalone→/app /app/.next/static→/app/.next/static /app/public→/app/public" {
		t.Errorf("copies = %v", froms)
	}
	if rt := web.Runtime; rt.User != "1001:1001" || join(rt.Args) != "node server.js" || !slices.Contains(rt.Env, [2]string{"HOSTNAME", "0.0.0.0"}) {
		t.Errorf("web runtime = %+v", rt)
	}
}

func TestPlanDockerfileAndOverrides(t *testing.T) {
	t.Parallel()
	_, imgs := load(t, example(t, "hivemind"), config.Overrides{BackendDockerfile: "Dockerfile.backend", NginxConfig: "missing.conf"})
	d := imgs["backend"].Dockerfile
	if d == nil || d.Path != "Dockerfile.backend" || d.Context != "." || imgs["backend"].Build != nil {
		t.Fatalf("backend = %+v", imgs["backend"])
	}
	// With no nginx config in the source, the module's own one proxies to
	// the backend image by name and port.
	fe := imgs["frontend"].Runtime.Files[0]
	if fe.Source != "" || !strings.Contains(fe.Contents, "server backend:8765;") {
		t.Errorf("default nginx config: %+v", fe)
	}
}

func TestPlanWorkspace(t *testing.T) {
	t.Parallel()
	src := detect.Files{
		"package.json":          `{"name":"mono","private":true,"workspaces":["apps/*"],"packageManager":"pnpm@9.12.0"}`,
		"pnpm-lock.yaml":        "lockfileVersion: '9.0'\n",
		"pnpm-workspace.yaml":   "packages:\n  - apps/*\n",
		"stack.yaml":            "images:\n  - name: api\n    path: apps/api\n    kind: node\n    start: node index.js\n",
		"apps/api/package.json": `{"name":"api","dependencies":{"express":"5.0.0"}}`,
		"apps/api/index.js":     "",
	}
	app, err := Load(src, "", config.Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := ForImage(app.Config, "api", app.Managers["api"], src)
	if err != nil {
		t.Fatal(err)
	}
	if p.Build.Root != "." || p.Build.Manifests != nil || p.Runtime.Workdir != "/app/apps/api" || !strings.HasPrefix(join(p.Build.Install), "corepack pnpm@9.12.0") {
		t.Errorf("workspace plan: build %+v, runtime workdir %s", p.Build, p.Runtime.Workdir)
	}
}

// TestPlanNpxWithoutCorepack: Node 25 and later ship no corepack, so pnpm
// runs through npx in a build stage on such an image, and the plan says
// why.
func TestPlanNpxWithoutCorepack(t *testing.T) {
	t.Parallel()
	src := detect.Files{
		"package.json":   `{"name":"api","packageManager":"pnpm@9.15.9","dependencies":{"express":"5.0.0"}}`,
		"pnpm-lock.yaml": "lockfileVersion: '9.0'\n",
		"stack.yaml":     "images:\n  - name: api\n    kind: node\n    start: node index.js\n    base_image: node:26-alpine\n",
		"index.js":       "",
	}
	app, err := Load(src, "", config.Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := ForImage(app.Config, "api", app.Managers["api"], src)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(join(p.Build.Install), "npx --yes pnpm@9.15.9 install") || !slices.Contains(p.Notes, "pnpm 9.15.9 runs through npx: node:26-alpine ships no corepack") {
		t.Errorf("node 26 plan: install %q, notes %q", join(p.Build.Install), p.Notes)
	}
	app, err = Load(src, "", config.Overrides{NodeImage: "node:24-alpine"})
	if err != nil {
		t.Fatal(err)
	}
	if p, err = ForImage(app.Config, "api", app.Managers["api"], src); err != nil || !strings.HasPrefix(join(p.Build.Install), "corepack pnpm@9.15.9 install") {
		t.Errorf("node 24 plan: install %q, %v", join(p.Build.Install), err)
	}
}

func TestPlanErrors(t *testing.T) {
	t.Parallel()
	if _, err := ForImage(config.Defaults(), "nope", detect.Manager{}, detect.Files{}); err == nil || !strings.Contains(err.Error(), `no image named "nope"`) {
		t.Errorf("unknown image: %v", err)
	}
	if _, err := ForImage(config.Defaults(), "frontend", detect.Manager{}, detect.Files{}); err == nil || !strings.Contains(err.Error(), "no package manager") {
		t.Errorf("no manager: %v", err)
	}
	if _, err := relTo("frontend", "backend"); err == nil {
		t.Error("a folder outside the manager's root was accepted")
	}
	if _, err := Load(detect.Files{}, "custom.yaml", config.Overrides{}); err == nil || !strings.Contains(err.Error(), "config file custom.yaml: not found") {
		t.Errorf("named config missing: %v", err)
	}
}

func TestWaivers(t *testing.T) {
	t.Parallel()
	app, _ := load(t, example(t, "hivemind"), config.Overrides{})
	cfg := app.Config
	if w := Waivers(cfg, "frontend", nil); len(w) != 1 || w[0].Rule != policy.NonRoot || w[0].Reason != NginxRootWaiver {
		t.Errorf("frontend default waivers = %+v", w)
	}
	if w := Waivers(cfg, "backend", nil); len(w) != 0 {
		t.Errorf("backend must have no default waiver: %+v", w)
	}
	cli, err := policy.ParseWaiverSpecs([]string{"frontend:non-root=reviewed in #42", "healthcheck=probed by the platform"})
	if err != nil {
		t.Fatal(err)
	}
	w := Waivers(cfg, "frontend", cli)
	if len(w) != 2 || w[0].Rule != policy.Healthcheck || w[1].Reason != "reviewed in #42" {
		t.Errorf("frontend with command-line waivers = %+v", w)
	}
}

func TestRunEnv(t *testing.T) {
	t.Parallel()
	app, _ := load(t, example(t, "hivemind"), config.Overrides{})
	facts := config.DatabaseFacts(config.DatabasePostgres, "postgres", 5432, "app", "app", "s3cret").
		Merge(config.RedisFacts("redis", 6379, "r3dis"))
	env, gen, err := RunEnv(app.Config, "backend", facts, func(string) (string, bool) { return "", false })
	if err != nil || len(gen) != 0 {
		t.Fatalf("RunEnv: %v %v", err, gen)
	}
	if env.Plain["POSTGRES_HOST"] != "postgres" || env.Secret["POSTGRES_PASSWORD"] != "s3cret" || env.Secret["REDIS_URL"] != "redis://:r3dis@redis:6379" {
		t.Errorf("backend env = %+v", env)
	}
	for k, v := range env.Plain {
		if strings.Contains(v, "s3cret") || strings.Contains(v, "r3dis") {
			t.Errorf("plain %s=%s carries a password", k, v)
		}
	}
	if env, _, _ := RunEnv(app.Config, "frontend", facts, nil); len(env.Plain)+len(env.Secret) != 0 {
		t.Errorf("the spa front door consumes no services: %+v", env)
	}

	cfg, err := config.Parse("stack.yaml", []byte("images:\n  - name: api\n    kind: node\n    env:\n      JWT_SECRET: {secret: JWT_SECRET}\n      MODE: demo\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg, err = config.Effective(cfg, config.Overrides{}); err != nil {
		t.Fatal(err)
	}
	env, gen, err = RunEnv(cfg, "api", facts, func(string) (string, bool) { return "", false })
	if err != nil || len(gen) != 1 || gen[0] != "JWT_SECRET" || len(env.Secret["JWT_SECRET"]) < 20 || env.Plain["MODE"] != "demo" {
		t.Errorf("generated secret: %+v %v %v", env, gen, err)
	}
	env, gen, _ = RunEnv(cfg, "api", facts, func(n string) (string, bool) { return "given", n == "JWT_SECRET" })
	if env.Secret["JWT_SECRET"] != "given" || len(gen) != 0 {
		t.Errorf("given secret: %+v %v", env, gen)
	}
}

func TestPlanNginxTemplate(t *testing.T) {
	t.Parallel()
	src := detect.Files{
		"package.json":                `{"name":"t","scripts":{"build":"vite build"},"devDependencies":{"vite":"7.0.0"}}`,
		"package-lock.json":           `{"lockfileVersion":3}`,
		"nginx/default.conf.template": "upstream api { server ${API_HOST}:3000; }\n",
		"stack.yaml":                  "images:\n  - name: web\n    kind: spa\n    build_script: build\n    nginx_config: nginx/default.conf.template\n    env:\n      API_HOST: api\n",
	}
	app, err := Load(src, "", config.Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := ForImage(app.Config, "web", app.Managers["web"], src)
	if err != nil {
		t.Fatal(err)
	}
	if f := p.Runtime.Files; len(f) != 1 || f[0].To != NginxTemplate || f[0].Source != "nginx/default.conf.template" {
		t.Errorf("files = %+v", f)
	}
	if !slices.Contains(p.Runtime.Env, [2]string{"API_HOST", "api"}) {
		t.Errorf("the template's variable must be in the image's env: %v", p.Runtime.Env)
	}
}
