package scan

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestArgs(t *testing.T) {
	t.Parallel()
	offline := Options{CacheDir: "/cache", Offline: true, Timeout: 90 * time.Second}
	mirrors := Options{CacheDir: "/cache", DBRepositories: []string{"registry.internal/trivy-db:2", "mirror.gcr.io/aquasec/trivy-db:2"}}
	report := []string{"--format", "json", "--output", "/out/r.json", "--severity", "UNKNOWN,LOW,MEDIUM,HIGH,CRITICAL",
		"--ignorefile", "/dev/null", "--list-all-pkgs", "--exit-code", "0"}
	offlineDB := []string{"--skip-db-update", "--skip-java-db-update", "--skip-check-update", "--offline-scan",
		"--no-progress", "--skip-version-check", "--disable-telemetry"}
	cat := func(parts ...[]string) []string { return slices.Concat(parts...) }
	tests := []struct {
		name string
		got  []string
		want []string
	}{
		{"image offline", ImageArgs("/in/frontend.tar", "/out/r.json", offline), cat(
			[]string{"image", "--input", "/in/frontend.tar", "--scanners", "vuln,secret", "--cache-backend", "memory"},
			report, offlineDB, []string{"--config", "/dev/null", "--cache-dir", "/cache", "--timeout", "1m30s"})},
		{"image with mirrors", ImageArgs("/in/frontend.tar", "/out/r.json", mirrors), cat(
			[]string{"image", "--input", "/in/frontend.tar", "--scanners", "vuln,secret", "--cache-backend", "memory"},
			report,
			[]string{"--db-repository", "registry.internal/trivy-db:2", "--db-repository", "mirror.gcr.io/aquasec/trivy-db:2",
				"--no-progress", "--skip-version-check", "--disable-telemetry", "--config", "/dev/null", "--cache-dir", "/cache"})},
		{"rootfs to stdout, defaults", RootfsArgs("/rootfs", "", Options{}), []string{
			"rootfs", "--scanners", "vuln,secret", "--cache-backend", "memory", "--format", "json",
			"--severity", "UNKNOWN,LOW,MEDIUM,HIGH,CRITICAL", "--ignorefile", "/dev/null", "--list-all-pkgs", "--exit-code", "0",
			"--no-progress", "--skip-version-check", "--disable-telemetry", "--config", "/dev/null", "/rootfs"}},
		{"download the DB only, ignoring Offline", DownloadDBArgs(Options{CacheDir: "/cache", Offline: true, DBRepositories: []string{"mirror.internal/trivy-db:2"}}), []string{
			"image", "--download-db-only", "--db-repository", "mirror.internal/trivy-db:2",
			"--no-progress", "--skip-version-check", "--disable-telemetry", "--config", "/dev/null", "--cache-dir", "/cache"}},
		{"download the Java DB only", DownloadJavaDBArgs(Options{CacheDir: "/cache", JavaDBRepositories: []string{"mirror.internal/trivy-java-db:1"}}), []string{
			"image", "--download-java-db-only", "--java-db-repository", "mirror.internal/trivy-java-db:1",
			"--no-progress", "--skip-version-check", "--disable-telemetry", "--config", "/dev/null", "--cache-dir", "/cache"}},
		{"fs", FSArgs("/src", "/out/r.json", offline), cat(
			[]string{"fs", "--scanners", "secret,misconfig", "--cache-backend", "memory"},
			report, offlineDB, []string{"--config", "/dev/null", "--cache-dir", "/cache", "--timeout", "1m30s", "/src"})},
		{"fs skipping dependencies", FSArgs("/src", "", Options{SkipDirs: []string{"**/node_modules", "dist"}}), []string{
			"fs", "--scanners", "secret,misconfig", "--cache-backend", "memory", "--format", "json",
			"--severity", "UNKNOWN,LOW,MEDIUM,HIGH,CRITICAL", "--ignorefile", "/dev/null", "--list-all-pkgs", "--exit-code", "0",
			"--skip-dirs", "**/node_modules,dist", "--no-progress", "--skip-version-check", "--disable-telemetry",
			"--config", "/dev/null", "/src"}},
		{"convert sarif with presentation filters", ConvertArgs(FormatSARIF, "/out/r.json", "/out/r.sarif",
			Options{Severities: []Severity{SeverityHigh, SeverityCritical}, IgnoreFile: "/src/.trivyignore", CacheDir: "/cache", Offline: true}),
			[]string{"convert", "--format", "sarif", "--output", "/out/r.sarif", "--severity", "HIGH,CRITICAL",
				"--ignorefile", "/src/.trivyignore", "--config", "/dev/null", "--cache-dir", "/cache", "/out/r.json"}},
		{"convert cyclonedx", ConvertArgs(FormatCycloneDX, "r.json", "r.cdx.json", Options{}),
			[]string{"convert", "--format", "cyclonedx", "--output", "r.cdx.json", "--ignorefile", "/dev/null", "--config", "/dev/null", "r.json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if !slices.Equal(tt.got, tt.want) {
				t.Errorf("args =\n%q\nwant\n%q", tt.got, tt.want)
			}
		})
	}
}

// The JSON scans must never let Trivy filter what the gate reads, whatever
// the options say.
func TestScanArgsNeverFilter(t *testing.T) {
	t.Parallel()
	o := Options{Severities: []Severity{SeverityCritical}, IgnoreFile: "/src/.trivyignore", Offline: true}
	for name, args := range map[string][]string{
		"image":  ImageArgs("i.tar", "o.json", o),
		"rootfs": RootfsArgs("/r", "o.json", o),
		"fs":     FSArgs("/s", "o.json", o),
	} {
		joined := strings.Join(args, " ")
		for _, banned := range []string{"--ignore-unfixed", "/src/.trivyignore", "--severity CRITICAL ", "--exit-code 1"} {
			if strings.Contains(joined+" ", banned) {
				t.Errorf("%s args contain %q: %s", name, banned, joined)
			}
		}
		if i := slices.Index(args, "--severity"); i < 0 || args[i+1] != "UNKNOWN,LOW,MEDIUM,HIGH,CRITICAL" {
			t.Errorf("%s args do not ask for every severity: %s", name, joined)
		}
	}
}

func TestArgsDoNotShareMemory(t *testing.T) {
	t.Parallel()
	o := Options{DBRepositories: []string{"a/b:2"}}
	a := ImageArgs("x.tar", "", o)
	b := ImageArgs("y.tar", "", o)
	a[2] = "changed"
	if b[2] != "y.tar" {
		t.Fatal("two calls share a backing array")
	}
}
