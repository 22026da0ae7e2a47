package smoke

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

// DatabaseKind is the database engine an application needs.
type DatabaseKind string

// The database engines the smoke tests can start.
const (
	Postgres   DatabaseKind = "postgres"
	MySQL      DatabaseKind = "mysql"
	MariaDB    DatabaseKind = "mariadb"
	NoDatabase DatabaseKind = "none"
)

// ParseDatabaseKind reads a database kind.
func ParseDatabaseKind(s string) (DatabaseKind, error) {
	switch k := DatabaseKind(strings.ToLower(strings.TrimSpace(s))); k {
	case Postgres, MySQL, MariaDB, NoDatabase:
		return k, nil
	case "postgresql":
		return Postgres, nil
	}
	return "", fmt.Errorf("database %q: want postgres, mysql, mariadb or none", s)
}

// DefaultImage is the image the service runs by default.
func (k DatabaseKind) DefaultImage() string {
	switch k {
	case MySQL:
		return "mysql:8.4"
	case MariaDB:
		return "mariadb:11.4"
	case Postgres:
		return "postgres:15-alpine"
	}
	return ""
}

// Port is the engine's standard port.
func (k DatabaseKind) Port() int {
	if k == MySQL || k == MariaDB {
		return 3306
	}
	return 5432
}

// NewPassword returns a random password for one run's credentials.
func NewPassword() string {
	return rand.Text() // 26 base32 characters, 130 bits
}

// Database is an ephemeral database service and its credentials, as the
// application reaches it.
type Database struct {
	Kind DatabaseKind
	// Host is the hostname the application reaches the service by.
	Host     string
	Port     int
	Name     string
	User     string
	Password string
}

// Env is a set of environment variables: Plain values can be shown; Secret
// values (passwords, URLs holding them) are handed over as secrets.
type Env struct {
	Plain  map[string]string
	Secret map[string]string
}

func newEnv() Env { return Env{Plain: map[string]string{}, Secret: map[string]string{}} }

// ServiceEnv is the environment of the database container itself, in the
// official images' contract (POSTGRES_*, MYSQL_*, MARIADB_*).
func (d Database) ServiceEnv() Env {
	e := newEnv()
	switch d.Kind {
	case Postgres:
		e.Plain["POSTGRES_USER"], e.Plain["POSTGRES_DB"] = d.User, d.Name
		e.Secret["POSTGRES_PASSWORD"] = d.Password
	case MySQL, MariaDB:
		p := "MYSQL"
		if d.Kind == MariaDB {
			p = "MARIADB"
		}
		e.Plain[p+"_USER"], e.Plain[p+"_DATABASE"] = d.User, d.Name
		e.Secret[p+"_PASSWORD"], e.Secret[p+"_ROOT_PASSWORD"] = d.Password, d.Password
	}
	return e
}

// URL is the connection URL applications commonly read from DATABASE_URL.
func (d Database) URL() string {
	u := url.URL{User: url.UserPassword(d.User, d.Password), Host: net.JoinHostPort(d.Host, strconv.Itoa(d.Port)), Path: "/" + d.Name}
	switch d.Kind {
	case Postgres:
		u.Scheme, u.RawQuery = "postgresql", "sslmode=disable"
	case MySQL, MariaDB:
		u.Scheme = "mysql"
	default:
		return ""
	}
	return u.String()
}

// AppEnv is what the application is given to reach the database: the split
// variables of its engine (POSTGRES_HOST… as HiveMind reads them, or
// MYSQL_HOST…) and DATABASE_URL.
func (d Database) AppEnv() Env {
	e := newEnv()
	p := "POSTGRES"
	db := "POSTGRES_DB"
	switch d.Kind {
	case NoDatabase, "":
		return e
	case MySQL, MariaDB:
		p, db = "MYSQL", "MYSQL_DATABASE"
	}
	e.Plain[p+"_HOST"], e.Plain[p+"_PORT"], e.Plain[p+"_USER"], e.Plain[db] = d.Host, strconv.Itoa(d.Port), d.User, d.Name
	e.Secret[p+"_PASSWORD"], e.Secret["DATABASE_URL"] = d.Password, d.URL()
	return e
}

// Probe is ready when the database answers a query as the application's user.
func (d Database) Probe() Probe {
	switch d.Kind {
	case Postgres:
		return PostgresProbe(d.URL())
	case MySQL, MariaDB:
		cfg := mysql.NewConfig()
		cfg.User, cfg.Passwd, cfg.Net, cfg.DBName = d.User, d.Password, "tcp", d.Name
		cfg.Addr = net.JoinHostPort(d.Host, strconv.Itoa(d.Port))
		cfg.Timeout = 2 * time.Second
		return MySQLProbe(cfg.FormatDSN())
	}
	return func(context.Context) (string, error) { return "no database", nil }
}

// MySQLProbe is ready when a MySQL or MariaDB server answers a query with the
// given DSN (go-sql-driver/mysql format).
func MySQLProbe(dsn string) Probe {
	return func(ctx context.Context) (string, error) {
		db, err := sql.Open("mysql", dsn)
		if err != nil {
			return "", fmt.Errorf("mysql DSN: %w", err)
		}
		defer db.Close()
		var version string
		if err := db.QueryRowContext(ctx, "SELECT VERSION()").Scan(&version); err != nil {
			return "", fmt.Errorf("mysql query: %w", err)
		}
		return version, nil
	}
}

// Redis is an ephemeral Redis service with a password.
type Redis struct {
	Host     string
	Port     int
	Password string
}

// Addr returns host:port.
func (r Redis) Addr() string { return net.JoinHostPort(r.Host, strconv.Itoa(r.Port)) }

// URL is redis://:password@host:port.
func (r Redis) URL() string {
	return (&url.URL{Scheme: "redis", User: url.UserPassword("", r.Password), Host: r.Addr()}).String()
}

// AppEnv is what the application is given to reach Redis: REDIS_HOST,
// REDIS_PORT, REDIS_PASSWORD and REDIS_URL.
func (r Redis) AppEnv() Env {
	e := newEnv()
	e.Plain["REDIS_HOST"], e.Plain["REDIS_PORT"] = r.Host, strconv.Itoa(r.Port)
	e.Secret["REDIS_PASSWORD"], e.Secret["REDIS_URL"] = r.Password, r.URL()
	return e
}

// Probe is ready when Redis answers PING after AUTH.
func (r Redis) Probe() Probe { return RedisProbe(r.Addr(), r.Password) }
