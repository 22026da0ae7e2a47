package publish_test

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/stack-ci/stack/pipelines/oci/ocitest"
	"github.com/stack-ci/stack/pipelines/publish"
	"github.com/stack-ci/stack/pipelines/publish/registrytest"
	"github.com/stack-ci/stack/pipelines/report"
)

// BenchmarkPush pushes an image of incompressible data, with the five
// release tags, to a registry with Basic authentication on loopback. The
// registry runs in a child process, so B/op and allocs/op are the
// client's alone: they stay the same from 10 MB to 100 MB because layers
// are streamed from the tarball. MB/s is the image's bytes per second.
func BenchmarkPush(b *testing.B) {
	for _, mb := range []int64{10, 100} {
		b.Run(fmt.Sprintf("%dMB", mb), func(b *testing.B) { benchmarkPush(b, mb<<20) })
	}
}

func benchmarkPush(b *testing.B, size int64) {
	dir := b.TempDir()
	img := ocitest.Image(b, v1.Config{Cmd: []string{"node", "server.js"}},
		ocitest.Step{Layer: ocitest.LayerFile(b, dir, ocitest.File("srv/data.bin", size)), CreatedBy: "COPY data.bin /srv/"},
		ocitest.Step{Layer: ocitest.Layer(b, ocitest.Text("app/server.js", "listen(8765)\n")), CreatedBy: "COPY . /app"},
	)
	path := filepath.Join(dir, "big.tar")
	ocitest.WriteOCILayout(b, path, img, ocitest.WithManifestJSON())
	digest, err := img.Digest()
	if err != nil {
		b.Fatal(err)
	}
	var blobs []v1.Hash
	layers, _ := img.Layers()
	for _, l := range layers {
		d, _ := l.Digest()
		blobs = append(blobs, d)
	}
	cfg, _ := img.ConfigName()
	blobs = append(blobs, cfg)

	rb := report.New(report.Source{App: "bench"}, report.WithStages(report.StageBuild))
	rb.AddBuild([]report.Image{{Name: "big", Digest: digest.String()}}, time.Second)
	a, err := publish.Gate(rb.Report())
	if err != nil {
		b.Fatal(err)
	}
	opened, err := publish.OpenImage(path)
	if err != nil {
		b.Fatal(err)
	}
	opened.Close()
	reg := registrytest.StartProcess(b, user, password)
	tags := releaseTags(b)
	tarballs := map[string]string{"big": path}

	b.SetBytes(opened.Size)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// A new repository each time, so the tag is not already there.
		targets, err := publish.Plan(reg.Host+"/bench", fmt.Sprintf("run%d", i), []string{"big"}, tags)
		if err != nil {
			b.Fatal(err)
		}
		res, err := publish.Push(context.Background(), a, targets, tarballs, publish.WithBasicAuth(user, password))
		if err != nil {
			b.Fatal(err)
		}
		if len(res[0].Refs) != 5 {
			b.Fatalf("refs %v", res[0].Refs)
		}
		b.StopTimer()
		// The registry keeps blobs by digest across repositories: forget
		// them, so the next push uploads them again.
		for _, d := range blobs {
			req, _ := http.NewRequest(http.MethodDelete, "http://"+reg.Host+"/v2/bench/run"+fmt.Sprint(i)+"-big/blobs/"+d.String(), nil)
			req.SetBasicAuth(user, password)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusAccepted {
				b.Fatalf("deleting blob %s: %s", d, resp.Status)
			}
		}
		b.StartTimer()
	}
}
