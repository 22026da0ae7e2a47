package trivydb

import (
	"encoding/json"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"
)

// vulnIDs scans a rootfs holding lodash at version with the real Trivy and
// returns "ID fixed-version severity" for each finding.
func vulnIDs(t *testing.T, bin, cache, version string, extra ...string) []string {
	t.Helper()
	root := t.TempDir()
	pkg := filepath.Join(root, "app", "node_modules", "lodash")
	if err := os.MkdirAll(pkg, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(pkg, "package.json"), []byte(`{"name":"lodash","version":"`+version+`"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"rootfs", "--scanners", "vuln", "--format", "json", "--cache-dir", cache,
		"--skip-version-check", "--disable-telemetry", "--no-progress"}, extra...)
	res := Run(t, bin, "", append(args, root)...)
	if res.ExitCode != 0 {
		t.Fatalf("trivy exit %d:\n%s", res.ExitCode, res.Stderr)
	}
	var rep struct {
		Results []struct {
			Vulnerabilities []struct{ VulnerabilityID, FixedVersion, Severity string }
		}
	}
	if err := json.Unmarshal([]byte(res.Stdout), &rep); err != nil {
		t.Fatalf("decoding the report: %v\n%s", err, res.Stdout)
	}
	var out []string
	for _, r := range rep.Results {
		for _, v := range r.Vulnerabilities {
			out = append(out, strings.Join(strings.Fields(v.VulnerabilityID+" "+v.FixedVersion+" "+v.Severity), " "))
		}
	}
	return out
}

func TestTrivyReportsFromTheFixture(t *testing.T) {
	t.Parallel()
	bin := Binary(t)
	cache := t.TempDir()
	err := Write(cache, lodash, Advisory{
		Package: "lodash", VulnerableVersions: []string{">=4.0.0, <=4.17.21"}, ID: "CVE-2099-0002",
		Severity: "MEDIUM", Title: "lodash: unfixed",
	})
	if err != nil {
		t.Fatal(err)
	}
	offline := []string{"--skip-db-update", "--offline-scan"}
	tests := []struct {
		version string
		want    string
	}{
		{"4.17.20", "CVE-2099-0001 4.17.21 HIGH,CVE-2099-0002 MEDIUM"},
		{"4.17.21", "CVE-2099-0002 MEDIUM"},
		{"4.17.22", ""},
		{"3.10.1", "CVE-2099-0001 4.17.21 HIGH"},
	}
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			t.Parallel()
			got := strings.Join(vulnIDs(t, bin, cache, tt.version, offline...), ",")
			if got != tt.want {
				t.Errorf("lodash %s: trivy reported %q, want %q", tt.version, got, tt.want)
			}
		})
	}
}

func TestTrivyDownloadsTheFixtureFromALoopbackMirror(t *testing.T) {
	t.Parallel()
	bin := Binary(t)
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	repo := strings.TrimPrefix(srv.URL, "http://") + "/aquasec/trivy-db:2"
	if err := (Fixture{Advisories: []Advisory{lodash}}).Push(repo); err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir() // empty: Trivy must download
	got := vulnIDs(t, bin, cache, "4.17.20", "--db-repository", repo)
	if strings.Join(got, ",") != "CVE-2099-0001 4.17.21 HIGH" {
		t.Fatalf("trivy reported %q from the mirrored DB", got)
	}
	if _, err := os.Stat(filepath.Join(cache, "db", "trivy.db")); err != nil {
		t.Errorf("downloaded DB not in the cache: %v", err)
	}
}
