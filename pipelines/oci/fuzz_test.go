package oci_test

import (
	"archive/tar"
	"os"
	"path/filepath"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/stack-ci/stack/pipelines/oci"
	"github.com/stack-ci/stack/pipelines/oci/ocitest"
)

// FuzzOpen feeds arbitrary bytes as an image tarball: Open and streaming
// every layer must return errors, never panic or hang. The seeds are a real
// OCI layout tarball and a real docker-save archive, so the fuzzer mutates
// index.json, manifests, configs and layer tars inside valid outer tars.
func FuzzOpen(f *testing.F) {
	dir := f.TempDir()
	img := ocitest.Image(f, v1.Config{User: "1000"},
		ocitest.Step{Layer: ocitest.Layer(f, ocitest.Text("etc/motd", "hi"))})
	layoutPath := filepath.Join(dir, "layout.tar")
	ocitest.WriteOCILayout(f, layoutPath, img)
	savePath := filepath.Join(dir, "save.tar")
	ocitest.WriteDockerSave(f, savePath, v1.Config{}, ocitest.TarBytes(f, ocitest.Text("a", "b"), ocitest.Whiteout("c")))
	for _, p := range []string{layoutPath, savePath} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	// One file per worker process, rewritten for each input: a temporary
	// directory per input makes minimization crawl.
	p := filepath.Join(dir, "in.tar")
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		img, err := oci.Open(p)
		if err != nil {
			return
		}
		defer img.Close()
		for _, l := range img.Layers {
			lr, err := l.Open()
			if err != nil {
				continue
			}
			tr := tar.NewReader(lr)
			for {
				if _, err := tr.Next(); err != nil {
					break // io.EOF or a broken tar: both fine here
				}
			}
			_, _ = lr.Finish()
		}
	})
}
