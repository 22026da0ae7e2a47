package scan

import (
	"fmt"
	"regexp"
	"strings"
)

// FailureKind classifies why Trivy failed.
type FailureKind string

// The kinds of failure Explain recognises.
const (
	// FailureNoDB: no vulnerability DB in the cache and updates skipped.
	FailureNoDB FailureKind = "no-db"
	// FailureDBDownload: the DB could not be downloaded.
	FailureDBDownload FailureKind = "db-download"
	// FailureDBSchema: the cached DB has a schema this Trivy cannot use.
	FailureDBSchema FailureKind = "db-schema"
	// FailureJavaDB: Java archives need the Java DB, which is missing.
	FailureJavaDB FailureKind = "java-db"
	// FailureLock: another Trivy process holds the cache or DB lock.
	FailureLock FailureKind = "lock"
	// FailureTimeout: the scan ran out of time (--timeout).
	FailureTimeout FailureKind = "timeout"
	// FailureInput: the image tarball or directory could not be read.
	FailureInput FailureKind = "input"
	// FailureUsage: Trivy rejected its arguments.
	FailureUsage FailureKind = "usage"
	// FailureOutput: the report could not be written.
	FailureOutput FailureKind = "output"
	// FailureKilled: Trivy was killed by a signal.
	FailureKilled FailureKind = "killed"
	// FailureUnknown: anything else; Message has Trivy's words.
	FailureUnknown FailureKind = "unknown"
)

// Failure is a failed Trivy run, explained.
type Failure struct {
	// Kind classifies the failure, for callers that branch on it.
	Kind FailureKind
	// ExitCode is Trivy's exit status (-1 when killed by a signal).
	ExitCode int
	// Message is Trivy's fatal error (or the end of its stderr).
	Message string
	// Advice says what to do about it.
	Advice string
}

// Error reads "trivy failed (exit 1, no-db): <advice>: trivy said: <message>".
func (f *Failure) Error() string {
	return fmt.Sprintf("trivy failed (exit %d, %s): %s: trivy said: %s", f.ExitCode, f.Kind, f.Advice, f.Message)
}

// maxMessage bounds Failure.Message.
const maxMessage = 2000

var rules = []struct {
	kind     FailureKind
	patterns []string
	advice   string
}{
	{FailureNoDB, []string{"--skip-db-update cannot be specified on the first run", "The first run cannot skip downloading DB"},
		"no vulnerability database in the cache and updates are skipped (offline): mount an offline DB directory " +
			"as <cache-dir>/db (trivy.db + metadata.json, e.g. from `trivy image --download-db-only --cache-dir <dir>` " +
			"on a connected machine), or allow the download and set a reachable DB mirror (--db-repository)"},
	{FailureDBSchema, []string{"cannot be specified with the old DB schema", "the version of DB schema doesn't match", "Trivy version is old"},
		"the cached vulnerability database has a schema this Trivy cannot use (it needs schema 2): refresh the offline DB " +
			"from a trivy-db:2 repository, or let Trivy download it (drop the offline mode, set a mirror)"},
	{FailureJavaDB, []string{"'--skip-java-db-update' cannot be specified on the first run", "Java DB"},
		"the image contains Java archives and the Java DB is missing: add it to the offline cache (<cache-dir>/java-db) " +
			"or allow its download (--java-db-repository)"},
	{FailureDBDownload, []string{"failed to download vulnerability DB", "OCI artifact error", "failed to download artifact", "DB error"},
		"the vulnerability database could not be downloaded: set a reachable DB mirror (--db-repository, e.g. an internal " +
			"mirror of mirror.gcr.io/aquasec/trivy-db:2; Trivy tries the next one only on temporary registry errors), or run " +
			"offline with a DB directory mounted as <cache-dir>/db"},
	{FailureLock, []string{"in use by another process", "acquire cache or database lock"},
		"another Trivy process holds the cache lock: give concurrent scans the memory cache backend or separate cache dirs"},
	{FailureTimeout, []string{"context deadline exceeded", "Provide a higher timeout value"},
		"the scan timed out: raise the timeout (--timeout)"},
	{FailureOutput, []string{"unable to write results", "failed to create output file"},
		"Trivy could not write its report: the output directory must exist and be writable"},
	{FailureInput, []string{"manifest.json not found in tar"},
		"the tarball holds an OCI image layout without Docker's manifest.json (as a multi-platform export writes): " +
			"export a single platform (Container.AsTarball of one platform includes manifest.json), or extract the tar " +
			"and give the directory to --input"},
	{FailureInput, []string{"unable to initialize archive image", "unable to open", "no such file or directory", "not a directory"},
		"the scan target could not be read: give an existing Docker archive tarball (with manifest.json, as a single-platform " +
			"Container.AsTarball writes) or an OCI layout directory; a tar holding only an OCI layout must be extracted first"},
	{FailureUsage, []string{"unknown flag", "flag error", "invalid argument", "unknown command", "requires at least", "accepts "},
		"Trivy rejected its arguments: check the options (and that the Trivy version is v0.74.0)"},
}

// logPrefix matches the timestamp and level Trivy puts before a log line.
var logPrefix = regexp.MustCompile(`^\d{4}-\d\d-\d\dT[0-9:.]+(Z|[+-]\d\d:?\d\d)\s+(FATAL|ERROR|WARN|INFO|DEBUG)\s+`)

// Explain turns Trivy's exit status and standard error into an error that
// says what went wrong and what to do, as a *Failure; nil when exitCode is
// 0. Pass -1 for a process killed by a signal.
func Explain(exitCode int, stderr string) error {
	if exitCode == 0 {
		return nil
	}
	msg, fatal := fatalMessage(stderr)
	f := &Failure{ExitCode: exitCode, Kind: FailureUnknown, Message: msg}
	if exitCode < 0 {
		f.Kind = FailureKilled
		f.Advice = "Trivy was killed before it finished (out of memory, or the pipeline was cancelled)"
		return f
	}
	// Classify on the fatal message when there is one: other log lines
	// (e.g. "ERROR Falling back to embedded checks") are not the cause.
	text := stderr
	if fatal {
		text = msg
	}
	for _, r := range rules {
		for _, pat := range r.patterns {
			if strings.Contains(text, pat) {
				f.Kind, f.Advice = r.kind, r.advice
				return f
			}
		}
	}
	f.Advice = fmt.Sprintf("Trivy exited with status %d; the scans use --exit-code 0, so this is an error, not findings", exitCode)
	return f
}

// fatalMessage extracts the last FATAL log entry (with its continuation
// lines) from Trivy's stderr, or else the last lines; found reports which.
func fatalMessage(stderr string) (msg string, found bool) {
	lines := strings.Split(strings.ReplaceAll(stderr, "\r\n", "\n"), "\n")
	start := -1
	for i, l := range lines {
		if m := logPrefix.FindStringSubmatch(l); m != nil && m[2] == "FATAL" {
			start = i
		}
	}
	var parts []string
	if start >= 0 {
		first := logPrefix.ReplaceAllString(lines[start], "")
		first = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(first, "Fatal error"), "Error"))
		parts = append(parts, first)
		for _, l := range lines[start+1:] {
			if logPrefix.MatchString(l) {
				break
			}
			if t := strings.TrimSpace(l); t != "" {
				parts = append(parts, t)
			}
		}
	} else {
		for _, l := range lines {
			if t := strings.TrimSpace(l); t != "" {
				parts = append(parts, t)
			}
		}
		if len(parts) > 5 {
			parts = parts[len(parts)-5:]
		}
	}
	s := strings.Join(parts, " ")
	if s == "" {
		s = "(nothing on stderr)"
	}
	if r := []rune(s); len(r) > maxMessage {
		s = string(r[:maxMessage-1]) + "…"
	}
	return s, start >= 0
}
