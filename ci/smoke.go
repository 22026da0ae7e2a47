package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"dagger/stack/internal/dagger"

	"golang.org/x/sync/errgroup"

	"github.com/stack-ci/stack/pipelines/nginxconf"
	"github.com/stack-ci/stack/pipelines/recipe"
	"github.com/stack-ci/stack/pipelines/smoke"
)

// The paths the smoke services and the checker share.
const (
	logDir  = "/stack-logs" // each service's output, one volume per service
	ctlDir  = "/stack-ctl"  // the pause file of the supervised redis
	outDir  = "/out"        // the checker's results
	checker = "stack-smoke"
)

// SmokeResult is the outcome of the smoke tests.
type SmokeResult struct {
	// Whether every check passed.
	Passed bool
	// The checks as a table: name, result, time, detail.
	Table string
	// The checks as JSON (name, passed, duration_ms, detail).
	Json string
}

// Check returns the table, or an error with it when a check failed.
func (r *SmokeResult) Check() (string, error) {
	if !r.Passed {
		return "", fmt.Errorf("smoke tests failed:\n%s", r.Table)
	}
	return r.Table, nil
}

// Smoke builds both images and tests them together: an ephemeral database
// (postgres by default, or MySQL/MariaDB) and redis with credentials made
// for this run, the backend bound to both, and the frontend bound to the
// backend under the hostname its nginx config proxies to. Readiness is
// checked by protocol (a query, PING with AUTH, the health endpoint). Then,
// through nginx: the SPA and a deep link, the API's health, a REST round
// trip, Socket.IO echo and broadcast over a WebSocket upgrade, security and
// cache headers, gzip; a Redis restart the backend must survive without
// restarting; and the backend's stop on SIGTERM within its grace period.
func (m *Stack) Smoke(ctx context.Context) (*SmokeResult, error) {
	imgs, err := m.Build(ctx)
	if err != nil {
		return nil, err
	}
	rs, err := m.smoke(ctx, imgs)
	if err != nil {
		return nil, err
	}
	var table strings.Builder
	if err := rs.WriteTable(&table); err != nil {
		return nil, err
	}
	js, err := jsonString(rs)
	if err != nil {
		return nil, err
	}
	return &SmokeResult{Passed: rs.Passed(), Table: table.String(), Json: js}, nil
}

// smokeRun is one run of the smoke tests: its services and credentials.
type smokeRun struct {
	m       *Stack
	id      string
	db      smoke.Database
	redis   smoke.Redis
	checker *dagger.Container
	timeout time.Duration
	// owners are the users the services run as, by service.
	owners map[string]string
}

// secret makes a secret for this run.
func (r *smokeRun) secret(name, value string) *dagger.Secret {
	return dag.SetSecret("stack-smoke-"+r.id+"-"+name, value)
}

// logFile is where a service's output goes.
func (r *smokeRun) logFile(service string) string {
	return logDir + "/" + service + "/" + r.id + ".log"
}

// withEnv sets plain variables and secrets.
func (r *smokeRun) withEnv(c *dagger.Container, e smoke.Env) *dagger.Container {
	for _, k := range slices.Sorted(maps.Keys(e.Plain)) {
		c = c.WithEnvVariable(k, e.Plain[k])
	}
	for _, k := range slices.Sorted(maps.Keys(e.Secret)) {
		c = c.WithSecretVariable(k, r.secret(k, e.Secret[k]))
	}
	return c
}

// withLogs mounts the service's log volume, owned by the user it runs as.
func withLogs(c *dagger.Container, service, owner string) *dagger.Container {
	return c.WithMountedCache(logDir+"/"+service, dag.CacheVolume("stack-smoke-logs-"+service), dagger.ContainerWithMountedCacheOpts{Owner: owner})
}

// command is the image's entrypoint and default arguments: what it runs.
func command(ctx context.Context, c *dagger.Container) ([]string, error) {
	ep, err := c.Entrypoint(ctx)
	if err != nil {
		return nil, err
	}
	args, err := c.DefaultArgs(ctx)
	if err != nil {
		return nil, err
	}
	return append(ep, args...), nil
}

// smokeChecker builds the stack-smoke binary from the module's own source.
func (m *Stack) smokeChecker() *dagger.Container {
	return dag.Container().From(m.GoImage).
		WithMountedCache("/go/pkg/mod", dag.CacheVolume("stack-go-mod")).
		WithMountedCache("/root/.cache/go-build", dag.CacheVolume("stack-go-build")).
		WithEnvVariable("CGO_ENABLED", "0").
		WithDirectory("/src", m.ToolSource).
		WithWorkdir("/src").
		WithExec([]string{"go", "build", "-trimpath", "-o", "/usr/local/bin/" + checker, "./cmd/stack-smoke"}).
		WithWorkdir("/").
		WithDirectory(outDir, dag.Directory())
}

// step runs the checker with args; a failure is an error with its output.
func (r *smokeRun) step(ctx context.Context, c *dagger.Container, what string, args ...string) (*dagger.Container, error) {
	ran := c.WithEnvVariable("STACK_SMOKE_STEP", r.id+" "+what).
		WithExec(append([]string{checker}, args...), dagger.ContainerWithExecOpts{Expect: dagger.ReturnTypeAny})
	code, err := ran.ExitCode(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", what, err)
	}
	if code != 0 {
		stderr, _ := ran.Stderr(ctx) // the exit code says enough if this fails too
		return nil, fmt.Errorf("%s: %s", what, strings.TrimSpace(stderr))
	}
	return ran, nil
}

// startService starts svc; on failure it adds the tail of the service's log.
func (r *smokeRun) startService(ctx context.Context, name string, svc *dagger.Service) error {
	if _, err := svc.Start(ctx); err != nil {
		tail, terr := r.checker.WithEnvVariable("STACK_SMOKE_STEP", r.id+" logs "+name).
			WithExec([]string{"sh", "-c", `tail -n 30 "$1" 2>&1`, "sh", r.logFile(name)}).Stdout(ctx)
		if terr != nil {
			tail = "(no log: " + terr.Error() + ")"
		}
		return fmt.Errorf("starting the %s service: %v\n--- last lines of its log:\n%s", name, err, tail)
	}
	return nil
}

// frontendBackend finds where the frontend's nginx config proxies to, in
// the built image, so the backend is bound under that hostname.
func (m *Stack) frontendBackend(ctx context.Context, frontend *dagger.Container) (nginxconf.Backend, error) {
	const path = "/etc/nginx/conf.d/default.conf"
	text, err := frontend.File(path).Contents(ctx)
	if err != nil {
		return nginxconf.Backend{}, fmt.Errorf("reading the frontend's %s: %v", path, err)
	}
	conf, err := nginxconf.Parse([]byte(text))
	if err != nil {
		return nginxconf.Backend{}, fmt.Errorf("the frontend's %s: %v", path, err)
	}
	backends, err := conf.Backends()
	if err != nil {
		return nginxconf.Backend{}, fmt.Errorf("the frontend's %s: %v", path, err)
	}
	if len(backends) != 1 {
		return nginxconf.Backend{}, fmt.Errorf("the frontend's %s proxies to %d addresses (%v); the smoke tests need exactly one backend", path, len(backends), backends)
	}
	b := backends[0]
	if b.Port != m.BackendPort {
		return nginxconf.Backend{}, fmt.Errorf("the frontend's nginx config proxies to %s:%d (line %d) but the backend listens on %d (--backend-port)", b.Host, b.Port, b.Line, m.BackendPort)
	}
	return b, nil
}

func (m *Stack) smoke(ctx context.Context, imgs *Images) (smoke.Results, error) {
	kind, err := smoke.ParseDatabaseKind(m.Database)
	if err != nil {
		return nil, fmt.Errorf("--database: %v", err)
	}
	timeout, err := time.ParseDuration(m.SmokeTimeout)
	if err != nil || timeout <= 0 {
		return nil, fmt.Errorf("--smoke-timeout %q: want a positive duration such as 3m", m.SmokeTimeout)
	}
	r := &smokeRun{
		m:       m,
		id:      strings.ToLower(smoke.NewPassword()[:12]),
		db:      smoke.Database{Kind: kind, Host: string(kind), Port: kind.Port(), Name: m.DatabaseName, User: "stack", Password: smoke.NewPassword()},
		redis:   smoke.Redis{Host: "redis", Port: 6379, Password: smoke.NewPassword()},
		timeout: timeout,
	}
	back, err := m.frontendBackend(ctx, imgs.Frontend)
	if err != nil {
		return nil, err
	}
	// A cache volume's owner is part of its identity: the checker mounts each
	// log volume with the owner its service mounts it with.
	backendUser, err := imgs.Backend.User(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the backend's user: %v", err)
	}
	r.owners = map[string]string{"backend": backendUser}
	r.checker = m.smokeChecker().
		WithMountedCache(ctlDir, dag.CacheVolume("stack-smoke-ctl"))
	for _, svc := range []string{"database", "redis", "backend", "frontend"} {
		r.checker = withLogs(r.checker, svc, r.owners[svc])
	}
	r.checker = r.withEnv(r.checker, smoke.Env{Secret: map[string]string{"STACK_DB_URL": r.db.URL(), "STACK_REDIS_PASSWORD": r.redis.Password}})

	// 1. The database and redis, concurrently.
	dbSvc, err := r.databaseService(ctx)
	if err != nil {
		return nil, err
	}
	redisSvc, err := r.redisService()
	if err != nil {
		return nil, err
	}
	defer func() {
		for _, s := range []*dagger.Service{redisSvc, dbSvc} {
			if s != nil {
				_, _ = s.Stop(context.WithoutCancel(ctx)) // best effort: the session ends them anyway
			}
		}
	}()
	g, gctx := errgroup.WithContext(ctx)
	deps := r.checker.WithServiceBinding("redis", redisSvc)
	if dbSvc != nil {
		deps = deps.WithServiceBinding(r.db.Host, dbSvc)
		g.Go(func() error {
			if err := r.startService(gctx, "database", dbSvc); err != nil {
				return err
			}
			_, err := r.step(gctx, deps, "waiting for "+string(kind), "wait", "--service", string(kind), "--url-env", "STACK_DB_URL",
				"--log", r.logFile("database"), "--timeout", timeout.String())
			return err
		})
	}
	g.Go(func() error {
		if err := r.startService(gctx, "redis", redisSvc); err != nil {
			return err
		}
		_, err := r.step(gctx, r.checker.WithServiceBinding("redis", redisSvc), "waiting for redis", "wait", "--service", "redis",
			"--addr", r.redis.Addr(), "--password-env", "STACK_REDIS_PASSWORD", "--log", r.logFile("redis"), "--timeout", timeout.String())
		return err
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}

	// 2. The backend, bound to both, with the app's own env names.
	backendSvc, err := r.backendService(ctx, imgs.Backend, dbSvc, redisSvc)
	if err != nil {
		return nil, err
	}
	if err := r.startService(ctx, "backend", backendSvc); err != nil {
		return nil, err
	}
	healthURL := fmt.Sprintf("http://%s:%d%s", back.Host, back.Port, m.HealthPath)
	withBackend := deps.WithServiceBinding(back.Host, backendSvc)
	if _, err := r.step(ctx, withBackend, "waiting for the backend", "wait", "--service", "http", "--url", healthURL,
		"--log", r.logFile("backend"), "--timeout", timeout.String()); err != nil {
		return nil, err
	}

	// 3. The frontend, bound to the backend under the hostname nginx uses.
	frontCmd, err := command(ctx, imgs.Frontend)
	if err != nil {
		return nil, fmt.Errorf("reading the frontend's command: %v", err)
	}
	frontendSvc := withLogs(imgs.Frontend.WithServiceBinding(back.Host, backendSvc), "frontend", "").
		AsService(dagger.ContainerAsServiceOpts{Args: smoke.Logged(frontCmd, r.logFile("frontend"))})
	if err := r.startService(ctx, "frontend", frontendSvc); err != nil {
		return nil, err
	}
	front := r.checker.WithServiceBinding("frontend", frontendSvc)
	if _, err := r.step(ctx, front, "waiting for the frontend", "wait", "--service", "http", "--url", "http://frontend"+m.ApiHealthPath,
		"--log", r.logFile("frontend"), "--log", r.logFile("backend"), "--timeout", timeout.String()); err != nil {
		return nil, err
	}

	// 4. The checks through nginx, then the Redis outage.
	var results smoke.Results
	checked, err := r.step(ctx, front, "checking through the frontend", "check", "--base", "http://frontend", "--deep-link", m.DeepLink,
		"--health-path", m.ApiHealthPath, "--deps", r.healthDeps(), "--json", outDir+"/checks.json")
	if err != nil {
		return nil, err
	}
	if results, err = readResults(ctx, checked, "checks.json"); err != nil {
		return nil, err
	}
	recovered, err := r.step(ctx, withBackend, "restarting redis", "recovery", "--health-url", healthURL, "--redis-addr", r.redis.Addr(),
		"--redis-password-env", "STACK_REDIS_PASSWORD", "--pause-file", ctlDir+"/"+r.id+".redis.paused", "--timeout", "60s",
		"--json", outDir+"/recovery.json")
	if err != nil {
		return nil, err
	}
	rec, err := readResults(ctx, recovered, "recovery.json")
	if err != nil {
		return nil, err
	}
	results = append(results, rec...)

	// 5. SIGTERM: the backend must stop within its grace period.
	_, _ = frontendSvc.Stop(ctx) // it depends on the backend; stop it first
	grace := 10 * time.Second
	stopCtx, cancel := context.WithTimeout(ctx, grace)
	start := time.Now()
	_, stopErr := backendSvc.Stop(stopCtx)
	took := time.Since(start)
	cancel()
	if stopErr != nil {
		_, _ = backendSvc.Stop(ctx, dagger.ServiceStopOpts{Kill: true})
	}
	return append(results, smoke.JudgeShutdown(took, grace, stopErr)), nil
}

// healthDeps are the health document's keys that must say ok.
func (r *smokeRun) healthDeps() string {
	if r.db.Kind == smoke.NoDatabase {
		return "redis"
	}
	return string(r.db.Kind) + ",redis"
}

// databaseService is the ephemeral database, or nil for none.
func (r *smokeRun) databaseService(ctx context.Context) (*dagger.Service, error) {
	if r.db.Kind == smoke.NoDatabase {
		return nil, nil
	}
	img := r.m.DatabaseImage
	if img == "" {
		img = r.db.Kind.DefaultImage()
	}
	c := dag.Container().From(img)
	cmd, err := command(ctx, c)
	if err != nil {
		return nil, fmt.Errorf("reading the command of %s: %v", img, err)
	}
	c = withLogs(r.withEnv(c, r.db.ServiceEnv()), "database", "").WithExposedPort(r.db.Port)
	return c.AsService(dagger.ContainerAsServiceOpts{Args: smoke.Logged(cmd, r.logFile("database"))}), nil
}

// redisService is redis with a password, supervised so that the checker
// can restart it without the service (and the backend bound to it) ending.
func (r *smokeRun) redisService() (*dagger.Service, error) {
	c := dag.Container().From(r.m.RedisImage).
		WithSecretVariable("REDIS_PASSWORD", r.secret("redis-password", r.redis.Password)).
		WithMountedCache(ctlDir, dag.CacheVolume("stack-smoke-ctl")).
		WithExposedPort(r.redis.Port)
	c = withLogs(c, "redis", "")
	server := []string{"sh", "-c", `exec redis-server --port ` + strconv.Itoa(r.redis.Port) + ` --requirepass "$REDIS_PASSWORD" --save "" --appendonly no`}
	return c.AsService(dagger.ContainerAsServiceOpts{Args: smoke.Supervised(server, r.logFile("redis"), ctlDir+"/"+r.id+".redis.paused")}), nil
}

// backendService is the built backend bound to its dependencies, given
// their addresses and credentials in the app's env names, running its own
// command as PID 1 (no init), as `docker run` would.
func (r *smokeRun) backendService(ctx context.Context, backend *dagger.Container, dbSvc, redisSvc *dagger.Service) (*dagger.Service, error) {
	cmd, err := command(ctx, backend)
	if err != nil {
		return nil, fmt.Errorf("reading the backend's command: %v", err)
	}
	c := r.withEnv(backend.WithServiceBinding(r.redis.Host, redisSvc), r.redis.AppEnv())
	if dbSvc != nil {
		c = r.withEnv(c.WithServiceBinding(r.db.Host, dbSvc), r.db.AppEnv())
	}
	extra, err := recipe.ParseEnv(r.m.BackendEnv)
	if err != nil {
		return nil, fmt.Errorf("--backend-env: %v", err)
	}
	for _, kv := range extra {
		c = c.WithEnvVariable(kv[0], kv[1])
	}
	c = withLogs(c, "backend", r.owners["backend"])
	return c.AsService(dagger.ContainerAsServiceOpts{Args: smoke.Logged(cmd, r.logFile("backend")), NoInit: true}), nil
}

// readResults reads a results file the checker wrote.
func readResults(ctx context.Context, c *dagger.Container, name string) (smoke.Results, error) {
	raw, err := c.File(outDir + "/" + name).Contents(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the smoke results %s: %v", name, err)
	}
	var rs smoke.Results
	if err := json.Unmarshal([]byte(raw), &rs); err != nil {
		return nil, fmt.Errorf("the smoke results %s: %v", name, err)
	}
	return rs, nil
}
