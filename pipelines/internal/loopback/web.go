package loopback

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stack-ci/stack/pipelines/nginxconf"
	"github.com/stack-ci/stack/pipelines/smoke"
)

// Nginx is an nginx server on 127.0.0.1 serving one server configuration.
type Nginx struct {
	// URL is the server's base URL, e.g. http://127.0.0.1:34567.
	URL  string
	proc *Process
}

// StartNginx runs nginx with the conf.d server configuration at confPath,
// rewritten for loopback: it listens on a free 127.0.0.1 port, serves root
// instead of the image's document root, and sends every upstream server and
// proxy_pass host to backend (host:port). It waits until nginx answers.
func StartNginx(t testing.TB, confPath, root, backend string) *Nginx {
	t.Helper()
	bin := LookPath(t, "nginx", "/usr/sbin")
	src, err := os.ReadFile(confPath)
	if err != nil {
		t.Fatalf("reading nginx config: %v", err)
	}
	conf, err := nginxconf.Parse(src)
	if err != nil {
		t.Fatalf("%s: %v", confPath, err)
	}
	port := FreePort(t)
	if n := rewriteForLoopback(conf, port, root, backend); n == 0 {
		t.Fatalf("%s: found no listen, root or backend address to rewrite", confPath)
	}
	dir := TempDir(t, "")
	serverConf := filepath.Join(dir, "default.conf")
	if err := os.WriteFile(serverConf, []byte(conf.Format()), 0o644); err != nil {
		t.Fatal(err)
	}
	user := ""
	if os.Geteuid() == 0 {
		user = "user root;" // workers must read the test's private directories
	}
	main := fmt.Sprintf(`%s
worker_processes 1;
pid %[2]s/nginx.pid;
error_log %[2]s/error.log info;
events { worker_connections 256; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log %[2]s/access.log;
    client_body_temp_path %[2]s/client_body;
    proxy_temp_path %[2]s/proxy;
    fastcgi_temp_path %[2]s/fastcgi;
    uwsgi_temp_path %[2]s/uwsgi;
    scgi_temp_path %[2]s/scgi;
    sendfile on;
    include %[3]s;
}
`, user, dir, serverConf)
	mainConf := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(mainConf, []byte(main), 0o644); err != nil {
		t.Fatal(err)
	}
	proc := start(t, "nginx", "", nil, dir, bin, "-p", dir, "-e", filepath.Join(dir, "error.log"), "-c", mainConf, "-g", "daemon off;")
	n := &Nginx{URL: "http://127.0.0.1:" + strconv.Itoa(port), proc: proc}
	client := &http.Client{Timeout: 2 * time.Second}
	waitFor(t, proc, 15*time.Second, func(ctx context.Context) error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, n.URL+"/", nil) // a constant, valid URL
		resp, err := client.Do(req)
		if err != nil {
			if b, rerr := os.ReadFile(filepath.Join(dir, "error.log")); rerr == nil {
				return fmt.Errorf("%w; error.log: %s", err, strings.TrimSpace(string(b)))
			}
			return err
		}
		resp.Body.Close()
		return nil
	})
	return n
}

// rewriteForLoopback edits conf in place and returns how many directives it
// changed.
func rewriteForLoopback(conf *nginxconf.Config, port int, root, backend string) int {
	n := 0
	conf.Walk(func(d *nginxconf.Directive, parents []*nginxconf.Directive) {
		switch {
		case d.Name == "listen" && len(d.Args) > 0:
			if strings.HasPrefix(d.Args[0], "[") {
				d.Name, d.Args = "#", nil // IPv6 listeners are dropped below
				return
			}
			d.Args = []string{"127.0.0.1:" + strconv.Itoa(port)}
			n++
		case d.Name == "root" && len(d.Args) == 1:
			d.Args[0] = root
			n++
		case d.Name == "server" && len(d.Args) > 0 && len(parents) > 0 && parents[len(parents)-1].Name == "upstream":
			d.Args = []string{backend}
			n++
		case d.Name == "proxy_pass" && len(d.Args) == 1 && !strings.Contains(d.Args[0], "$"):
			if i := strings.Index(d.Args[0], "://"); i > 0 {
				rest := d.Args[0][i+3:]
				host, path, _ := strings.Cut(rest, "/")
				if !isUpstream(conf, host) {
					d.Args[0] = d.Args[0][:i+3] + backend + strings.TrimSuffix("/"+path, "/")
					if path != "" || strings.HasSuffix(rest, "/") {
						d.Args[0] += "/"
					}
					n++
				}
			}
		}
	})
	dropMarked(&conf.Directives)
	return n
}

func isUpstream(conf *nginxconf.Config, name string) bool {
	for _, up := range conf.Find("upstream") {
		if len(up.Args) == 1 && up.Args[0] == name {
			return true
		}
	}
	return false
}

func dropMarked(ds *[]*nginxconf.Directive) {
	kept := (*ds)[:0]
	for _, d := range *ds {
		if d.Name == "#" {
			continue
		}
		dropMarked(&d.Block)
		kept = append(kept, d)
	}
	*ds = kept
}

// Stop stops nginx gracefully.
func (n *Nginx) Stop() {
	_, _ = n.proc.Stop(syscall.SIGQUIT, 5*time.Second) // the cleanup kills it anyway
}

// App is the sample application's backend running under node.
type App struct {
	// URL is the backend's base URL.
	URL  string
	Port int
	proc *Process
}

// AppDir returns examples/hivemind, requiring its node_modules (npm ci) and,
// when withDist, its built SPA (npm run build:web).
func AppDir(t testing.TB, withDist bool) string {
	t.Helper()
	dir := filepath.Join(RepoRoot(t), "examples", "hivemind")
	_, err := os.Stat(filepath.Join(dir, "node_modules"))
	Require(t, err == nil, dir+"/node_modules is missing: run `npm ci` there (scripts/test does)")
	if withDist {
		_, err := os.Stat(filepath.Join(dir, "dist", "index.html"))
		Require(t, err == nil, dir+"/dist is missing: run `npm run build:web` there (scripts/test does)")
	}
	return dir
}

// StartApp starts the sample backend (`node server/index.js`) on a free port
// with env added, and waits until its /health says ok.
func StartApp(t testing.TB, dir string, env ...string) *App {
	t.Helper()
	node := LookPath(t, "node")
	port := FreePort(t)
	env = append([]string{"PORT=" + strconv.Itoa(port), "HOST=127.0.0.1", "NODE_ENV=production"}, env...)
	proc := start(t, "backend", "", env, dir, node, "server/index.js")
	a := &App{URL: "http://127.0.0.1:" + strconv.Itoa(port), Port: port, proc: proc}
	probe := smoke.HealthProbe(&http.Client{Timeout: 2 * time.Second}, a.URL+"/health")
	waitFor(t, proc, 60*time.Second, func(ctx context.Context) error {
		_, err := probe(ctx)
		return err
	})
	return a
}

// Addr returns host:port.
func (a *App) Addr() string { return "127.0.0.1:" + strconv.Itoa(a.Port) }

// Stop sends SIGTERM and reports how long the app took to exit and how.
func (a *App) Stop(grace time.Duration) (time.Duration, error) {
	return a.proc.Stop(syscall.SIGTERM, grace)
}

// Tail returns the last n lines the app printed.
func (a *App) Tail(n int) string { return a.proc.Tail(n) }
