package scan

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExplainRealTrivyStderr(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file        string
		kind        FailureKind
		wantMessage string
		wantAdvice  string
	}{
		{"no-db.txt", FailureNoDB, "--skip-db-update cannot be specified on the first run", "mount an offline DB directory"},
		{"db-download.txt", FailureDBDownload, "connection refused", "set a reachable DB mirror"},
		{"db-schema-old.txt", FailureDBSchema, "Local DB: 1, Expected: 2", "refresh the offline DB"},
		{"db-schema-new.txt", FailureDBSchema, "Local DB: 3, Expected: 2", "schema 2"},
		{"oci-tar.txt", FailureInput, "manifest.json not found in tar", "extract the tar"},
		{"missing-input.txt", FailureInput, "no such file or directory", "existing Docker archive"},
		{"missing-output-dir.txt", FailureOutput, "unable to write results", "could not write its report"},
		{"timeout.txt", FailureTimeout, "context deadline exceeded", "raise the timeout"},
		{"unknown-flag.txt", FailureUsage, "unknown flag: --ignore-unfixed", "rejected its arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			stderr, err := os.ReadFile(filepath.Join("testdata", "stderr", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			err = Explain(1, string(stderr))
			var f *Failure
			if !errors.As(err, &f) {
				t.Fatalf("Explain = %v, want *Failure", err)
			}
			if f.Kind != tt.kind || f.ExitCode != 1 {
				t.Errorf("kind = %s (exit %d), want %s", f.Kind, f.ExitCode, tt.kind)
			}
			if !strings.Contains(f.Message, tt.wantMessage) || strings.Contains(f.Message, "FATAL") || strings.Contains(f.Message, "INFO") {
				t.Errorf("message = %q, want Trivy's fatal error containing %q without log prefixes", f.Message, tt.wantMessage)
			}
			if !strings.Contains(f.Advice, tt.wantAdvice) {
				t.Errorf("advice = %q, want it to contain %q", f.Advice, tt.wantAdvice)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "trivy failed (exit 1, "+string(tt.kind)+"): ") {
				t.Errorf("Error() = %q", msg)
			}
		})
	}
}

func TestExplain(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		code     int
		stderr   string
		wantNil  bool
		kind     FailureKind
		wantText string
	}{
		{name: "success", code: 0, stderr: "2026-01-01T00:00:00Z\tFATAL\tignored", wantNil: true},
		{name: "killed", code: -1, stderr: "", kind: FailureKilled, wantText: "(nothing on stderr)"},
		{name: "unrecognised fatal", code: 1, stderr: "2026-01-01T00:00:00Z\tERROR\t[misconfig] Falling back to embedded checks\n2026-01-01T00:00:00Z\tFATAL\tFatal error\tsomething new\n",
			kind: FailureUnknown, wantText: "something new"},
		{name: "classifies on the fatal line, not earlier errors", code: 1,
			stderr: "2026-01-01T00:00:00Z\tINFO\t[javadb] Java DB is fine\n2026-01-01T00:00:00Z\tFATAL\tFatal error\trun error: cache may be in use by another process: timeout\n",
			kind:   FailureLock, wantText: "in use by another process"},
		{name: "no log format", code: 2, stderr: "panic: runtime error\n\ngoroutine 1 [running]:\nmain.main()\n", kind: FailureUnknown, wantText: "panic: runtime error"},
		{name: "java db", code: 1, stderr: "2026-01-01T00:00:00Z\tFATAL\tFatal error\tJava DB error: '--skip-java-db-update' cannot be specified on the first run\n", kind: FailureJavaDB, wantText: "skip-java-db-update"},
		{name: "timezone offset prefix", code: 1, stderr: "2026-01-01T10:00:00+02:00\tFATAL\tError\tinit error: DB error: --skip-db-update cannot be specified on the first run\n", kind: FailureNoDB, wantText: "init error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := Explain(tt.code, tt.stderr)
			if tt.wantNil {
				if err != nil {
					t.Fatalf("Explain = %v, want nil", err)
				}
				return
			}
			var f *Failure
			if !errors.As(err, &f) {
				t.Fatalf("Explain = %v", err)
			}
			if f.Kind != tt.kind || !strings.Contains(f.Message, tt.wantText) || f.Advice == "" {
				t.Errorf("Failure = %+v, want kind %s and message containing %q", f, tt.kind, tt.wantText)
			}
		})
	}
}

func TestExplainBoundsMessage(t *testing.T) {
	t.Parallel()
	err := Explain(1, "2026-01-01T00:00:00Z\tFATAL\tFatal error\t"+strings.Repeat("x", 10000))
	var f *Failure
	if !errors.As(err, &f) || len([]rune(f.Message)) > maxMessage {
		t.Fatalf("message is %d runes", len([]rune(f.Message)))
	}
}
