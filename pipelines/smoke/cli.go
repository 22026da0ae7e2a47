package smoke

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/redis/go-redis/v9"
)

const usage = `stack-smoke: the smoke checker of the stack pipeline

usage:
  stack-smoke wait --service postgres|mysql|mariadb --url-env VAR [--log FILE]… [--timeout 2m]
  stack-smoke wait --service redis --addr HOST:PORT --password-env VAR [--log FILE]… [--timeout 2m]
  stack-smoke wait --service http --url URL [--log FILE]… [--timeout 2m]
  stack-smoke check --base URL [--deep-link /about] [--health-path /api/v1/health]
                    [--deps postgres,redis] [--notes-path /api/v1/notes] [--socket-path /socket.io/]
                    [--disable NAME,NAME] [--per-check 20s] [--json FILE] [--fail]
  stack-smoke run --base URL --checks FILE.json [--per-check 30s] [--json FILE] [--fail]
  stack-smoke recovery --health-url URL --redis-addr HOST:PORT --redis-password-env VAR
                    --pause-file FILE [--timeout 60s] [--json FILE] [--fail]

Secrets (connection URLs, passwords) are read from the environment variables
named, never from arguments. wait exits 1 when a service never gets ready,
with what it last saw and the tail of the --log files; check, run and recovery
write their results (--json) and exit 0 unless --fail is given.

check runs the standard checks; --disable turns some off by name, and an
empty --deps ("") checks no health dependencies. run runs the application's
declared checks from FILE.json (a smoke.Spec, as config.Smoke.Spec writes
it); --per-check overrides the file's timeout (default 30s).
`

// Main runs the checker's command line and returns the exit status: 0 done,
// 1 a failure to report, 2 bad usage.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "wait":
		err = mainWait(ctx, args[1:], stdout, getenv)
	case "check":
		err = mainCheck(ctx, args[1:], stdout)
	case "recovery":
		err = mainRecovery(ctx, args[1:], stdout, getenv)
	case "run":
		err = mainRun(ctx, args[1:], stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		err = usageError{fmt.Errorf("unknown command %q", args[0])}
	}
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "stack-smoke: %v\n\n%s", err, usage)
		return 2
	default:
		fmt.Fprintf(stderr, "stack-smoke: %v\n", err)
		return 1
	}
}

type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

// logFiles is a repeatable --log flag.
type logFiles []string

func (l *logFiles) String() string     { return strings.Join(*l, ",") }
func (l *logFiles) Set(v string) error { *l = append(*l, v); return nil }

func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return usageError{fmt.Errorf("%s: %w", fs.Name(), err)}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("%s: unexpected argument %q", fs.Name(), fs.Arg(0))}
	}
	return nil
}

func secretEnv(getenv func(string) string, flagName, name string) (string, error) {
	if name == "" {
		return "", usageError{fmt.Errorf("--%s is required", flagName)}
	}
	v := getenv(name)
	if v == "" {
		return "", fmt.Errorf("environment variable %s (--%s) is empty", name, flagName)
	}
	return v, nil
}

func mainWait(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string) error {
	fs := newFlags("wait")
	service := fs.String("service", "", "postgres, mysql, mariadb, redis or http")
	urlEnv := fs.String("url-env", "", "variable holding the database URL")
	rawURL := fs.String("url", "", "health URL (http)")
	addr := fs.String("addr", "", "redis host:port")
	passwordEnv := fs.String("password-env", "", "variable holding the redis password")
	timeout := fs.Duration("timeout", 2*time.Minute, "overall time limit")
	var logs logFiles
	fs.Var(&logs, "log", "service log file to show on failure (repeatable)")
	if err := parse(fs, args); err != nil {
		return err
	}
	var probe Probe
	switch kind := *service; kind {
	case "postgres", "mysql", "mariadb":
		u, err := secretEnv(getenv, "url-env", *urlEnv)
		if err != nil {
			return err
		}
		if kind == "postgres" {
			probe = PostgresProbe(u)
		} else {
			dsn, err := MySQLDSN(u)
			if err != nil {
				return err
			}
			probe = MySQLProbe(dsn)
		}
	case "redis":
		pw, err := secretEnv(getenv, "password-env", *passwordEnv)
		if err != nil {
			return err
		}
		if *addr == "" {
			return usageError{errors.New("wait --service redis needs --addr")}
		}
		probe = RedisProbe(*addr, pw)
	case "http":
		if *rawURL == "" {
			return usageError{errors.New("wait --service http needs --url")}
		}
		probe = HealthProbe(&http.Client{Timeout: 3 * time.Second}, *rawURL)
	default:
		return usageError{fmt.Errorf("--service %q: want postgres, mysql, mariadb, redis or http", kind)}
	}
	b := DefaultBackoff
	b.Timeout = *timeout
	start := time.Now()
	seen, err := WaitReady(ctx, *service, probe, b)
	if err != nil {
		return fmt.Errorf("%w%s", err, logTails(logs, 30))
	}
	fmt.Fprintf(stdout, "%s ready after %s: %s\n", *service, time.Since(start).Round(time.Millisecond), oneLine(seen))
	return nil
}

// logTails formats the last n lines of each log file, for a failure message.
func logTails(files []string, n int) string {
	var b strings.Builder
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintf(&b, "\n--- %s: %v", f, err)
			continue
		}
		lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
		if len(lines) > n {
			lines = lines[len(lines)-n:]
		}
		fmt.Fprintf(&b, "\n--- last %d lines of %s:\n%s", len(lines), f, strings.Join(lines, "\n"))
	}
	return b.String()
}

// MySQLDSN turns a mysql://user:pass@host:port/db URL into a
// go-sql-driver/mysql DSN.
func MySQLDSN(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "mysql" || u.Host == "" {
		return "", fmt.Errorf("database URL: want mysql://user:password@host:port/db")
	}
	cfg := mysql.NewConfig()
	cfg.User = u.User.Username()
	cfg.Passwd, _ = u.User.Password()
	cfg.Net, cfg.Addr, cfg.DBName = "tcp", u.Host, strings.TrimPrefix(u.Path, "/")
	if u.Port() == "" {
		cfg.Addr += ":3306"
	}
	cfg.Timeout = 2 * time.Second
	return cfg.FormatDSN(), nil
}

func writeResults(path string, rs Results, stdout io.Writer) error {
	if err := rs.WriteTable(stdout); err != nil {
		return err
	}
	if path == "" {
		return nil
	}
	b, err := json.MarshalIndent(rs, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding results: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("writing results: %w", err)
	}
	return nil
}

func mainCheck(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("check")
	base := fs.String("base", "", "the frontend's base URL")
	deep := fs.String("deep-link", "", "a client-side route (default /about)")
	health := fs.String("health-path", "", "health endpoint through the frontend (default /api/v1/health)")
	deps := fs.String("deps", "", "health keys that must be ok (default postgres,redis; given empty: none)")
	notes := fs.String("notes-path", "", "REST collection for the round trip (default /api/v1/notes)")
	socket := fs.String("socket-path", "", "Socket.IO path (default /socket.io/)")
	disable := fs.String("disable", "", "standard checks not to run, comma-separated")
	perCheck := fs.Duration("per-check", 20*time.Second, "time limit of each check")
	out := fs.String("json", "", "write the results as JSON to this file")
	fail := fs.Bool("fail", false, "exit 1 when a check fails")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *base == "" {
		return usageError{errors.New("check needs --base")}
	}
	t := DefaultTarget(*base)
	if *deep != "" {
		t.DeepLink = *deep
	}
	if *health != "" {
		t.HealthPath = *health
	}
	if given(fs, "deps") {
		// Given empty, no dependency is checked (an app without services).
		t.Dependencies = splitList(*deps)
	}
	if *notes != "" {
		t.NotesPath = *notes
	}
	if *socket != "" {
		t.SocketPath = *socket
	}
	checks, err := t.Without(splitList(*disable))
	if err != nil {
		return usageError{fmt.Errorf("--disable: %w", err)}
	}
	rs := Run(ctx, checks, *perCheck)
	if err := writeResults(*out, rs, stdout); err != nil {
		return err
	}
	if *fail && !rs.Passed() {
		return fmt.Errorf("%d of %d checks failed", len(rs.Failed()), len(rs))
	}
	return nil
}

func mainRecovery(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string) error {
	fs := newFlags("recovery")
	healthURL := fs.String("health-url", "", "the backend's health URL")
	addr := fs.String("redis-addr", "", "redis host:port")
	passwordEnv := fs.String("redis-password-env", "", "variable holding the redis password")
	pause := fs.String("pause-file", "", "pause file of the supervised redis")
	timeout := fs.Duration("timeout", time.Minute, "time limit of each phase")
	out := fs.String("json", "", "write the result as JSON to this file")
	fail := fs.Bool("fail", false, "exit 1 when the check fails")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *healthURL == "" || *addr == "" || *pause == "" {
		return usageError{errors.New("recovery needs --health-url, --redis-addr and --pause-file")}
	}
	pw, err := secretEnv(getenv, "redis-password-env", *passwordEnv)
	if err != nil {
		return err
	}
	begin, end := PauseFile(*pause)
	outage := Outage{
		Dependency: "redis",
		Begin: func(ctx context.Context) error {
			if err := begin(); err != nil {
				return err
			}
			c := redis.NewClient(&redis.Options{Addr: *addr, Password: pw, MaxRetries: -1, DialerRetries: 1})
			defer c.Close()
			// SHUTDOWN closes the connection as the server exits: that is the
			// expected answer, anything else means it refused.
			if err := c.ShutdownNoSave(ctx).Err(); err != nil && !isConnectionEnd(err) {
				return fmt.Errorf("redis SHUTDOWN: %w", err)
			}
			return nil
		},
		End: func(context.Context) error { return end() },
	}
	r := CheckRecovery(ctx, &http.Client{Timeout: 3 * time.Second}, *healthURL, outage, *timeout)
	rs := Results{r}
	if err := writeResults(*out, rs, stdout); err != nil {
		return err
	}
	if *fail && !r.Passed {
		return errors.New(r.Detail)
	}
	return nil
}

func isConnectionEnd(err error) bool {
	s := err.Error()
	return errors.Is(err, io.EOF) || strings.Contains(s, "connection reset") || strings.Contains(s, "EOF") || strings.Contains(s, "closed")
}

// given reports whether the flag was set on the command line.
func given(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(s string) []string {
	var out []string
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

func mainRun(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("run")
	base := fs.String("base", "", "the front door's base URL")
	file := fs.String("checks", "", "the declared checks (JSON)")
	perCheck := fs.Duration("per-check", 0, "time limit of each check (default: the file's timeout, else 30s)")
	out := fs.String("json", "", "write the results as JSON to this file")
	fail := fs.Bool("fail", false, "exit 1 when a check fails")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *base == "" || *file == "" {
		return usageError{errors.New("run needs --base and --checks")}
	}
	spec, err := ReadSpec(*file)
	if err != nil {
		return err
	}
	if *perCheck > 0 {
		spec.Timeout = Duration(*perCheck)
	}
	rs := spec.Run(ctx, *base, nil)
	if err := writeResults(*out, rs, stdout); err != nil {
		return err
	}
	if failed := rs.Failed(); *fail && len(failed) > 0 {
		return fmt.Errorf("%d of %d declared checks failed", len(failed), len(rs))
	}
	return nil
}
