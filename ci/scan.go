package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"dagger/stack/internal/dagger"

	"golang.org/x/sync/errgroup"

	"github.com/stack-ci/stack/pipelines/report"
	"github.com/stack-ci/stack/pipelines/scan"
)

// trivyCache is Trivy's cache directory in its container; the DB is in db/.
const trivyCache = "/root/.cache/trivy"

// ScanResult is the outcome of the Trivy gate.
type ScanResult struct {
	// Whether no finding at or above the threshold is left.
	Passed bool
	// The gate's findings as Markdown: counts by severity per artifact and
	// the blocking findings.
	Summary string
	// The reports: Trivy's JSON per artifact, SARIF for code scanning and a
	// CycloneDX SBOM per image.
	Reports *dagger.Directory
	// The gate's verdict as JSON.
	Verdict string
}

// Check returns the summary, or an error with it when the gate failed.
func (r *ScanResult) Check() (string, error) {
	return gateOutcome(r.Passed, "scan gate failed", r.Summary)
}

// Scan builds both images and scans them with Trivy, by their exact content
// (the image tarballs), for vulnerabilities and secrets, and the source for
// secrets and misconfigurations (Dockerfiles and other config). The gate
// fails on findings at or above --severity that .trivyignore does not accept.
//
// Never cached: the vulnerability DB moves on (the scans themselves are
// cached per image and DB version).
// +cache="never"
func (m *Stack) Scan(ctx context.Context) (*ScanResult, error) {
	a, imgs, err := m.loadAndBuild(ctx)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	verdict, files, err := m.scan(ctx, a, imgs)
	if err != nil {
		return nil, err
	}
	gate, err := jsonString(report.FromVerdict(verdict))
	if err != nil {
		return nil, err
	}
	summary, err := stageSummary(report.StageScan, start, func(b *report.Builder) { b.AddScan(verdict, time.Since(start)) })
	if err != nil {
		return nil, err
	}
	return &ScanResult{Passed: verdict.Passed, Summary: summary, Reports: files, Verdict: gate}, nil
}

// scanOptions are the Trivy options of the scans, which run offline: the DB
// is fetched once beforehand (trivy), or given (--trivy-db).
func (m *Stack) scanOptions() (scan.Options, error) {
	timeout, err := time.ParseDuration(m.ScanTimeout)
	if err != nil || timeout <= 0 {
		return scan.Options{}, fmt.Errorf("--scan-timeout %q: want a positive duration such as 10m", m.ScanTimeout)
	}
	return scan.Options{CacheDir: trivyCache, DBRepositories: m.TrivyDbRepository, Offline: true, Timeout: timeout}, nil
}

// trivy returns a container ready to scan offline: with the DB given by
// --trivy-db, or with the DB cache volume after a refresh. The refresh runs
// on every call and downloads only when Trivy finds the DB stale; the scans
// are keyed on the DB's build time, so they re-run only for a new DB.
func (m *Stack) trivy(ctx context.Context, opts scan.Options) (*dagger.Container, error) {
	base := dag.Container().From(m.TrivyImage).WithEnvVariable("TRIVY_NO_PROGRESS", "true")
	if m.TrivyDb != nil {
		return base.WithDirectory(trivyCache, m.TrivyDb), nil
	}
	base = base.WithMountedCache(trivyCache, dag.CacheVolume("stack-trivy"))
	refresh := base.
		WithEnvVariable("STACK_TRIVY_REFRESH", time.Now().UTC().Format(time.RFC3339Nano)).
		WithExec(append([]string{"trivy"}, scan.DownloadDBArgs(opts)...), dagger.ContainerWithExecOpts{Expect: dagger.ReturnTypeAny})
	if err := trivyOK(ctx, refresh, "downloading the vulnerability DB"); err != nil {
		return nil, err
	}
	version, err := refresh.WithExec(append([]string{"trivy"}, scan.VersionArgs(opts)...)).Stdout(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the vulnerability DB's version: %v", err)
	}
	info, err := scan.ParseDBInfo([]byte(version))
	if err != nil {
		return nil, fmt.Errorf("after downloading the vulnerability DB: %v", err)
	}
	return base.WithEnvVariable("STACK_TRIVY_DB", info.UpdatedAt.UTC().Format(time.RFC3339)), nil
}

// javaDB returns a function that downloads Trivy's Java index DB into the
// cache volume, once, for images that contain Java archives, and returns the
// Trivy container to scan them with.
func (m *Stack) javaDB(trivy *dagger.Container, opts scan.Options) func(context.Context) (*dagger.Container, error) {
	var once sync.Once
	var withJava *dagger.Container
	var err error
	return func(ctx context.Context) (*dagger.Container, error) {
		once.Do(func() {
			dl := trivy.
				WithEnvVariable("STACK_TRIVY_REFRESH", time.Now().UTC().Format(time.RFC3339Nano)).
				WithExec(append([]string{"trivy"}, scan.DownloadJavaDBArgs(opts)...), dagger.ContainerWithExecOpts{Expect: dagger.ReturnTypeAny})
			if err = trivyOK(ctx, dl, "downloading the Java index DB"); err == nil {
				withJava = trivy.WithEnvVariable("STACK_TRIVY_JAVA_DB", "1")
			}
		})
		return withJava, err
	}
}

// trivyOK explains a failed Trivy run.
func trivyOK(ctx context.Context, ran *dagger.Container, what string) error {
	code, err := ran.ExitCode(ctx)
	if err != nil {
		return fmt.Errorf("%s: %v", what, err)
	}
	if code == 0 {
		return nil
	}
	stderr, err := ran.Stderr(ctx)
	if err != nil {
		return fmt.Errorf("%s: trivy exited with %d", what, code)
	}
	return fmt.Errorf("%s: %w", what, scan.Explain(code, stderr)) // %w: callers branch on *scan.Failure
}

// scanTarget is one thing the gate scans.
type scanTarget struct {
	name  string
	mount func(*dagger.Container) *dagger.Container
	args  []string
}

// scan runs the three scans concurrently, decides the gate in Go, and
// returns the verdict with the reports: Trivy's JSON per artifact, and
// SARIF and a CycloneDX SBOM per image.
func (m *Stack) scan(ctx context.Context, a *app, imgs *Images) (scan.Verdict, *dagger.Directory, error) {
	fail := func(err error) (scan.Verdict, *dagger.Directory, error) { return scan.Verdict{}, nil, err }
	opts, err := m.scanOptions()
	if err != nil {
		return fail(err)
	}
	ignore, ignoreFile, err := m.trivyIgnore(ctx, a.Config.Scan.IgnoreFile)
	if err != nil {
		return fail(err)
	}
	policy := a.Config.Scan.Policy()
	policy.Ignore = ignore
	trivy, err := m.trivy(ctx, opts)
	if err != nil {
		return fail(err)
	}
	trivy = trivy.WithDirectory("/out", dag.Directory())
	var targets []scanTarget
	for k, name := range imgs.Names {
		in, out := "/in/"+name+".tar", "/out/"+name+".json"
		tarball := imgs.Containers[k].AsTarball()
		targets = append(targets, scanTarget{name, func(c *dagger.Container) *dagger.Container {
			return c.WithMountedFile(in, tarball)
		}, scan.ImageArgs(in, out, opts)})
	}
	targets = append(targets, scanTarget{sourceArtifact, func(c *dagger.Container) *dagger.Container {
		return c.WithMountedDirectory("/src", m.Source)
	}, scan.FSArgs("/src", "/out/"+sourceArtifact+".json", opts)})
	reports := make([]*scan.Report, len(targets))
	files := make([]*dagger.File, len(targets))
	javaDB := m.javaDB(trivy, opts)
	g, gctx := errgroup.WithContext(ctx)
	for i, t := range targets {
		g.Go(func() error {
			run := func(c *dagger.Container) *dagger.Container {
				return t.mount(c).WithExec(append([]string{"trivy"}, t.args...), dagger.ContainerWithExecOpts{Expect: dagger.ReturnTypeAny})
			}
			ran := run(trivy)
			err := trivyOK(gctx, ran, "scanning "+t.name)
			var f *scan.Failure
			if errors.As(err, &f) && f.Kind == scan.FailureJavaDB && m.TrivyDb == nil {
				// The image holds Java archives: fetch the Java DB once, then scan again.
				withJava, jerr := javaDB(gctx)
				if jerr != nil {
					return jerr
				}
				ran = run(withJava)
				err = trivyOK(gctx, ran, "scanning "+t.name)
			}
			if err != nil {
				return err
			}
			files[i] = ran.File("/out/" + t.name + ".json")
			raw, err := files[i].Contents(gctx)
			if err != nil {
				return fmt.Errorf("reading the %s scan report: %v", t.name, err)
			}
			r, err := scan.ParseReport([]byte(raw))
			if err != nil {
				return fmt.Errorf("the %s scan report: %v", t.name, err)
			}
			r.Name = t.name
			reports[i] = r
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return fail(err)
	}
	verdict, err := scan.Evaluate(policy, reports...)
	if err != nil {
		return fail(fmt.Errorf("deciding the scan gate: %v", err))
	}
	out := dag.Directory()
	conv := dag.Container().From(m.TrivyImage).WithDirectory("/out", dag.Directory())
	convOpts := scan.Options{}
	if ignoreFile != nil {
		conv = conv.WithMountedFile("/in/.trivyignore", ignoreFile)
		convOpts.IgnoreFile = "/in/.trivyignore"
	}
	for i, t := range targets {
		out = out.WithFile(t.name+".json", files[i])
		if t.name == sourceArtifact {
			continue
		}
		c := conv.WithMountedFile("/in/report.json", files[i]).
			WithExec(append([]string{"trivy"}, scan.ConvertArgs(scan.FormatSARIF, "/in/report.json", "/out/report.sarif", convOpts)...)).
			WithExec(append([]string{"trivy"}, scan.ConvertArgs(scan.FormatCycloneDX, "/in/report.json", "/out/sbom.cdx.json", convOpts)...))
		out = out.WithFile(t.name+".sarif", c.File("/out/report.sarif")).
			WithFile(t.name+".cdx.json", c.File("/out/sbom.cdx.json"))
	}
	return verdict, out, nil
}

// sourceArtifact names the scan of the source in the report.
const sourceArtifact = "source"

// trivyIgnore reads the source's ignore file (stack.yaml's scan.ignore_file,
// default .trivyignore), if it has one.
func (m *Stack) trivyIgnore(ctx context.Context, name string) (scan.IgnoreList, *dagger.File, error) {
	if name == "" {
		name = ".trivyignore"
	}
	ok, err := m.Source.Exists(ctx, name)
	if err != nil {
		return nil, nil, fmt.Errorf("looking for %s: %v", name, err)
	}
	if !ok {
		return nil, nil, nil
	}
	f := m.Source.File(name)
	text, err := f.Contents(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("reading %s: %v", name, err)
	}
	list, err := scan.ParseIgnore(strings.NewReader(text), name)
	if err != nil {
		return nil, nil, err
	}
	return list, f, nil
}
