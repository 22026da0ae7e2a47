package loopback

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/stack-ci/stack/pipelines/smoke"
)

// pgBinDirs are where Debian installs the PostgreSQL server programs.
var pgBinDirs = []string{"/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin"}

// Postgres is a private PostgreSQL server on 127.0.0.1.
type Postgres struct {
	Host     string
	Port     int
	User     string
	Password string
	DB       string

	t       testing.TB
	bin     string
	dataDir string
	proc    *Process
}

// StartPostgres initialises a cluster in a temporary directory, starts it on
// a free port with a password-protected user and an empty database "hivemind",
// and waits until it answers a query.
func StartPostgres(t testing.TB) *Postgres {
	t.Helper()
	initdb := LookPath(t, "initdb", pgBinDirs...)
	bin := filepath.Dir(initdb)
	dir := TempDir(t, "postgres")
	p := &Postgres{Host: "127.0.0.1", Port: FreePort(t), User: "stack", Password: "pw-" + strconv.FormatInt(time.Now().UnixNano(), 36), DB: "hivemind", t: t, bin: bin, dataDir: filepath.Join(dir, "data")}
	pwfile := filepath.Join(dir, "pwfile")
	if err := os.WriteFile(pwfile, []byte(p.Password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		uid, gid := lookupUser(t, "postgres")
		if err := os.Chown(pwfile, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	init := start(t, "initdb", "postgres", nil, dir, initdb, "-D", p.dataDir, "-U", p.User, "--pwfile", pwfile, "-A", "scram-sha-256", "--no-sync", "-E", "UTF8", "--locale", "C")
	<-init.done
	if init.err != nil {
		t.Fatalf("initdb: %v\n%s", init.err, init.Tail(20))
	}
	p.Start()
	conn, err := pgx.Connect(context.Background(), p.URL("postgres"))
	if err != nil {
		t.Fatalf("connecting to postgres: %v", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), "CREATE DATABASE "+p.DB); err != nil {
		t.Fatalf("creating database %s: %v", p.DB, err)
	}
	return p
}

// URL returns the connection URL for database db.
func (p *Postgres) URL(db string) string {
	u := url.URL{Scheme: "postgres", User: url.UserPassword(p.User, p.Password), Host: fmt.Sprintf("%s:%d", p.Host, p.Port), Path: "/" + db, RawQuery: "sslmode=disable"}
	return u.String()
}

// Env returns the sample application's POSTGRES_* variables.
func (p *Postgres) Env() []string {
	return []string{
		"POSTGRES_HOST=" + p.Host,
		"POSTGRES_PORT=" + strconv.Itoa(p.Port),
		"POSTGRES_USER=" + p.User,
		"POSTGRES_PASSWORD=" + p.Password,
		"POSTGRES_DB=" + p.DB,
	}
}

// Start (re)starts the server on its port and waits until it answers.
func (p *Postgres) Start() {
	p.t.Helper()
	p.proc = start(p.t, "postgres", "postgres", nil, filepath.Dir(p.dataDir), filepath.Join(p.bin, "postgres"),
		"-D", p.dataDir, "-p", strconv.Itoa(p.Port), "-k", filepath.Dir(p.dataDir),
		"-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	waitFor(p.t, p.proc, 30*time.Second, func(ctx context.Context) error {
		_, err := smoke.PostgresProbe(p.URL("postgres"))(ctx)
		return err
	})
}

// Stop shuts the server down (fast shutdown) and waits for it.
func (p *Postgres) Stop() {
	p.t.Helper()
	if _, err := p.proc.Stop(syscall.SIGINT, 15*time.Second); err != nil {
		p.t.Logf("stopping postgres: %v", err)
	}
}

// Redis is a private Redis server on 127.0.0.1 with a password.
type Redis struct {
	Host     string
	Port     int
	Password string

	// PauseFile is set for a supervised server (StartSupervisedRedis): while
	// it exists, a stopped server is not started again.
	PauseFile string

	t    testing.TB
	bin  string
	dir  string
	proc *Process
}

// StartSupervisedRedis starts redis-server under smoke.Supervised, as the
// pipeline's redis service runs: SHUTDOWN with the pause file present keeps
// it down; removing the file brings it back on the same port.
func StartSupervisedRedis(t testing.TB) *Redis {
	t.Helper()
	r := &Redis{Host: "127.0.0.1", Port: FreePort(t), Password: "pw-" + strconv.FormatInt(time.Now().UnixNano(), 36), t: t, bin: LookPath(t, "redis-server"), dir: TempDir(t, "")}
	r.PauseFile = filepath.Join(r.dir, "ctl", "redis.paused")
	r.Start()
	return r
}

// StartRedis starts redis-server on a free port, without persistence, and
// waits until it answers PING.
func StartRedis(t testing.TB) *Redis {
	t.Helper()
	r := &Redis{Host: "127.0.0.1", Port: FreePort(t), Password: "pw-" + strconv.FormatInt(time.Now().UnixNano(), 36), t: t, bin: LookPath(t, "redis-server"), dir: TempDir(t, "")}
	r.Start()
	return r
}

// Addr returns host:port.
func (r *Redis) Addr() string { return fmt.Sprintf("%s:%d", r.Host, r.Port) }

// Env returns the sample application's REDIS_* variables.
func (r *Redis) Env() []string {
	return []string{"REDIS_HOST=" + r.Host, "REDIS_PORT=" + strconv.Itoa(r.Port), "REDIS_PASSWORD=" + r.Password}
}

// Start (re)starts the server on its port and waits until it answers.
func (r *Redis) Start() {
	r.t.Helper()
	argv := []string{r.bin, "--port", strconv.Itoa(r.Port), "--bind", "127.0.0.1",
		"--requirepass", r.Password, "--save", "", "--appendonly", "no", "--dir", r.dir}
	if r.PauseFile != "" {
		argv = smoke.Supervised(argv, filepath.Join(r.dir, "logs", "redis.log"), r.PauseFile)
	}
	r.proc = start(r.t, "redis", "", nil, r.dir, argv...)
	waitFor(r.t, r.proc, 15*time.Second, func(ctx context.Context) error {
		_, err := smoke.RedisProbe(r.Addr(), r.Password)(ctx)
		return err
	})
}

// Stop shuts the server down and waits for it.
func (r *Redis) Stop() {
	r.t.Helper()
	if _, err := r.proc.Stop(syscall.SIGTERM, 10*time.Second); err != nil {
		r.t.Logf("stopping redis: %v", err)
	}
}

// MariaDB is a private MariaDB server on 127.0.0.1 with a database "notes"
// and a password-protected user.
type MariaDB struct {
	Host     string
	Port     int
	User     string
	Password string
	DB       string
}

// StartMariaDB initialises a data directory, starts mariadbd on a free port
// and creates the database and user, waiting until it answers a query.
func StartMariaDB(t testing.TB) *MariaDB {
	t.Helper()
	install := LookPath(t, "mariadb-install-db", "/usr/bin")
	server := LookPath(t, "mariadbd", "/usr/sbin")
	dir := TempDir(t, "mysql")
	init := start(t, "mariadb-install-db", "mysql", nil, dir, install, "--no-defaults", "--datadir="+filepath.Join(dir, "data"),
		"--auth-root-authentication-method=normal", "--skip-test-db")
	<-init.done
	if init.err != nil {
		t.Fatalf("mariadb-install-db: %v\n%s", init.err, init.Tail(20))
	}
	m := &MariaDB{Host: "127.0.0.1", Port: FreePort(t), User: "app", Password: "pw-" + strconv.FormatInt(time.Now().UnixNano(), 36), DB: "notes"}
	initSQL := filepath.Join(dir, "init.sql")
	sql := fmt.Sprintf("CREATE DATABASE %s;\nCREATE USER '%s'@'%%' IDENTIFIED BY '%s';\nGRANT ALL ON %s.* TO '%s'@'%%';\n", m.DB, m.User, m.Password, m.DB, m.User)
	if err := os.WriteFile(initSQL, []byte(sql), 0o644); err != nil {
		t.Fatal(err)
	}
	proc := start(t, "mariadb", "mysql", nil, dir, server, "--no-defaults", "--datadir="+filepath.Join(dir, "data"),
		"--socket="+filepath.Join(dir, "mysqld.sock"), "--pid-file="+filepath.Join(dir, "mysqld.pid"),
		"--port="+strconv.Itoa(m.Port), "--bind-address=127.0.0.1", "--skip-name-resolve", "--init-file="+initSQL, "--log-error=")
	db := smoke.Database{Kind: smoke.MariaDB, Host: m.Host, Port: m.Port, Name: m.DB, User: m.User, Password: m.Password}
	waitFor(t, proc, 60*time.Second, func(ctx context.Context) error {
		_, err := db.Probe()(ctx)
		return err
	})
	t.Cleanup(func() { _, _ = proc.Stop(syscall.SIGTERM, 15*time.Second) })
	return m
}

// URL returns mysql://user:password@host:port/db.
func (m *MariaDB) URL() string {
	return fmt.Sprintf("mysql://%s:%s@%s:%d/%s", m.User, m.Password, m.Host, m.Port, m.DB)
}
