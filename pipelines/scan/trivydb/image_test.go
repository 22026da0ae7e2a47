package trivydb

import (
	"archive/tar"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	ggcrtypes "github.com/google/go-containerregistry/pkg/v1/types"
)

func TestImageTarballLayout(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "image.tar")
	files := map[string]string{"app/node_modules/lodash/package.json": `{"name":"lodash","version":"4.17.20"}`}
	if err := (Image{Files: files, Tag: "stack/backend:test"}).WriteTarball(file); err != nil {
		t.Fatal(err)
	}
	names := tarNames(t, file)
	for _, want := range []string{"oci-layout", "index.json", "manifest.json", "blobs/sha256/"} {
		if !slices.Contains(names, want) {
			t.Errorf("tarball lacks %s (has %v)", want, names)
		}
	}
	// Readable as a Docker archive, as Trivy first tries.
	img, err := tarball.ImageFromPath(file, nil)
	if err != nil {
		t.Fatalf("reading as a Docker archive: %v", err)
	}
	if index := tarFile(t, file, "index.json"); !strings.Contains(index, string(ggcrtypes.OCIManifestSchema1)) {
		t.Errorf("index.json = %s, want an OCI manifest as Dagger exports", index)
	}
	cfg, err := img.ConfigFile()
	if err != nil || cfg.OS != "linux" || cfg.Architecture != "amd64" {
		t.Errorf("config = %+v, %v", cfg, err)
	}
	var content string
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Name == "app/node_modules/lodash/package.json" {
			b, _ := io.ReadAll(tr)
			content = string(b)
		}
	}
	if content != files["app/node_modules/lodash/package.json"] {
		t.Errorf("file in image = %q", content)
	}
}

func TestImageWithoutDockerManifest(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := (Image{Files: map[string]string{"a": "b"}, WithoutDockerManifest: true}).WriteLayout(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "manifest.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("manifest.json present: %v", err)
	}
	p, err := layout.FromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := p.ImageIndex()
	if err != nil {
		t.Fatal(err)
	}
	m, err := idx.IndexManifest()
	if err != nil || len(m.Manifests) != 1 || m.Manifests[0].Annotations["org.opencontainers.image.ref.name"] != "stack-fixture:latest" {
		t.Errorf("index = %+v, %v", m, err)
	}
}

func TestImageRejectsEscapingPaths(t *testing.T) {
	t.Parallel()
	err := (Image{Files: map[string]string{"../etc/passwd": "x"}}).WriteTarball(filepath.Join(t.TempDir(), "i.tar"))
	if err == nil {
		t.Fatal("a path leaving the root was accepted")
	}
}

func tarNames(t *testing.T, file string) []string {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var names []string
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return names
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
	}
}

func tarFile(t *testing.T, file, name string) string {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err != nil {
			t.Fatalf("%s not found in %s: %v", name, file, err)
		}
		if h.Name == name {
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
	}
}
