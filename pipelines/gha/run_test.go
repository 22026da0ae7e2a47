package gha_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stack-ci/stack/pipelines/gha"
	"github.com/stack-ci/stack/pipelines/report"
	"github.com/stack-ci/stack/pipelines/report/reporttest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// runner is one run of the command against temp files standing in for the
// runner's.
type runner struct {
	env            map[string]string
	output, summry string
	stdout, stderr bytes.Buffer
	code           int
}

// inActions sets up GITHUB_ACTIONS, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY
// as a runner does (the files exist, empty).
func inActions(t *testing.T) *runner {
	t.Helper()
	dir := t.TempDir()
	r := &runner{output: filepath.Join(dir, "output"), summry: filepath.Join(dir, "summary")}
	for _, f := range []string{r.output, r.summry} {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r.env = map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": r.output, "GITHUB_STEP_SUMMARY": r.summry}
	return r
}

func (r *runner) run(args ...string) *runner {
	r.code = gha.Run(args, &r.stdout, &r.stderr, func(k string) string { return r.env[k] })
	return r
}

func (r *runner) file(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// reportFile writes rep as report.json in a temp dir.
func reportFile(t *testing.T, rep *report.Report) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "report.json")
	var b bytes.Buffer
	if err := rep.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func markdown(t *testing.T, rep *report.Report) string {
	t.Helper()
	var b strings.Builder
	if err := rep.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// heredoc is one output as go-githubactions writes it to GITHUB_OUTPUT.
func heredoc(name, value string) string {
	const d = "_GitHubActionsFileCommandDelimeter_"
	return name + "<<" + d + "\n" + value + "\n" + d + "\n"
}

func TestRunPassingReport(t *testing.T) {
	t.Parallel()
	rep := reporttest.Passing()
	r := inActions(t).run("--report", reportFile(t, rep))
	if r.code != gha.ExitPassed {
		t.Fatalf("exit %d, want 0; stderr: %s", r.code, r.stderr.String())
	}
	fe := "ghcr.io/acme/hivemind-frontend:"
	be := "ghcr.io/acme/hivemind-backend:"
	feRefs := []string{fe + "1.4.0@" + reporttest.FrontendDigest, fe + "1.4@" + reporttest.FrontendDigest, fe + "1@" + reporttest.FrontendDigest,
		fe + "sha-860c190@" + reporttest.FrontendDigest, fe + "latest@" + reporttest.FrontendDigest}
	beRefs := []string{be + "1.4.0@" + reporttest.BackendDigest, be + "1.4@" + reporttest.BackendDigest, be + "1@" + reporttest.BackendDigest,
		be + "sha-860c190@" + reporttest.BackendDigest, be + "latest@" + reporttest.BackendDigest}
	want := heredoc("passed", "true") +
		heredoc("summary", "hivemind passed: 6 passed in 3m12s") +
		heredoc("failed-stages", "") +
		heredoc("blocking-findings", "0") +
		heredoc("images", "backend\nfrontend") +
		heredoc("tags", "1.4.0\n1.4\n1\nsha-860c190\nlatest") +
		heredoc("refs", strings.Join(append(append([]string{}, beRefs...), feRefs...), "\n")) +
		heredoc("backend-digest", reporttest.BackendDigest) +
		heredoc("backend-ref", beRefs[0]) +
		heredoc("backend-refs", strings.Join(beRefs, "\n")) +
		heredoc("frontend-digest", reporttest.FrontendDigest) +
		heredoc("frontend-ref", feRefs[0]) +
		heredoc("frontend-refs", strings.Join(feRefs, "\n"))
	if got := r.file(t, r.output); got != want {
		t.Errorf("GITHUB_OUTPUT:\n%s\nwant:\n%s", got, want)
	}
	if got, want := r.file(t, r.summry), markdown(t, rep)+"\n"; got != want {
		t.Errorf("GITHUB_STEP_SUMMARY:\n%s\nwant the report's Markdown:\n%s", got, want)
	}
	out := r.stdout.String()
	if strings.Contains(out, "::error") || strings.Contains(out, "::warning") || strings.Contains(out, "::add-mask") {
		t.Errorf("a passing, clean report printed errors, warnings or masks:\n%s", out)
	}
	if !strings.HasPrefix(out, "PASSED  hivemind passed: 6 passed in 3m12s\n::group::Stages\n::stop-commands::") {
		t.Errorf("stdout starts %q", firstLines(out, 3))
	}
	if r.stderr.Len() > 0 {
		t.Errorf("stderr: %s", r.stderr.String())
	}
}

func TestRunFailingReport(t *testing.T) {
	t.Parallel()
	rep := reporttest.GatesFailed()
	r := inActions(t).run("--report", reportFile(t, rep), "--mask", "Xj3kQ9zR2b")
	if r.code != gha.ExitFailed {
		t.Fatalf("exit %d, want 1; stderr: %s", r.code, r.stderr.String())
	}
	out := normalizeToken(t, r.stdout.String())
	golden(t, filepath.Join("testdata", "gates-failed.actions.txt"), out)

	// Masks come first, before anything could print the values.
	if !strings.HasPrefix(out, "::add-mask::"+reporttest.DatabasePassword+"\n::add-mask::Xj3kQ9zR2b\nFAILED  ") {
		t.Errorf("stdout does not start with the masks:\n%s", firstLines(out, 3))
	}
	for _, want := range []string{
		"::error title=backend is over its size budget::backend: 232.04 MB is over its budget of 200 MB (uncompressed) by 32.04 MB (16.0%25)\n",
		"::error title=backend breaks policy no-secrets::1 secret-looking value: env DATABASE_URL: value looks like a URL with a password (42 characters, redacted); pass secrets at run time (a mounted secret, a *_FILE variable), never in the image%0A- env DATABASE_URL: value looks like a URL with a password (42 characters, redacted)\n",
		"::error title=smoke check api-health failed::GET /api/health: HTTP 503, want 200: map[database:error: connect ECONNREFUSED (postgres://app:***@postgres:5432/app) redis:ok status:degraded]\n",
		"::error title=smoke check websocket-echo failed::echo ack: no acknowledgement within 5s%0Alast frame: 42[\"error\",\"<unauthorized>\"]\n",
		"::error title=CRITICAL CVE-2099-32003 in libcrypto3 (backend image)::libcrypto3 3.3.2-r4: openssl: buffer overflow in X.509 name | email checks%0AFixed in 3.3.3-r0: upgrade it (or the base image that ships it).%0Ahttps://avd.aquasec.com/nvd/cve-2099-32003\n",
		"::error title=HIGH CVE-2099-33003 in ws (backend image)::ws 8.17.0: ws: denial of service with many HTTP headers%0ANo fixed version yet: remove the package, or accept it in .trivyignore with a reason and a date.%0Ahttps://avd.aquasec.com/nvd/cve-2099-33003\n",
		"::warning title=expired ignore entry CVE-2099-33002::.trivyignore:1 expired on 2026-02-28 (fixed in express 4.21.2; upgrade in #118): it no longer ignores CVE-2099-33002. Fix the finding, or give the entry a new date with a reason.\n",
		"::notice title=frontend policy healthcheck waived::probed by the load balancer",
		"::group::Smoke tests\n::stop-commands::TOKEN\n",
		"::TOKEN::\n::endgroup::\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q", want)
		}
	}
	if n := strings.Count(out, "::group::"); n != 7 || n != strings.Count(out, "::endgroup::") {
		t.Errorf("%d groups opened, %d closed; want 7 (Stages, Images, Vulnerabilities, Size budgets, Image policy, Smoke tests, Notes)", n, strings.Count(out, "::endgroup::"))
	}
	if n := strings.Count(out, "::error "); n != 8 {
		t.Errorf("%d error annotations, want 8 (budget, policy, 2 smoke checks, 4 findings)", n)
	}

	// The secret and the masked value appear nowhere but in ::add-mask::.
	summary, outputs := r.file(t, r.summry), r.file(t, r.output)
	for _, secret := range []string{reporttest.DatabasePassword, "Xj3kQ9zR2b"} {
		if strings.Count(out, secret) != 1 || strings.Contains(summary, secret) || strings.Contains(outputs, secret) {
			t.Errorf("%q leaks: %d times on stdout (want 1, the mask), summary %v, outputs %v",
				secret, strings.Count(out, secret), strings.Contains(summary, secret), strings.Contains(outputs, secret))
		}
	}
	if want := markdown(t, rep.Redact(reporttest.DatabasePassword, "Xj3kQ9zR2b")) + "\n"; summary != want {
		t.Errorf("GITHUB_STEP_SUMMARY is not the redacted report's Markdown:\n%s", summary)
	}
	for _, want := range []string{
		heredoc("passed", "false"),
		heredoc("failed-stages", "scan\nbudget\npolicy\nsmoke\npublish"),
		heredoc("blocking-findings", "4"),
		heredoc("tags", ""),
		heredoc("frontend-digest", reporttest.FrontendDigest),
		heredoc("frontend-ref", ""),
	} {
		if !strings.Contains(outputs, want) {
			t.Errorf("GITHUB_OUTPUT lacks %q:\n%s", want, outputs)
		}
	}
}

func TestRunBuildFailed(t *testing.T) {
	t.Parallel()
	r := inActions(t).run("--report", reportFile(t, reporttest.BuildFailed()), "--fail=false")
	if r.code != gha.ExitPassed {
		t.Fatalf("exit %d with --fail=false, want 0; stderr: %s", r.code, r.stderr.String())
	}
	out := r.stdout.String()
	for _, want := range []string{
		"::error title=backend did not build::process \"npm ci --omit=dev\" did not complete successfully: exit code: 1%0Anpm ERR! code ERESOLVE%0A",
		"::error title=scan could not run::trivy failed (exit 1, db-download): ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q", want)
		}
	}
	if got := r.file(t, r.output); !strings.Contains(got, heredoc("failed-stages", "build\nscan\nbudget\npolicy\nsmoke")) ||
		!strings.Contains(got, heredoc("backend-digest", "")) {
		t.Errorf("GITHUB_OUTPUT:\n%s", got)
	}
}

func TestRunOutsideActions(t *testing.T) {
	t.Parallel()
	r := &runner{env: map[string]string{}}
	r.run("--report", reportFile(t, reporttest.GatesFailed()), "--mask", "Xj3kQ9zR2b")
	if r.code != gha.ExitFailed {
		t.Fatalf("exit %d, want 1; stderr: %s", r.code, r.stderr.String())
	}
	out := r.stdout.String()
	golden(t, filepath.Join("testdata", "gates-failed.terminal.txt"), out)
	if regexp.MustCompile(`(?m)^::`).MatchString(out) {
		t.Error("workflow commands printed outside GitHub Actions")
	}
	for _, want := range []string{
		"\n== Stages ==\nSTAGE    STATUS    TIME  SUMMARY\n",
		"\nerror: backend is over its size budget: backend: 232.04 MB is over its budget",
		"\nGITHUB_OUTPUT is not set; the step outputs would be:\npassed=false\nsummary=hivemind failed",
		"\nfailed-stages<<EOF\nscan\nbudget\npolicy\nsmoke\npublish\nEOF\n",
		"\nGITHUB_STEP_SUMMARY is not set; the job summary would be:\n\n## ❌ hivemind failed",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q", want)
		}
	}
	for _, secret := range []string{reporttest.DatabasePassword, "Xj3kQ9zR2b"} {
		if strings.Contains(out, secret) {
			t.Errorf("%q printed outside GitHub Actions", secret)
		}
	}
}

func TestRunMaskEnv(t *testing.T) {
	t.Parallel()
	r := inActions(t)
	r.env["SESSION"] = "Xj3kQ9zR2b"
	r.run("--report", reportFile(t, reporttest.Passing()), "--mask-env", "SESSION", "--mask-env", "UNSET", "--mask", "")
	if r.code != gha.ExitPassed {
		t.Fatalf("exit %d; stderr: %s", r.code, r.stderr.String())
	}
	out := r.stdout.String()
	if !strings.HasPrefix(out, "::add-mask::Xj3kQ9zR2b\n") || strings.Count(out, "::add-mask::") != 1 || strings.Count(out, "Xj3kQ9zR2b") != 1 {
		t.Errorf("--mask-env SESSION: stdout starts %q", firstLines(out, 2))
	}
	if !strings.Contains(out, "echo acknowledged in 3.418ms") || !strings.Contains(out, "websocket session ***, echo") {
		t.Error("the masked value was not replaced in the logs")
	}
	if !strings.Contains(r.stderr.String(), "--mask-env UNSET: the variable is not set or empty") {
		t.Errorf("stderr: %q", r.stderr.String())
	}
}

func TestRunErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	trivy := filepath.Join(dir, "trivy.json")
	if err := os.WriteFile(trivy, []byte(`{"SchemaVersion": 2, "ArtifactName": "backend.tar"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	good := reportFile(t, reporttest.Passing())
	tests := []struct {
		name       string
		args       []string
		env        map[string]string
		wantCode   int
		wantStderr string
		wantStdout string
	}{
		{"no report flag", nil, nil, gha.ExitUsage, "stack-gha: --report is required", ""},
		{"stray argument", []string{"--report", good, "extra"}, nil, gha.ExitUsage, `unexpected argument "extra"`, ""},
		{"unknown flag", []string{"--reprot", good}, nil, gha.ExitUsage, "flag provided but not defined: -reprot", ""},
		{"help", []string{"-h"}, nil, gha.ExitPassed, "usage: stack-gha --report PATH", ""},
		{"missing file", []string{"--report", filepath.Join(dir, "out", "report.json")}, nil, gha.ExitUsage,
			"no such file or directory (the check step exports it: did it run, and export to this path?)", ""},
		{"missing file in Actions", []string{"--report", filepath.Join(dir, "nope.json")}, map[string]string{"GITHUB_ACTIONS": "true"}, gha.ExitUsage,
			"nope.json", "::error title=stack-gha::reading report: open "},
		{"not a report", []string{"--report", trivy}, nil, gha.ExitUsage,
			`trivy.json": no schema_version or stages field: not a pipeline report`, ""},
		{"GITHUB_OUTPUT unwritable", []string{"--report", good}, map[string]string{"GITHUB_OUTPUT": dir}, gha.ExitUsage,
			"setting step outputs: GITHUB_OUTPUT: open " + dir + ": is a directory", ""},
		{"GITHUB_STEP_SUMMARY unwritable", []string{"--report", good}, map[string]string{"GITHUB_STEP_SUMMARY": filepath.Join(dir, "no", "such", "dir")}, gha.ExitUsage,
			"writing the job summary: GITHUB_STEP_SUMMARY: open ", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := &runner{env: tt.env}
			r.run(tt.args...)
			if r.code != tt.wantCode {
				t.Errorf("exit %d, want %d", r.code, tt.wantCode)
			}
			if !strings.Contains(r.stderr.String(), tt.wantStderr) {
				t.Errorf("stderr %q lacks %q", r.stderr.String(), tt.wantStderr)
			}
			if !strings.Contains(r.stdout.String(), tt.wantStdout) {
				t.Errorf("stdout %q lacks %q", r.stdout.String(), tt.wantStdout)
			}
		})
	}
}

// normalizeToken replaces the random ::stop-commands:: token with TOKEN.
func normalizeToken(t *testing.T, out string) string {
	t.Helper()
	m := regexp.MustCompile(`::stop-commands::([0-9a-f]{32})\n`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no ::stop-commands:: with a 32-hex-digit token in:\n%s", out)
	}
	if strings.Count(out, "::stop-commands::"+m[1]) != strings.Count(out, "::"+m[1]+"::") {
		t.Errorf("stop-commands and resume lines do not pair up")
	}
	return strings.ReplaceAll(out, m[1], "TOKEN")
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := range max(len(gl), len(wl)) {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("%s differs at line %d (run with -update and review the diff):\nwant %q\n got %q", path, i+1, w, g)
			}
		}
	}
}

func firstLines(s string, n int) string {
	return strings.Join(strings.SplitN(s, "\n", n+1)[:min(n, strings.Count(s, "\n")+1)], "\n")
}
