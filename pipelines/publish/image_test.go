package publish_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/stack-ci/stack/pipelines/oci"
	"github.com/stack-ci/stack/pipelines/oci/ocitest"
	"github.com/stack-ci/stack/pipelines/publish"
	"github.com/stack-ci/stack/pipelines/publish/registrytest"
	"github.com/stack-ci/stack/pipelines/report"
)

// Every tarball layout a build can hand over opens as an image that keeps
// its identity, and pushes.
func TestOpenImageFormats(t *testing.T) {
	t.Parallel()
	img := ocitest.Image(t, v1.Config{Cmd: []string{"node", "server.js"}},
		ocitest.Step{Layer: ocitest.Layer(t, ocitest.File("usr/local/bin/node", 48<<10)), CreatedBy: "ADD node /"},
		ocitest.Step{Layer: ocitest.LayerWith(t, "zstd", ocitest.Text("app/server.js", "listen(8765)\n")), CreatedBy: "COPY . /app"},
	)
	digest, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	layer := ocitest.TarBytes(t, ocitest.Text("app/server.js", "listen(8765)\n"))
	dir := t.TempDir()
	for i, tc := range []struct {
		name   string
		write  func(t *testing.T, path string)
		format oci.Format
		// same is true when the pushed image must have the source's digest.
		same bool
		// diffIDs are the layers' uncompressed digests.
		diffIDs []v1.Hash
	}{
		{"oci layout (Dagger)", func(t *testing.T, p string) { ocitest.WriteOCILayout(t, p, img, ocitest.WithManifestJSON()) }, oci.FormatOCILayout, true, cfg.RootFS.DiffIDs},
		{"oci layout with ./ names", func(t *testing.T, p string) { ocitest.WriteOCILayout(t, p, img, ocitest.WithDotSlash()) }, oci.FormatOCILayout, true, cfg.RootFS.DiffIDs},
		{"nested single-platform index", func(t *testing.T, p string) { ocitest.WriteOCIIndex(t, p, ocitest.Index(t, img), ocitest.Nested()) }, oci.FormatOCILayout, true, cfg.RootFS.DiffIDs},
		{"docker-archive, gzip layers", func(t *testing.T, p string) { ocitest.WriteDockerArchive(t, p, img) }, oci.FormatDockerArchive, false, cfg.RootFS.DiffIDs},
		{"docker save, plain tar layers", func(t *testing.T, p string) { ocitest.WriteDockerSave(t, p, v1.Config{Cmd: []string{"node"}}, layer) }, oci.FormatDockerArchive, false, []v1.Hash{sha256(t, layer)}},
	} {
		path := filepath.Join(dir, fmt.Sprintf("image-%d.tar", i))
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.write(t, path)
			pi, err := publish.OpenImage(path)
			if err != nil {
				t.Fatalf("OpenImage: %v", err)
			}
			defer pi.Close()
			if pi.Format != tc.format {
				t.Errorf("format %s, want %s", pi.Format, tc.format)
			}
			if tc.same && pi.Digest != digest {
				t.Errorf("digest %s, want the source's %s", pi.Digest, digest)
			}
			if pi.Platform != "linux/amd64" {
				t.Errorf("platform %q", pi.Platform)
			}
			if d, err := pi.V1.Digest(); err != nil || d != pi.Digest {
				t.Errorf("V1.Digest() = %s, %v; want %s", d, err, pi.Digest)
			}

			// Push it to an open registry, with a report that recorded no
			// digest (a docker-archive has none).
			reg := registrytest.New(t)
			b := report.New(report.Source{App: "app"}, report.WithStages(report.StageBuild))
			b.AddBuild([]report.Image{{Name: "api"}}, time.Second)
			a, err := publish.Gate(b.Report())
			if err != nil {
				t.Fatal(err)
			}
			targets, err := publish.Plan(reg.Host+"/team", "app", []string{"api"}, releaseTags(t))
			if err != nil {
				t.Fatal(err)
			}
			res, err := publish.Push(context.Background(), a, targets, map[string]string{"api": path})
			if err != nil {
				t.Fatalf("Push: %v", err)
			}
			if res[0].Digest != pi.Digest || len(res[0].Refs) != 5 {
				t.Errorf("pushed %s with %d refs, want %s with 5", res[0].Digest, len(res[0].Refs), pi.Digest)
			}
			if got := reg.Resolve(t, "team/app-api", "latest"); got != pi.Digest.String() {
				t.Errorf("latest resolves to %q, want %s", got, pi.Digest)
			}
			ref, err := name.ParseReference(targets[0].Refs[0])
			if err != nil {
				t.Fatal(err)
			}
			pulled, err := remote.Image(ref)
			if err != nil {
				t.Fatal(err)
			}
			pcfg, err := pulled.ConfigFile()
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(pcfg.RootFS.DiffIDs, tc.diffIDs) {
				t.Errorf("the pulled image's diff_ids %v, want %v", pcfg.RootFS.DiffIDs, tc.diffIDs)
			}
			m, err := pulled.Manifest()
			if err != nil {
				t.Fatal(err)
			}
			for i, l := range m.Layers {
				if l.MediaType == types.DockerUncompressedLayer || l.MediaType == types.OCIUncompressedLayer {
					t.Errorf("layer %d is pushed uncompressed (%s)", i, l.MediaType)
				}
			}
		})
	}
}

func TestOpenImageSize(t *testing.T) {
	t.Parallel()
	shared := ocitest.Layer(t, ocitest.File("same", 1000))
	img := ocitest.Image(t, v1.Config{},
		ocitest.Step{Layer: shared}, ocitest.Step{Layer: ocitest.Layer(t, ocitest.File("other", 2000))}, ocitest.Step{Layer: shared})
	path := filepath.Join(t.TempDir(), "img.tar")
	ocitest.WriteOCILayout(t, path, img)
	pi, err := publish.OpenImage(path)
	if err != nil {
		t.Fatal(err)
	}
	defer pi.Close()
	m, _ := img.RawManifest()
	c, _ := img.RawConfigFile()
	want := int64(len(m) + len(c))
	layers, _ := img.Layers()
	for _, l := range layers[:2] { // the third is the first again: sent once
		n, _ := l.Size()
		want += n
	}
	if pi.Size != want {
		t.Errorf("Size = %d, want %d", pi.Size, want)
	}
}

func TestOpenImageErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	notTar := filepath.Join(dir, "not.tar")
	ocitest.TarDir(t, t.TempDir(), notTar, "")
	for _, tc := range []struct {
		name, path, say string
	}{
		{"missing", filepath.Join(dir, "missing.tar"), "no such file"},
		{"empty tar", notTar, "neither an OCI image layout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := publish.OpenImage(tc.path)
			if err == nil || !strings.Contains(err.Error(), tc.say) {
				t.Errorf("error %v, want one saying %q", err, tc.say)
			}
		})
	}
}

func sha256(t *testing.T, b []byte) v1.Hash {
	t.Helper()
	h, _, err := v1.SHA256(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return h
}
