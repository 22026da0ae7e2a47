package publish_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/stack-ci/stack/pipelines/oci/ocitest"
	"github.com/stack-ci/stack/pipelines/publish"
	"github.com/stack-ci/stack/pipelines/publish/registrytest"
	"github.com/stack-ci/stack/pipelines/report"
	"github.com/stack-ci/stack/pipelines/tags"
)

func TestMain(m *testing.M) {
	registrytest.ServeIfChild()
	os.Exit(m.Run())
}

// The credentials of the test registry's users.
const (
	user     = "ci-bot"
	password = "pw-7c2f1e9a0b44d3e8" // long enough that seeing it in an error is no accident
	reader   = "viewer"
	readerPW = "viewer-pw-51a6e0f2c9"
)

// release is the git context of a release: tags 1.2.3, 1.2, 1, sha-abc1234
// and latest.
var release = tags.Context{EventName: "push", Ref: "refs/tags/v1.2.3", SHA: "abc1234def5678901234567890abcdef12345678", DefaultBranch: "main", Repo: tags.Repo{Name: "hivemind"}}

func releaseTags(t testing.TB) tags.Result {
	t.Helper()
	r, err := tags.Compute(release, tags.Config{}, time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(r.Names(), " "), "1.2.3 1.2 1 sha-abc1234 latest"; got != want {
		t.Fatalf("release tags are %q, want %q", got, want)
	}
	return r
}

// stack is two image tarballs as Dagger exports them (an OCI layout in a
// tar, with a manifest.json beside index.json), each with three layers.
type stack struct {
	tarballs map[string]string
	digests  map[string]v1.Hash
	// blobs is the number of blobs of each image: layers and config.
	blobs map[string]int
}

func newStack(t testing.TB) stack {
	t.Helper()
	dir := t.TempDir()
	s := stack{tarballs: map[string]string{}, digests: map[string]v1.Hash{}, blobs: map[string]int{}}
	images := map[string]v1.Image{
		"frontend": ocitest.Image(t, v1.Config{Cmd: []string{"nginx", "-g", "daemon off;"}, ExposedPorts: map[string]struct{}{"8080/tcp": {}}},
			ocitest.Step{Layer: ocitest.Layer(t, ocitest.Dir("etc/"), ocitest.Text("etc/os-release", "ID=alpine\n")), CreatedBy: "ADD alpine-minirootfs.tar.gz /"},
			ocitest.Step{Layer: ocitest.Layer(t, ocitest.File("usr/sbin/nginx", 96<<10)), CreatedBy: "RUN apk add nginx"},
			ocitest.Step{Layer: ocitest.Layer(t, ocitest.Text("usr/share/nginx/html/index.html", "<!doctype html><div id=root></div>"), ocitest.File("usr/share/nginx/html/assets/app.js", 64<<10)), CreatedBy: "COPY dist/ /usr/share/nginx/html"},
		),
		"backend": ocitest.Image(t, v1.Config{Cmd: []string{"node", "server.js"}, User: "node"},
			ocitest.Step{Layer: ocitest.Layer(t, ocitest.Dir("usr/"), ocitest.File("usr/local/bin/node", 128<<10)), CreatedBy: "ADD node.tar.gz /"},
			ocitest.Step{Layer: ocitest.Layer(t, ocitest.File("app/node_modules/express/index.js", 32<<10)), CreatedBy: "RUN npm ci --omit=dev"},
			ocitest.Step{Layer: ocitest.Layer(t, ocitest.Text("app/server.js", "require('express')().listen(8765)\n")), CreatedBy: "COPY . /app"},
		),
	}
	for name, img := range images {
		path := filepath.Join(dir, name+".tar")
		ocitest.WriteOCILayout(t, path, img, ocitest.WithManifestJSON())
		d, err := img.Digest()
		if err != nil {
			t.Fatal(err)
		}
		layers, err := img.Layers()
		if err != nil {
			t.Fatal(err)
		}
		s.tarballs[name], s.digests[name], s.blobs[name] = path, d, len(layers)+1
	}
	return s
}

// passed is the report of a run whose gates passed, taken before publishing
// as ci/ does: the publish stage has not reported (an error in the report
// that Gate leaves aside).
func (s stack) passed() *report.Report {
	b := report.New(report.Source{App: "hivemind", Ref: release.Ref, Revision: release.SHA},
		report.WithStages(report.StageBuild, report.StageScan, report.StagePublish))
	b.AddBuild([]report.Image{
		{Name: "frontend", Digest: s.digests["frontend"].String(), Platform: "linux/amd64"},
		{Name: "backend", Digest: s.digests["backend"].String(), Platform: "linux/amd64"},
	}, 2*time.Second)
	b.Skip(report.StageScan, "not asked for")
	return b.Report()
}

func (s stack) approval(t testing.TB) *publish.Approval {
	t.Helper()
	a, err := publish.Gate(s.passed())
	if err != nil {
		t.Fatalf("Gate refused a passing report: %v", err)
	}
	return a
}

func plan(t testing.TB, host string, images ...string) []publish.Target {
	t.Helper()
	if len(images) == 0 {
		images = []string{"frontend", "backend"}
	}
	targets, err := publish.Plan(host+"/team", "hivemind", images, releaseTags(t))
	if err != nil {
		t.Fatal(err)
	}
	return targets
}

// fast makes failed requests fail at once instead of being retried for
// seconds.
var fast = publish.WithRetry(1, 0)
