package scan_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stack-ci/stack/pipelines/scan"
	"github.com/stack-ci/stack/pipelines/scan/trivydb"
)

func TestParseDBInfoFromRealTrivy(t *testing.T) {
	t.Parallel()
	bin := trivydb.Binary(t)
	empty := trivydb.Run(t, bin, "", scan.VersionArgs(scan.Options{CacheDir: t.TempDir()})...)
	if _, err := scan.ParseDBInfo([]byte(empty.Stdout)); !errors.Is(err, scan.ErrNoDB) {
		t.Errorf("empty cache: err = %v, want ErrNoDB (output %q)", err, empty.Stdout)
	}
	res := trivydb.Run(t, bin, "", scan.VersionArgs(scan.Options{CacheDir: cacheWithDB(t, true)})...)
	info, err := scan.ParseDBInfo([]byte(res.Stdout))
	if err != nil {
		t.Fatalf("ParseDBInfo(%q): %v", res.Stdout, err)
	}
	if info.Version != 2 || time.Since(info.UpdatedAt) > time.Hour || !info.NextUpdate.After(time.Now()) {
		t.Errorf("DB info = %+v", info)
	}
}

func TestParseDBInfoErrors(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":                       "reading `trivy version` output",
		"Version: 0.74.0":        "reading `trivy version` output",
		`{"VulnerabilityDB":{}}`: "not Trivy's version report",
		`{"Version":"0.74.0"}`:   scan.ErrNoDB.Error(),
		`{"Version":"x","VulnerabilityDB":{"UpdatedAt":"yesterday"}}`: "reading",
	} {
		if _, err := scan.ParseDBInfo([]byte(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseDBInfo(%q) error = %v, want %q", in, err, want)
		}
	}
}

func FuzzParseDBInfo(f *testing.F) {
	f.Add(`{"Version":"0.74.0","VulnerabilityDB":{"Version":2,"UpdatedAt":"2026-11-25T00:00:00Z"}}`)
	f.Fuzz(func(t *testing.T, s string) {
		info, err := scan.ParseDBInfo([]byte(s))
		if err == nil && info.UpdatedAt.IsZero() {
			t.Fatalf("ParseDBInfo(%q) accepted a DB without UpdatedAt", s)
		}
	})
}
