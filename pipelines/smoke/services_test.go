package smoke

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestDatabaseEnvironments(t *testing.T) {
	t.Parallel()
	pg := Database{Kind: Postgres, Host: "postgres", Port: 5432, Name: "hivemind", User: "app", Password: "p@ss/word"}
	if got := pg.URL(); got != "postgresql://app:p%40ss%2Fword@postgres:5432/hivemind?sslmode=disable" {
		t.Errorf("postgres URL = %s", got)
	}
	if got := pg.ServiceEnv(); !reflect.DeepEqual(got, Env{
		Plain:  map[string]string{"POSTGRES_USER": "app", "POSTGRES_DB": "hivemind"},
		Secret: map[string]string{"POSTGRES_PASSWORD": "p@ss/word"},
	}) {
		t.Errorf("postgres service env = %+v", got)
	}
	app := pg.AppEnv()
	if app.Plain["POSTGRES_HOST"] != "postgres" || app.Plain["POSTGRES_PORT"] != "5432" || app.Secret["POSTGRES_PASSWORD"] != "p@ss/word" || app.Secret["DATABASE_URL"] != pg.URL() {
		t.Errorf("postgres app env = %+v", app)
	}
	for k, v := range app.Plain {
		if strings.Contains(v, "p@ss") {
			t.Errorf("plain %s holds the password", k)
		}
	}

	my := Database{Kind: MariaDB, Host: "db", Port: 3306, Name: "notes", User: "app", Password: "pw"}
	if got := my.URL(); got != "mysql://app:pw@db:3306/notes" {
		t.Errorf("mariadb URL = %s", got)
	}
	se := my.ServiceEnv()
	if se.Plain["MARIADB_DATABASE"] != "notes" || se.Secret["MARIADB_ROOT_PASSWORD"] == "" || se.Secret["MARIADB_PASSWORD"] != "pw" {
		t.Errorf("mariadb service env = %+v", se)
	}
	if ae := my.AppEnv(); ae.Plain["MYSQL_HOST"] != "db" || ae.Plain["MYSQL_DATABASE"] != "notes" || ae.Secret["DATABASE_URL"] != my.URL() {
		t.Errorf("mariadb app env = %+v", ae)
	}
	if e := (Database{Kind: NoDatabase}).AppEnv(); len(e.Plain)+len(e.Secret) != 0 {
		t.Errorf("no database gave env %+v", e)
	}
	r := Redis{Host: "redis", Port: 6379, Password: "s3cret"}
	if e := r.AppEnv(); e.Secret["REDIS_URL"] != "redis://:s3cret@redis:6379" || e.Plain["REDIS_HOST"] != "redis" {
		t.Errorf("redis env = %+v", e)
	}
}

func TestParseDatabaseKind(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]DatabaseKind{"postgres": Postgres, "PostgreSQL": Postgres, " mysql ": MySQL, "mariadb": MariaDB, "none": NoDatabase} {
		if got, err := ParseDatabaseKind(in); err != nil || got != want {
			t.Errorf("ParseDatabaseKind(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseDatabaseKind("oracle"); err == nil || !strings.Contains(err.Error(), "want postgres, mysql, mariadb or none") {
		t.Errorf("oracle: %v", err)
	}
	if MySQL.Port() != 3306 || Postgres.Port() != 5432 || MariaDB.DefaultImage() == "" {
		t.Error("kind defaults")
	}
}

func TestMySQLDSN(t *testing.T) {
	t.Parallel()
	got, err := MySQLDSN("mysql://app:p%40ss@db:3307/notes")
	if err != nil || !strings.HasPrefix(got, "app:p@ss@tcp(db:3307)/notes?") {
		t.Errorf("MySQLDSN = %q, %v", got, err)
	}
	if got, _ := MySQLDSN("mysql://app:pw@db/notes"); !strings.Contains(got, "tcp(db:3306)") {
		t.Errorf("default port: %q", got)
	}
	for _, bad := range []string{"postgresql://a@b/c", "mysql:///x", "::"} {
		if _, err := MySQLDSN(bad); err == nil {
			t.Errorf("MySQLDSN(%q) accepted", bad)
		}
	}
}

func TestNewPasswordIsRandom(t *testing.T) {
	t.Parallel()
	a, b := NewPassword(), NewPassword()
	if a == b || len(a) < 20 {
		t.Errorf("passwords %q and %q", a, b)
	}
}

func TestJudgeShutdown(t *testing.T) {
	t.Parallel()
	if r := JudgeShutdown(300*time.Millisecond, 10*time.Second, nil); !r.Passed || r.Name != "graceful-shutdown" {
		t.Errorf("quick stop: %+v", r)
	}
	if r := JudgeShutdown(12*time.Second, 10*time.Second, nil); r.Passed || !strings.Contains(r.Detail, "over its 10s grace period") {
		t.Errorf("slow stop: %+v", r)
	}
	if r := JudgeShutdown(10*time.Second, 10*time.Second, errors.New("context deadline exceeded")); r.Passed || !strings.Contains(r.Detail, "did not stop within 10s") {
		t.Errorf("killed: %+v", r)
	}
}

func FuzzMySQLDSN(f *testing.F) {
	f.Add("mysql://app:pw@db:3306/notes")
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = MySQLDSN(s) // never panics
	})
}
