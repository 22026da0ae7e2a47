// Package reporttest builds realistic pipeline reports for tests: the
// results are made by the real scan, budget, policy and tags code from
// fixed inputs (Trivy reports, image configs, layer measurements, a git
// context), and the clock is fixed, so the reports are the same on every run.
package reporttest

import (
	"errors"
	"fmt"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/stack-ci/stack/pipelines/budget"
	"github.com/stack-ci/stack/pipelines/policy"
	"github.com/stack-ci/stack/pipelines/report"
	"github.com/stack-ci/stack/pipelines/scan"
	"github.com/stack-ci/stack/pipelines/smoke"
	"github.com/stack-ci/stack/pipelines/tags"
)

// Start is when every fixture run starts.
var Start = time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)

// Revision is the commit every fixture builds.
const Revision = "860c1904a1ce19322e91d8b2fd1f2a2d8a3e0f4b"

// The images' digests.
const (
	FrontendDigest = "sha256:3f1b2c9e8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c"
	BackendDigest  = "sha256:9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b"
)

// DatabasePassword is the password of the database URL that the failing
// smoke check of GatesFailed prints: a secret-looking value for masking
// tests.
const DatabasePassword = "s3cr3t-pa55word"

// clock returns start on its first call and start+run after.
func clock(run time.Duration) report.Option {
	calls := 0
	return report.WithClock(func() time.Time {
		calls++
		if calls == 1 {
			return Start
		}
		return Start.Add(run)
	})
}

func source(ref string) report.Source {
	return report.Source{App: "hivemind", Revision: Revision, Ref: ref}
}

// Passing is a release run (tag v1.4.0) where every stage passed and both
// images were pushed with their tags.
func Passing() *report.Report {
	b := report.New(source("refs/tags/v1.4.0"), clock(3*time.Minute+12*time.Second), report.WithToolVersion("stack v0.4.0"))
	b.AddBuild(builtImages(), 91412*time.Millisecond)
	b.AddScan(verdict(false), 41200*time.Millisecond)
	m := measurements(false)
	b.AddBudget(budget.Evaluate(budget.DefaultBudgets(budget.Uncompressed), m), m, 3812*time.Millisecond)
	b.AddPolicy(policies(false), 12*time.Millisecond)
	b.AddSmoke(smokeResults(false), 18437*time.Millisecond)
	t := computeTags(tags.Context{EventName: "push", Ref: "refs/tags/v1.4.0", SHA: Revision, DefaultBranch: "main", Repo: repo()})
	var pushed []report.Pushed
	for _, im := range []struct{ name, digest string }{{"frontend", FrontendDigest}, {"backend", BackendDigest}} {
		refs, err := t.References("ghcr.io/acme/hivemind-" + im.name)
		if err != nil {
			panic(fmt.Sprintf("reporttest: %v", err))
		}
		for i := range refs {
			refs[i] += "@" + im.digest
		}
		pushed = append(pushed, report.Pushed{Image: im.name, Digest: im.digest, Refs: refs})
	}
	b.AddPublish(t, pushed, 9204*time.Millisecond)
	for _, n := range t.Notes {
		b.Note(n)
	}
	return b.Report()
}

// BuildFailed is a push to main where the backend did not build (npm could
// not resolve its dependencies), the scan could not get Trivy's database,
// the other gates were blocked by the build and publish was not asked for.
func BuildFailed() *report.Report {
	b := report.New(source("refs/heads/main"), clock(2*time.Minute+5*time.Second), report.WithToolVersion("stack v0.4.0"))
	images := builtImages()
	images[1] = report.Image{Name: "backend", Error: strings.Join([]string{
		"process \"npm ci --omit=dev\" did not complete successfully: exit code: 1",
		"npm ERR! code ERESOLVE",
		"npm ERR! ERESOLVE could not resolve",
		"npm ERR!",
		"npm ERR! While resolving: hivemind@1.4.0",
		"npm ERR! Found: socket.io@4.8.1",
		"npm ERR! node_modules/socket.io",
		"npm ERR!   socket.io@\"^4.8.1\" from the root project",
		"npm ERR!",
		"npm ERR! Could not resolve dependency:",
		"npm ERR! peer socket.io@\"^3 || ^2\" from socket.io-redis@6.1.1",
		"npm ERR! Fix the upstream dependency conflict, or retry with --legacy-peer-deps | --force",
		"npm ERR! ```see /root/.npm/_logs/2026-03-14T09_27_41_112Z-eresolve-report.txt```",
	}, "\n")}
	b.AddBuild(images, 48211*time.Millisecond)
	b.AddError(report.StageScan, scan.Explain(1, "2026-03-14T09:28:02Z\tFATAL\tFatal error\trun error: init error: DB error: failed to download vulnerability DB: OCI artifact error: failed to download vulnerability DB: failed to download artifact from mirror.gcr.io/aquasec/trivy-db:2: GET https://mirror.gcr.io/v2/aquasec/trivy-db/manifests/2: TOOMANYREQUESTS: rate limit exceeded\n"), 6105*time.Millisecond)
	b.Block(report.StageBudget, report.StageBuild)
	b.Block(report.StagePolicy, report.StageBuild)
	b.Block(report.StageSmoke, report.StageBuild)
	b.Skip(report.StagePublish, "check does not publish")
	return b.Report()
}

// GatesFailed is a pull request run where both images were built but every
// gate failed: blocking vulnerabilities and a secret (one of them accepted
// by an ignore entry that has expired), a backend over its budget (its
// devDependencies shipped), a database URL left in the backend's
// environment, and two smoke checks; publish was blocked.
func GatesFailed() *report.Report {
	b := report.New(source("refs/pull/42/merge"), clock(2*time.Minute+47*time.Second), report.WithToolVersion("stack v0.4.0"))
	b.AddBuild(builtImages(), 88730*time.Millisecond)
	b.AddScan(verdict(true), 39015*time.Millisecond)
	m := measurements(true)
	b.AddBudget(budget.Evaluate(budget.DefaultBudgets(budget.Uncompressed), m), m, 4420*time.Millisecond)
	b.AddPolicy(policies(true), 9*time.Millisecond)
	b.AddSmoke(smokeResults(true), 24102*time.Millisecond)
	b.Block(report.StagePublish, report.StageScan, report.StageBudget, report.StagePolicy, report.StageSmoke)
	t := computeTags(tags.Context{EventName: "pull_request", Ref: "refs/pull/42/merge", SHA: Revision, PRHeadSHA: "1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e", DefaultBranch: "main", Repo: repo()})
	for _, n := range t.Notes {
		b.Note(n)
	}
	b.Note("publish would have pushed: " + strings.Join(t.Names(), ", "))
	return b.Report()
}

// Tiny is a small passing report with two stages, for examples.
func Tiny() *report.Report {
	b := report.New(report.Source{App: "demo", Revision: Revision, Ref: "refs/heads/main"},
		clock(95*time.Second), report.WithStages(report.StageBuild, report.StageSmoke))
	b.AddBuild([]report.Image{{Name: "web", Digest: FrontendDigest, Platform: "linux/amd64"}}, 81*time.Second)
	b.AddSmoke(smoke.Results{
		{Name: "spa-index", Passed: true, Duration: 41 * time.Millisecond, Detail: "GET / 200, 1204 bytes of HTML"},
		{Name: "api-health", Passed: true, Duration: 12 * time.Millisecond, Detail: "GET /api/health 200, status ok"},
	}, 9*time.Second)
	return b.Report()
}

func repo() tags.Repo {
	return tags.Repo{Name: "hivemind", Description: "Collaborative notes", URL: "https://github.com/acme/hivemind", License: "MIT"}
}

func computeTags(gc tags.Context) tags.Result {
	t, err := tags.Compute(gc, tags.Config{}, Start)
	if err != nil {
		panic(fmt.Sprintf("reporttest: computing tags: %v", err))
	}
	return t
}

func builtImages() []report.Image {
	return []report.Image{
		{Name: "frontend", Digest: FrontendDigest, Platform: "linux/amd64"},
		{Name: "backend", Digest: BackendDigest, Platform: "linux/amd64"},
	}
}

func vuln(id, pkg, installed, fixed string, sev scan.Severity, title string) scan.Vulnerability {
	v := scan.Vulnerability{VulnerabilityID: id, PkgName: pkg, InstalledVersion: installed, FixedVersion: fixed,
		Status: "affected", Severity: sev, Title: title, PrimaryURL: "https://avd.aquasec.com/nvd/" + strings.ToLower(id)}
	if fixed != "" {
		v.Status = "fixed"
	}
	return v
}

// verdict runs the Trivy gate on made-up reports of both images and the
// source; failing adds the findings that block.
func verdict(failing bool) scan.Verdict {
	frontend := &scan.Report{SchemaVersion: scan.SchemaVersion, ArtifactName: "/work/frontend.tar", ArtifactType: "container_image", Name: "frontend image",
		Results: []scan.Result{{Target: "frontend.tar (alpine 3.21.3)", Class: "os-pkgs", Type: "alpine", Vulnerabilities: []scan.Vulnerability{
			vuln("CVE-2099-31001", "libexpat", "2.6.4-r0", "2.7.0-r0", scan.SeverityMedium, "expat: stack overflow in XML_ResumeParser"),
			vuln("CVE-2099-31002", "busybox", "1.37.0-r12", "", scan.SeverityLow, "busybox: use-after-free in awk"),
			vuln("CVE-2099-31003", "busybox-binsh", "1.37.0-r12", "", scan.SeverityLow, "busybox: use-after-free in awk"),
		}}}}
	backend := &scan.Report{SchemaVersion: scan.SchemaVersion, ArtifactName: "/work/backend.tar", ArtifactType: "container_image", Name: "backend image",
		Results: []scan.Result{
			{Target: "backend.tar (alpine 3.21.3)", Class: "os-pkgs", Type: "alpine", Vulnerabilities: []scan.Vulnerability{
				vuln("CVE-2099-32001", "libcrypto3", "3.3.2-r4", "3.3.3-r0", scan.SeverityMedium, "openssl: timing side channel in ECDSA signatures"),
				vuln("CVE-2099-32002", "libssl3", "3.3.2-r4", "3.3.3-r0", scan.SeverityMedium, "openssl: timing side channel in ECDSA signatures"),
			}},
			{Target: "Node.js", Class: "lang-pkgs", Type: "node-pkg", Vulnerabilities: []scan.Vulnerability{
				vuln("CVE-2099-33001", "cookie", "0.6.0", "0.7.0", scan.SeverityLow, "cookie: accepts cookie name, path and domain with out of bounds characters"),
				vuln("CVE-2099-33002", "path-to-regexp", "0.1.10", "0.1.12", scan.SeverityHigh, "path-to-regexp: ReDoS in 0.1.x"),
			}},
		}}
	src := &scan.Report{SchemaVersion: scan.SchemaVersion, ArtifactName: ".", ArtifactType: "repository", Name: "source"}
	ignore := ".trivyignore"
	ignores := "CVE-2099-33002 exp:2026-06-30 # fixed in express 4.21.2; upgrade in #118\n"
	if failing {
		backend.Results[0].Vulnerabilities = append(backend.Results[0].Vulnerabilities,
			vuln("CVE-2099-32003", "libcrypto3", "3.3.2-r4", "3.3.3-r0", scan.SeverityCritical, "openssl: buffer overflow in X.509 name | email checks"))
		backend.Results[1].Vulnerabilities = append(backend.Results[1].Vulnerabilities,
			vuln("CVE-2099-33003", "ws", "8.17.0", "", scan.SeverityHigh, "ws: denial of service with many HTTP headers"))
		frontend.Results = append(frontend.Results, scan.Result{Target: "/usr/share/nginx/html/assets/config-4f2a9c.js", Class: "secret", Secrets: []scan.Secret{
			{RuleID: "aws-access-key-id", Category: "AWS", Severity: scan.SeverityCritical, Title: "AWS Access Key ID", StartLine: 3, Match: "const key = \"****************\""},
		}})
		src.Results = []scan.Result{{Target: "Dockerfile.dev", Class: "config", Type: "dockerfile", Misconfigurations: []scan.Misconfiguration{
			{ID: "DS-0002", Title: "Image user should not be 'root'", Severity: scan.SeverityHigh, Status: "FAIL", Message: "Specify at least 1 USER command in Dockerfile with non-root user as argument"},
		}}}
		ignores = "CVE-2099-33002 exp:2026-02-28 # fixed in express 4.21.2; upgrade in #118\nDS-0002 # Dockerfile.dev is for local development only\n"
	}
	list, err := scan.ParseIgnore(strings.NewReader(ignores), ignore)
	if err != nil {
		panic(fmt.Sprintf("reporttest: %v", err))
	}
	v, err := scan.Evaluate(scan.Policy{Threshold: scan.SeverityHigh, Ignore: list, Now: Start}, frontend, backend, src)
	if err != nil {
		panic(fmt.Sprintf("reporttest: %v", err))
	}
	return v
}

func layer(i int, createdBy string, compressed, uncompressed budget.Size, files int, wasted budget.Size) budget.LayerMeasurement {
	return budget.LayerMeasurement{Index: i, CreatedBy: createdBy, Compressed: compressed, Uncompressed: uncompressed,
		FileBytes: uncompressed * 9 / 10, Files: files, Wasted: wasted, Compression: "gzip"}
}

// measurements returns the images' measurements; failing ships the
// backend's devDependencies.
func measurements(failing bool) map[string]*budget.Measurement {
	fe := &budget.Measurement{Format: "oci-layout", Platform: "linux/amd64", Digest: FrontendDigest,
		Layers: []budget.LayerMeasurement{
			layer(0, "ADD alpine-minirootfs-3.21.3-x86_64.tar.gz / # buildkit", 3_642_000, 8_126_464, 84, 0),
			layer(1, "RUN /bin/sh -c set -x && addgroup -g 101 -S nginx && apk add --no-cache nginx # buildkit", 16_101_233, 40_114_176, 262, 1_204_112),
			layer(2, "COPY docker-entrypoint.sh / # buildkit", 1_620, 4_608, 1, 0),
			layer(3, "COPY nginx/default.conf /etc/nginx/conf.d/default.conf # buildkit", 1_104, 3_584, 1, 0),
			layer(4, "COPY dist/ /usr/share/nginx/html # buildkit", 402_811, 1_107_968, 23, 0),
		},
		Waste: []budget.Waste{{Path: "/var/cache/apk", Kind: budget.Deleted, AddedIn: 1, RemovedIn: 1, Files: 3, Bytes: 1_204_112}},
	}
	beLayers := []budget.LayerMeasurement{
		layer(0, "ADD alpine-minirootfs-3.21.3-x86_64.tar.gz / # buildkit", 3_642_000, 8_126_464, 84, 0),
		layer(1, "RUN /bin/sh -c addgroup -g 1000 node && adduser -u 1000 -G node -s /bin/sh -D node && apk add --no-cache libstdc++ && … node v20.19.0 # buildkit", 40_412_907, 123_863_040, 1_734, 0),
		layer(2, "RUN /bin/sh -c apk add --no-cache --virtual .build-deps-yarn curl gnupg tar && … yarn v1.22.22 # buildkit", 1_263_104, 5_337_088, 67, 0),
		layer(3, "WORKDIR /app", 93, 1_536, 0, 0),
		layer(4, "COPY /app/node_modules ./node_modules # buildkit", 3_204_511, 18_910_720, 3_864, 0),
		layer(5, "COPY --chown=1001:1001 server/ ./server/ # buildkit", 58_321, 231_424, 41, 0),
	}
	be := &budget.Measurement{Format: "oci-layout", Platform: "linux/amd64", Digest: BackendDigest, Layers: beLayers}
	if failing {
		be.Layers = append(be.Layers[:5:5],
			layer(5, "COPY /app/node_modules ./node_modules # buildkit (with devDependencies)", 21_880_392, 71_921_664, 14_203, 0),
			layer(6, "COPY --chown=1001:1001 . . # buildkit", 1_118_760, 3_874_816, 412, 0),
		)
		be.Layers[4].Wasted = 18_910_720
		be.Waste = []budget.Waste{{Path: "/app/node_modules", Kind: budget.Overwritten, AddedIn: 4, RemovedIn: 5, Files: 3_864, Bytes: 17_102_336}}
	}
	for _, m := range []*budget.Measurement{fe, be} {
		for _, l := range m.Layers {
			m.Compressed += l.Compressed
			m.Uncompressed += l.Uncompressed
			m.FileBytes += l.FileBytes
			m.Files += l.Files
			m.WastedBytes += l.Wasted
		}
		m.ConfigSize, m.ManifestSize = 7_412, 1_203
		m.Compressed += m.ConfigSize + m.ManifestSize
		m.VisibleBytes = m.FileBytes - m.WastedBytes
	}
	return map[string]*budget.Measurement{"frontend": fe, "backend": be}
}

// policies runs the image policy on the images' configs; failing leaves a
// database URL in the backend's environment and waives the frontend's
// healthcheck.
func policies(failing bool) map[string]policy.Report {
	fe := &v1.ConfigFile{OS: "linux", Architecture: "amd64", Config: v1.Config{
		User:         "101",
		ExposedPorts: map[string]struct{}{"80/tcp": {}},
		Healthcheck:  &v1.HealthConfig{Test: []string{"CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1/"}},
	}}
	be := &v1.ConfigFile{OS: "linux", Architecture: "amd64", Config: v1.Config{
		User:         "1001",
		Env:          []string{"PATH=/usr/local/bin:/usr/bin:/bin", "NODE_VERSION=20.19.0", "NODE_ENV=production"},
		ExposedPorts: map[string]struct{}{"8765/tcp": {}},
		Healthcheck:  &v1.HealthConfig{Test: []string{"CMD", "node", "-e", "fetch('http://127.0.0.1:8765/health').then(r=>process.exit(r.ok?0:1))"}},
	}}
	feOpts := policy.Options{ExpectedPorts: []string{"80/tcp"}}
	if failing {
		fe.Config.Healthcheck = nil
		feOpts.Waivers = []policy.Waiver{{Rule: policy.Healthcheck, Reason: "probed by the load balancer"}}
		be.Config.Env = append(be.Config.Env, "DATABASE_URL=postgres://app:"+DatabasePassword+"@db:5432/app")
	}
	out := map[string]policy.Report{}
	for name, c := range map[string]struct {
		cfg  *v1.ConfigFile
		opts policy.Options
	}{"frontend": {fe, feOpts}, "backend": {be, policy.Options{ExpectedPorts: []string{"8765/tcp"}}}} {
		rep, err := policy.Check(c.cfg, c.opts)
		if err != nil {
			panic(fmt.Sprintf("reporttest: %v", err))
		}
		out[name] = rep
	}
	return out
}

// smokeResults are the nine standard checks; failing breaks the WebSocket
// echo and the health check (whose error shows a database URL with its
// password, as a driver's error might).
func smokeResults(failing bool) smoke.Results {
	ms := time.Millisecond
	rs := smoke.Results{
		{Name: "spa-index", Passed: true, Duration: 38 * ms, Detail: "GET / 200, 1204 bytes of HTML"},
		{Name: "spa-deep-link", Passed: true, Duration: 6 * ms, Detail: "GET /notes/42 200, served index.html"},
		{Name: "api-health", Passed: true, Duration: 21 * ms, Detail: "GET /api/health 200, status ok, database ok, redis ok"},
		{Name: "rest-roundtrip", Passed: true, Duration: 48 * ms, Detail: "POST /api/notes 201 then GET /api/notes/7 200, same text"},
		{Name: "websocket-echo", Passed: true, Duration: 112 * ms, Detail: "websocket session Xj3kQ9zR2b, echo acknowledged in 3.418ms"},
		{Name: "websocket-broadcast", Passed: true, Duration: 140 * ms, Detail: "shout from one client reached the other as broadcast in 4.1ms"},
		{Name: "security-headers", Passed: true, Duration: 17 * ms, Detail: "X-Content-Type-Options, X-Frame-Options, Referrer-Policy on /, /assets/index-4f2a9c.js, /api/health"},
		{Name: "cache-headers", Passed: true, Duration: 9 * ms, Detail: "index.html no-cache; /assets/index-4f2a9c.js max-age=31536000, immutable"},
		{Name: "gzip", Passed: true, Duration: 8 * ms, Detail: "/assets/index-4f2a9c.js gzip, 142311 → 45012 bytes"},
	}
	if failing {
		rs[2] = smoke.Result{Name: "api-health", Passed: false, Duration: 5003 * ms,
			Detail: errors.New(`GET /api/health: HTTP 503, want 200: map[database:error: connect ECONNREFUSED (postgres://app:` + DatabasePassword + `@postgres:5432/app) redis:ok status:degraded]`).Error()}
		rs[4] = smoke.Result{Name: "websocket-echo", Passed: false, Duration: 5001 * ms,
			Detail: "echo ack: no acknowledgement within 5s\nlast frame: 42[\"error\",\"<unauthorized>\"]"}
	}
	return rs
}
