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

	"github.com/stack-ci/stack/pipelines/config"
	"github.com/stack-ci/stack/pipelines/nginxconf"
	"github.com/stack-ci/stack/pipelines/plan"
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
	return gateOutcome(r.Passed, "smoke tests failed", r.Table)
}

// Smoke builds the images and tests them together: an ephemeral database
// (postgres, MySQL or MariaDB, as stack.yaml says) and redis with
// credentials made for this run; the app's servers bound to them, given
// their addresses and credentials in the app's own env names (migrations
// first when configured); and the front door, an SPA's nginx bound to the
// servers under the hostnames its config proxies to. Readiness is checked by
// protocol (a query, PING with AUTH, the health endpoint). Then, through the
// front door: the standard checks stack.yaml leaves on (SPA and deep link,
// API health, a REST round trip, Socket.IO echo and broadcast over a
// WebSocket upgrade, security and cache headers, gzip) and the app's own
// declared checks; a Redis restart each server must survive without
// restarting; and each server's stop on SIGTERM within its grace period.
//
// Never cached: the smoke tests observe running services.
// +cache="never"
func (m *Stack) Smoke(ctx context.Context) (*SmokeResult, error) {
	a, imgs, err := m.loadAndBuild(ctx)
	if err != nil {
		return nil, err
	}
	rs, err := m.smoke(ctx, a, imgs)
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
	a       *app
	id      string
	db      smoke.Database
	redis   smoke.Redis
	redisOn bool
	facts   config.Facts
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
// A cache volume's owner is part of its identity, so every container that
// mounts it must give the same owner.
func (r *smokeRun) withLogs(c *dagger.Container, service string) *dagger.Container {
	return c.WithMountedCache(logDir+"/"+service, dag.CacheVolume("stack-smoke-logs-"+service), dagger.ContainerWithMountedCacheOpts{Owner: r.owners[service]})
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

// tail reads the last lines of a service's log.
func (r *smokeRun) tail(ctx context.Context, service string) string {
	out, err := r.checker.WithEnvVariable("STACK_SMOKE_STEP", r.id+" logs "+service).
		WithExec([]string{"sh", "-c", `tail -n 30 "$1" 2>&1`, "sh", r.logFile(service)}).Stdout(ctx)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	return out
}

// startService starts svc; on failure it adds the tail of the service's log.
func (r *smokeRun) startService(ctx context.Context, name string, svc *dagger.Service) error {
	if _, err := svc.Start(ctx); err != nil {
		return fmt.Errorf("starting the %s service: %v\n--- last lines of its log:\n%s", name, err, r.tail(ctx, name))
	}
	return nil
}

// proxiedServers finds where the front door's nginx config proxies to, in
// the built image: each address must be one of the app's servers, by name
// and port, so that it can be bound under that hostname.
func proxiedServers(ctx context.Context, a *app, name string, front *dagger.Container) ([]string, error) {
	text, err := nginxConfig(ctx, front)
	if err != nil {
		return nil, fmt.Errorf("reading the %s image's nginx config: %v", name, err)
	}
	conf, err := nginxconf.Parse([]byte(text))
	if err != nil {
		return nil, fmt.Errorf("the %s image's %s: %v", name, plan.NginxConf, err)
	}
	backends, err := conf.Backends()
	if err != nil {
		return nil, fmt.Errorf("the %s image's %s: %v", name, plan.NginxConf, err)
	}
	var out []string
	for _, b := range backends {
		img, ok := a.Config.Image(b.Host)
		if !ok {
			return nil, fmt.Errorf("the %s image's nginx config proxies to %s:%d (line %d), but the app has no image named %q (its images: %s); name the image after the host, or fix the config",
				name, b.Host, b.Port, b.Line, b.Host, strings.Join(a.names(), ", "))
		}
		if img.Port != b.Port {
			return nil, fmt.Errorf("the %s image's nginx config proxies to %s:%d (line %d), but image %s listens on %d", name, b.Host, b.Port, b.Line, img.Name, img.Port)
		}
		if !slices.Contains(out, b.Host) {
			out = append(out, b.Host)
		}
	}
	return out, nil
}

// nginxConfig is the server config the front door's nginx will run: its
// template rendered with the image's env, as the nginx entrypoint does at
// start, or the config file.
func nginxConfig(ctx context.Context, front *dagger.Container) (string, error) {
	isTemplate, err := front.Exists(ctx, plan.NginxTemplate)
	if err != nil {
		return "", err
	}
	if !isTemplate {
		return front.File(plan.NginxConf).Contents(ctx)
	}
	tpl, err := front.File(plan.NginxTemplate).Contents(ctx)
	if err != nil {
		return "", err
	}
	vars, err := front.EnvVariables(ctx)
	if err != nil {
		return "", err
	}
	env := map[string]string{}
	for _, v := range vars {
		name, err := v.Name(ctx)
		if err != nil {
			return "", err
		}
		if env[name], err = v.Value(ctx); err != nil {
			return "", err
		}
	}
	if unset := nginxconf.Unset(tpl, env); len(unset) > 0 {
		refs := make([]string, len(unset))
		for i, n := range unset {
			refs[i] = "${" + n + "}"
		}
		return "", fmt.Errorf("its template %s uses %s, which the image's env does not set, so nginx would read them literally: set them in the image's env in stack.yaml (e.g. env: {%s: …})",
			plan.NginxTemplate, strings.Join(refs, ", "), unset[0])
	}
	return nginxconf.Envsubst(tpl, env), nil
}

func (m *Stack) smoke(ctx context.Context, a *app, imgs *Images) (smoke.Results, error) {
	timeout, err := time.ParseDuration(m.SmokeTimeout)
	if err != nil || timeout <= 0 {
		return nil, fmt.Errorf("--smoke-timeout %q: want a positive duration such as 3m", m.SmokeTimeout)
	}
	svcCfg := a.Config.Services
	kind := smoke.DatabaseKind(svcCfg.Database.Kind)
	r := &smokeRun{
		m:       m,
		a:       a,
		id:      strings.ToLower(smoke.NewPassword()[:12]),
		db:      smoke.Database{Kind: kind, Host: string(kind), Port: kind.Port(), Name: svcCfg.Database.Name, User: svcCfg.Database.User, Password: smoke.NewPassword()},
		redis:   smoke.Redis{Host: "redis", Port: 6379, Password: smoke.NewPassword()},
		redisOn: svcCfg.Redis.On(),
		timeout: timeout,
		owners:  map[string]string{},
	}
	r.facts = config.Facts{}
	if kind != smoke.NoDatabase {
		r.facts = r.facts.Merge(config.DatabaseFacts(svcCfg.Database.Kind, r.db.Host, r.db.Port, r.db.Name, r.db.User, r.db.Password))
	}
	if r.redisOn {
		r.facts = r.facts.Merge(config.RedisFacts(r.redis.Host, r.redis.Port, r.redis.Password))
	}
	door, _ := a.Config.FrontDoor()
	var servers []string // the images that run as servers, in order
	for _, img := range a.Config.Images {
		r.facts = r.facts.Merge(config.ImageFacts(img.Name, img.Name, img.Port))
		if img.Kind != config.KindSPA {
			servers = append(servers, img.Name)
		}
	}
	for k, name := range imgs.Names {
		user, err := imgs.Containers[k].User(ctx)
		if err != nil {
			return nil, fmt.Errorf("reading the %s image's user: %v", name, err)
		}
		r.owners[name] = user
	}

	r.checker = m.smokeChecker().WithMountedCache(ctlDir, dag.CacheVolume("stack-smoke-ctl"))
	for _, svc := range append([]string{"database", "redis"}, imgs.Names...) {
		r.checker = r.withLogs(r.checker, svc)
	}
	r.checker = r.withEnv(r.checker, smoke.Env{Secret: map[string]string{"STACK_DB_URL": r.db.URL(), "STACK_REDIS_PASSWORD": r.redis.Password}})

	// 1. The database and redis, concurrently.
	deps := r.checker
	var dbSvc, redisSvc *dagger.Service
	stopAll := []*dagger.Service{}
	defer func() {
		for _, s := range slices.Backward(stopAll) {
			_, _ = s.Stop(context.WithoutCancel(ctx)) // best effort: the session ends them anyway
		}
	}()
	g, gctx := errgroup.WithContext(ctx)
	if kind != smoke.NoDatabase {
		if dbSvc, err = r.databaseService(ctx); err != nil {
			return nil, err
		}
		stopAll = append(stopAll, dbSvc)
		deps = deps.WithServiceBinding(r.db.Host, dbSvc)
		g.Go(func() error {
			if err := r.startService(gctx, "database", dbSvc); err != nil {
				return err
			}
			_, err := r.step(gctx, r.checker.WithServiceBinding(r.db.Host, dbSvc), "waiting for "+string(kind), "wait", "--service", string(kind),
				"--url-env", "STACK_DB_URL", "--log", r.logFile("database"), "--timeout", timeout.String())
			return err
		})
	}
	if r.redisOn {
		redisSvc = r.redisService(svcCfg.Redis.Image)
		stopAll = append(stopAll, redisSvc)
		deps = deps.WithServiceBinding(r.redis.Host, redisSvc)
		g.Go(func() error {
			if err := r.startService(gctx, "redis", redisSvc); err != nil {
				return err
			}
			_, err := r.step(gctx, r.checker.WithServiceBinding(r.redis.Host, redisSvc), "waiting for redis", "wait", "--service", "redis",
				"--addr", r.redis.Addr(), "--password-env", "STACK_REDIS_PASSWORD", "--log", r.logFile("redis"), "--timeout", timeout.String())
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}

	// 2. The servers, in order, each bound to the services and to the
	// servers before it; migrations first.
	running := map[string]*dagger.Service{}
	withServers := deps
	for _, name := range servers {
		c, _ := imgs.Image(name) // every server was built
		c = bindServices(c, r, dbSvc, redisSvc)
		for _, other := range servers {
			if svc, ok := running[other]; ok {
				c = c.WithServiceBinding(other, svc)
			}
		}
		if c, err = r.serverEnv(c, name); err != nil {
			return nil, err
		}
		img, _ := a.Config.Image(name)
		if img.Migrate != "" {
			if err := r.migrate(ctx, c, name, img.Migrate); err != nil {
				return nil, err
			}
		}
		svc, err := r.serverService(ctx, c, name)
		if err != nil {
			return nil, err
		}
		stopAll = append(stopAll, svc)
		if err := r.startService(ctx, name, svc); err != nil {
			return nil, err
		}
		running[name] = svc
		withServers = withServers.WithServiceBinding(name, svc)
		if _, err := r.step(ctx, withServers, "waiting for "+name, "wait", "--service", "http", "--url", serverURL(img, img.HealthPath),
			"--log", r.logFile(name), "--timeout", timeout.String()); err != nil {
			return nil, err
		}
	}

	// 3. The front door: a spa's nginx, bound to the servers it proxies to.
	doorSvc, ok := running[door.Name]
	if !ok {
		front, _ := imgs.Image(door.Name)
		hosts, err := proxiedServers(ctx, a, door.Name, front)
		if err != nil {
			return nil, err
		}
		for _, h := range hosts {
			front = front.WithServiceBinding(h, running[h])
		}
		cmd, err := command(ctx, front)
		if err != nil {
			return nil, fmt.Errorf("reading the %s image's command: %v", door.Name, err)
		}
		doorSvc = r.withLogs(front, door.Name).AsService(dagger.ContainerAsServiceOpts{Args: smoke.Logged(cmd, r.logFile(door.Name))})
		stopAll = append(stopAll, doorSvc)
		if err := r.startService(ctx, door.Name, doorSvc); err != nil {
			return nil, err
		}
	}
	base := "http://" + door.Name
	if door.Port != 80 {
		base += ":" + strconv.Itoa(door.Port)
	}
	front := r.checker.WithServiceBinding(door.Name, doorSvc)
	if _, err := r.step(ctx, front, "waiting for the front door", "wait", "--service", "http", "--url", base+a.Config.Smoke.HealthPath,
		"--log", r.logFile(door.Name), "--timeout", timeout.String()); err != nil {
		return nil, err
	}

	// 4. The checks through the front door, then the Redis outage.
	results, err := r.checks(ctx, front, base)
	if err != nil {
		return nil, err
	}
	if r.redisOn {
		for _, name := range servers {
			if !a.Config.IsConsumer(name) {
				continue
			}
			img, _ := a.Config.Image(name)
			rec, err := r.step(ctx, withServers, "restarting redis under "+name, "recovery", "--health-url", serverURL(img, img.HealthPath),
				"--redis-addr", r.redis.Addr(), "--redis-password-env", "STACK_REDIS_PASSWORD",
				"--pause-file", ctlDir+"/"+r.id+".redis.paused", "--timeout", "60s", "--json", outDir+"/recovery.json")
			if err != nil {
				return nil, err
			}
			rs, err := readResults(ctx, rec, "recovery.json")
			if err != nil {
				return nil, err
			}
			results = append(results, renamed(rs, name, len(servers))...)
		}
	}

	// 5. SIGTERM: each server must stop within its grace period, the front
	// door (which depends on them) first.
	if _, isServer := running[door.Name]; !isServer {
		_, _ = doorSvc.Stop(ctx)
	}
	for _, name := range slices.Backward(servers) {
		grace := 10 * time.Second
		stopCtx, cancel := context.WithTimeout(ctx, grace)
		start := time.Now()
		_, stopErr := running[name].Stop(stopCtx)
		took := time.Since(start)
		cancel()
		if stopErr != nil {
			_, _ = running[name].Stop(ctx, dagger.ServiceStopOpts{Kill: true})
		}
		results = append(results, renamed(smoke.Results{smoke.JudgeShutdown(took, grace, stopErr)}, name, len(servers))...)
	}
	return results, nil
}

// renamed suffixes per-server results with the server's name when there are
// several servers, so that each check has its own name.
func renamed(rs smoke.Results, server string, servers int) smoke.Results {
	if servers < 2 {
		return rs
	}
	for i := range rs {
		rs[i].Name += "@" + server
	}
	return rs
}

// serverURL is a server's URL at path, as bound under its name.
func serverURL(img config.Image, path string) string {
	return "http://" + img.Name + ":" + strconv.Itoa(img.Port) + path
}

// bindServices binds the database and redis under their hostnames.
func bindServices(c *dagger.Container, r *smokeRun, dbSvc, redisSvc *dagger.Service) *dagger.Container {
	if dbSvc != nil {
		c = c.WithServiceBinding(r.db.Host, dbSvc)
	}
	if redisSvc != nil {
		c = c.WithServiceBinding(r.redis.Host, redisSvc)
	}
	return c
}

// serverEnv gives a server its run-time environment: stack.yaml's env and,
// for a consumer, the services' facts in the app's env names; then the
// command line's extra variables.
func (r *smokeRun) serverEnv(c *dagger.Container, name string) (*dagger.Container, error) {
	env, generated, err := plan.RunEnv(r.a.Config, name, r.facts, nil)
	if err != nil {
		return nil, err
	}
	_ = generated // secrets the pipeline was not given get random values for the run
	c = r.withEnv(c, env)
	extra, err := recipe.ParseEnv(r.m.BackendEnv)
	if err != nil {
		return nil, fmt.Errorf("--backend-env: %v", err)
	}
	for _, kv := range extra {
		c = c.WithEnvVariable(kv[0], kv[1])
	}
	return c, nil
}

// migrate runs the image's migration command once, with the server's
// environment and services, before the server starts.
func (r *smokeRun) migrate(ctx context.Context, c *dagger.Container, name, command string) error {
	argv, err := recipe.SplitCommand(command)
	if err != nil {
		return fmt.Errorf("image %s: migrate: %v", name, err)
	}
	ran := c.WithEnvVariable("STACK_SMOKE_STEP", r.id+" migrate").WithExec(argv, dagger.ContainerWithExecOpts{Expect: dagger.ReturnTypeAny})
	code, err := ran.ExitCode(ctx)
	if err != nil {
		return fmt.Errorf("migrating %s: %v", name, err)
	}
	if code != 0 {
		stdout, _ := ran.Stdout(ctx) // best effort: the tail helps, its absence does not change the outcome
		stderr, _ := ran.Stderr(ctx)
		return fmt.Errorf("migrating %s: %q exited with %d\n%s", name, command, code, recipe.Tail(stdout, stderr, 20))
	}
	return nil
}

// serverService runs a built server image as a service: its own command as
// PID 1 (no init), as `docker run` would, with its output in its log.
func (r *smokeRun) serverService(ctx context.Context, c *dagger.Container, name string) (*dagger.Service, error) {
	cmd, err := command(ctx, c)
	if err != nil {
		return nil, fmt.Errorf("reading the %s image's command: %v", name, err)
	}
	return r.withLogs(c, name).AsService(dagger.ContainerAsServiceOpts{Args: smoke.Logged(cmd, r.logFile(name)), NoInit: true}), nil
}

// databaseService is the ephemeral database.
func (r *smokeRun) databaseService(ctx context.Context) (*dagger.Service, error) {
	img := r.a.Config.Services.Database.Image
	c := dag.Container().From(img)
	cmd, err := command(ctx, c)
	if err != nil {
		return nil, fmt.Errorf("reading the command of %s: %v", img, err)
	}
	c = r.withLogs(r.withEnv(c, r.db.ServiceEnv()), "database").WithExposedPort(r.db.Port)
	return c.AsService(dagger.ContainerAsServiceOpts{Args: smoke.Logged(cmd, r.logFile("database"))}), nil
}

// redisService is redis with a password, supervised so that the checker
// can restart it without the service (and the servers bound to it) ending.
func (r *smokeRun) redisService(image string) *dagger.Service {
	c := dag.Container().From(image).
		WithSecretVariable("REDIS_PASSWORD", r.secret("redis-password", r.redis.Password)).
		WithMountedCache(ctlDir, dag.CacheVolume("stack-smoke-ctl")).
		WithExposedPort(r.redis.Port)
	c = r.withLogs(c, "redis")
	server := []string{"sh", "-c", `exec redis-server --port ` + strconv.Itoa(r.redis.Port) + ` --requirepass "$REDIS_PASSWORD" --save "" --appendonly no`}
	return c.AsService(dagger.ContainerAsServiceOpts{Args: smoke.Supervised(server, r.logFile("redis"), ctlDir+"/"+r.id+".redis.paused")})
}

// checks runs, through the front door, the standard checks stack.yaml
// leaves on, then the app's own declared checks.
func (r *smokeRun) checks(ctx context.Context, front *dagger.Container, base string) (smoke.Results, error) {
	s := r.a.Config.Smoke
	args := []string{"check", "--base", base, "--deep-link", s.DeepLink, "--health-path", s.HealthPath,
		"--deps", strings.Join(s.HealthDependencies, ","), "--notes-path", s.RoundtripPath, "--socket-path", s.SocketPath,
		"--disable", strings.Join(s.Disable, ","), "--json", outDir + "/checks.json"}
	if s.Timeout > 0 {
		args = append(args, "--per-check", time.Duration(s.Timeout).String())
	}
	checked, err := r.step(ctx, front, "checking through the front door", args...)
	if err != nil {
		return nil, err
	}
	results, err := readResults(ctx, checked, "checks.json")
	if err != nil || len(s.Checks) == 0 {
		return results, err
	}
	spec, err := json.Marshal(s.Spec())
	if err != nil {
		return nil, fmt.Errorf("encoding the declared checks: %v", err)
	}
	declared, err := r.step(ctx, front.WithNewFile("/in/checks.json", string(spec)), "running the declared checks",
		"run", "--base", base, "--checks", "/in/checks.json", "--json", outDir+"/declared.json")
	if err != nil {
		return nil, err
	}
	own, err := readResults(ctx, declared, "declared.json")
	return append(results, own...), err
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
