package scan

import (
	"strings"
	"time"
)

// NullFile is given to Trivy as --config and --ignorefile of the JSON scans:
// an empty file that exists in every Linux container (the aquasec/trivy
// image is Alpine), so a trivy.yaml or .trivyignore that happens to be in
// the working directory cannot filter the report the gate reads.
const NullFile = "/dev/null"

// Options configure the Trivy invocations the builders return.
type Options struct {
	// CacheDir is Trivy's --cache-dir; the vulnerability DB lives in
	// CacheDir/db (trivy.db + metadata.json). Empty means Trivy's default
	// (~/.cache/trivy).
	CacheDir string
	// DBRepositories are OCI repositories to download the vulnerability DB
	// from, in priority order (--db-repository, repeated), e.g. an internal
	// mirror of mirror.gcr.io/aquasec/trivy-db:2. Empty means Trivy's
	// defaults. Trivy moves to the next one only on a temporary registry
	// error (HTTP 429/5xx), not when a host is unreachable.
	DBRepositories []string
	// JavaDBRepositories are the OCI repositories of the Java index DB
	// (--java-db-repository), used by DownloadJavaDBArgs; empty means
	// Trivy's defaults.
	JavaDBRepositories []string
	// Offline never downloads anything: the DB must already be in
	// CacheDir/db. It adds --skip-db-update, --skip-java-db-update,
	// --skip-check-update (embedded misconfiguration checks) and
	// --offline-scan.
	Offline bool
	// Timeout is Trivy's --timeout; zero means Trivy's default (5m).
	Timeout time.Duration
	// Severities filter the findings of the converted reports (SARIF,
	// CycloneDX); empty means all. The JSON scans always report every
	// severity: the gate needs the counts below its threshold.
	Severities []Severity
	// IgnoreFile is a .trivyignore given to the conversions, so that SARIF
	// shows what the gate accepts as accepted. The JSON scans never get it
	// (they get NullFile): the gate applies the ignore list itself so that
	// ignored and expired entries are reported, not silently dropped.
	IgnoreFile string
	// SkipDirs are directories or glob patterns the scans skip
	// (--skip-dirs), e.g. "dist" for build output in a source checkout.
	// (Trivy's secret scanner already skips node_modules and .git.)
	SkipDirs []string
}

// allSeverities is the --severity of the JSON scans.
var allSeverities = severityList(Severities())

// ImageArgs returns the arguments (after the program name) of a
// vulnerability and secret scan of an image tarball or OCI layout
// directory, writing a JSON report to output ("" means stdout):
//
//	image --input <input> --scanners vuln,secret --format json …
//
// Trivy v0.74.0 reads a Docker archive (a tar with manifest.json, which
// Dagger's single-platform Container.AsTarball includes beside the OCI
// layout) or an OCI layout directory; a tar holding only an OCI layout is
// not read (extract it and give the directory). The scan uses the memory
// cache backend, so concurrent scans sharing CacheDir never wait on the
// fanal.db lock.
func ImageArgs(input, output string, o Options) []string {
	args := []string{"image", "--input", input, "--scanners", "vuln,secret", "--cache-backend", "memory"}
	args = append(args, reportFlags(output)...)
	args = append(args, scanFlags(o)...)
	return append(args, globalFlags(o)...)
}

// RootfsArgs returns the arguments of a vulnerability and secret scan of an
// unpacked root filesystem directory (e.g. an exported container rootfs),
// writing a JSON report to output:
//
//	rootfs --scanners vuln,secret --format json … <dir>
func RootfsArgs(dir, output string, o Options) []string {
	args := []string{"rootfs", "--scanners", "vuln,secret", "--cache-backend", "memory"}
	args = append(args, reportFlags(output)...)
	args = append(args, scanFlags(o)...)
	args = append(args, globalFlags(o)...)
	return append(args, dir)
}

// FSArgs returns the arguments of a secret and misconfiguration scan of the
// source directory, writing a JSON report to output:
//
//	fs --scanners secret,misconfig --format json … <dir>
//
// Vulnerabilities are left to the image scans, which see what ships.
func FSArgs(dir, output string, o Options) []string {
	args := []string{"fs", "--scanners", "secret,misconfig", "--cache-backend", "memory"}
	args = append(args, reportFlags(output)...)
	args = append(args, scanFlags(o)...)
	args = append(args, globalFlags(o)...)
	return append(args, dir)
}

// Format is an output format of ConvertArgs.
type Format string

// The formats a JSON report is converted to.
const (
	// FormatSARIF is SARIF 2.1.0, for code scanning.
	FormatSARIF Format = "sarif"
	// FormatCycloneDX is a CycloneDX JSON SBOM (components from the
	// report's package list, which the scans include with --list-all-pkgs).
	FormatCycloneDX Format = "cyclonedx"
)

// ConvertArgs returns the arguments converting a JSON report (made by one
// of the scans above) to format, writing to output ("" means stdout):
//
//	convert --format sarif|cyclonedx --output <output> … <report>
//
// Conversion needs no database. Options.Severities and Options.IgnoreFile
// filter the findings shown; `trivy convert` has no --ignore-unfixed in
// v0.74.0, so unfixed vulnerabilities stay in the output (the gate decides
// about them).
func ConvertArgs(format Format, report, output string, o Options) []string {
	args := []string{"convert", "--format", string(format)}
	if output != "" {
		args = append(args, "--output", output)
	}
	if len(o.Severities) > 0 {
		args = append(args, "--severity", severityList(o.Severities))
	}
	ignore := o.IgnoreFile
	if ignore == "" {
		ignore = NullFile
	}
	args = append(args, "--ignorefile", ignore)
	args = append(args, globalFlags(o)...)
	return append(args, report)
}

// reportFlags make a complete JSON report and exit 0 whatever it finds: the
// gate is decided in Go.
func reportFlags(output string) []string {
	args := []string{"--format", "json"}
	if output != "" {
		args = append(args, "--output", output)
	}
	return append(args,
		"--severity", allSeverities,
		"--ignorefile", NullFile,
		"--list-all-pkgs",
		"--exit-code", "0",
	)
}

// scanFlags choose where the DB comes from, what to skip, and keep the
// scans quiet and private.
func scanFlags(o Options) []string {
	var args []string
	if len(o.SkipDirs) > 0 {
		args = append(args, "--skip-dirs", strings.Join(o.SkipDirs, ","))
	}
	for _, r := range o.DBRepositories {
		args = append(args, "--db-repository", r)
	}
	if o.Offline {
		args = append(args, "--skip-db-update", "--skip-java-db-update", "--skip-check-update", "--offline-scan")
	}
	// No update check and no usage data: the scans must not phone home
	// (`trivy convert` never does, and rejects these flags).
	return append(args, "--no-progress", "--skip-version-check", "--disable-telemetry")
}

// globalFlags are accepted by every subcommand.
func globalFlags(o Options) []string {
	args := []string{"--config", NullFile}
	if o.CacheDir != "" {
		args = append(args, "--cache-dir", o.CacheDir)
	}
	if o.Timeout > 0 {
		args = append(args, "--timeout", o.Timeout.String())
	}
	return args
}

func severityList(ss []Severity) string {
	names := make([]string, 0, len(ss))
	for _, s := range ss {
		names = append(names, s.String())
	}
	return strings.Join(names, ",")
}

// DownloadDBArgs returns the arguments that only fetch (or refresh) the
// vulnerability DB into CacheDir, from DBRepositories:
//
//	image --download-db-only --db-repository … --cache-dir …
//
// Run it once before concurrent scans, which then use the DB with Offline
// set and never race to download it. Options.Offline is ignored here.
func DownloadDBArgs(o Options) []string {
	args := []string{"image", "--download-db-only"}
	o.Offline = false
	args = append(args, scanFlags(o)...)
	return append(args, globalFlags(o)...)
}

// DownloadJavaDBArgs returns the arguments that only fetch (or refresh) the
// Java index DB into CacheDir, which Trivy needs for images that contain
// Java archives:
//
//	image --download-java-db-only --cache-dir …
func DownloadJavaDBArgs(o Options) []string {
	args := []string{"image", "--download-java-db-only"}
	for _, r := range o.JavaDBRepositories {
		args = append(args, "--java-db-repository", r)
	}
	args = append(args, "--no-progress", "--skip-version-check", "--disable-telemetry")
	return append(args, globalFlags(o)...)
}
