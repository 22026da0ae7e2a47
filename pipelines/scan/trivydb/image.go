package trivydb

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	ggcrtypes "github.com/google/go-containerregistry/pkg/v1/types"
)

// Image is a single-layer linux/amd64 image with OCI media types, built
// for scanning.
type Image struct {
	// Files maps a path inside the image (e.g.
	// "app/node_modules/lodash/package.json") to its content.
	Files map[string]string
	// Tag is recorded as the image's name (index.json's
	// org.opencontainers.image.ref.name and manifest.json's RepoTags);
	// empty means "stack-fixture:latest".
	Tag string
	// WithoutDockerManifest leaves manifest.json out of the tarball, as
	// BuildKit's "oci" exporter does for multi-platform images. Trivy
	// v0.74.0's --input does not read such a tarball (only a Docker
	// archive file or an OCI layout directory).
	WithoutDockerManifest bool
}

// image assembles the v1.Image.
func (im Image) image() (v1.Image, error) {
	layerTar, err := tarFiles(im.Files)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerTar)), nil
	}, tarball.WithMediaType(ggcrtypes.OCILayer))
	if err != nil {
		return nil, fmt.Errorf("making the layer: %w", err)
	}
	base := mutate.MediaType(empty.Image, ggcrtypes.OCIManifestSchema1)
	base = mutate.ConfigMediaType(base, ggcrtypes.OCIConfigJSON)
	img, err := mutate.AppendLayers(base, layer)
	if err != nil {
		return nil, fmt.Errorf("appending the layer: %w", err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("reading the config: %w", err)
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = "linux", "amd64"
	cfg.Created = v1.Time{Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	cfg.Config.WorkingDir = "/app"
	return mutate.ConfigFile(img, cfg)
}

func (im Image) tag() string {
	if im.Tag == "" {
		return "stack-fixture:latest"
	}
	return im.Tag
}

// WriteLayout writes the image as an OCI image layout directory (oci-layout,
// index.json, blobs/sha256/…), plus Docker's manifest.json unless
// WithoutDockerManifest is set.
func (im Image) WriteLayout(dir string) error {
	img, err := im.image()
	if err != nil {
		return fmt.Errorf("building image for %q: %w", dir, err)
	}
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return fmt.Errorf("writing OCI layout %q: %w", dir, err)
	}
	ann := map[string]string{
		"org.opencontainers.image.ref.name": im.tag(),
		"io.containerd.image.name":          im.tag(),
	}
	if err := p.AppendImage(img, layout.WithAnnotations(ann)); err != nil {
		return fmt.Errorf("writing OCI layout %q: %w", dir, err)
	}
	if im.WithoutDockerManifest {
		return nil
	}
	cfgName, err := img.ConfigName()
	if err != nil {
		return fmt.Errorf("writing manifest.json in %q: %w", dir, err)
	}
	layers, err := img.Layers()
	if err != nil {
		return fmt.Errorf("writing manifest.json in %q: %w", dir, err)
	}
	d := tarball.Descriptor{Config: blobPath(cfgName), RepoTags: []string{im.tag()}}
	for _, l := range layers {
		h, err := l.Digest()
		if err != nil {
			return fmt.Errorf("writing manifest.json in %q: %w", dir, err)
		}
		d.Layers = append(d.Layers, blobPath(h))
	}
	b, err := json.Marshal(tarball.Manifest{d})
	if err != nil {
		return fmt.Errorf("writing manifest.json in %q: %w", dir, err)
	}
	return os.WriteFile(filepath.Join(dir, "manifest.json"), b, 0o644)
}

// WriteTarball writes the image to file in the format Dagger's
// Container.AsTarball exports for a single platform (BuildKit's "docker"
// exporter variant): an OCI image layout in a tar — oci-layout, index.json,
// blobs/sha256/… — with Docker's manifest.json beside it.
func (im Image) WriteTarball(file string) error {
	dir, err := os.MkdirTemp("", "stack-image-*")
	if err != nil {
		return fmt.Errorf("writing image tarball %q: %w", file, err)
	}
	defer os.RemoveAll(dir)
	if err := im.WriteLayout(dir); err != nil {
		return fmt.Errorf("writing image tarball %q: %w", file, err)
	}
	if err := tarDir(dir, file); err != nil {
		return fmt.Errorf("writing image tarball %q: %w", file, err)
	}
	return nil
}

func blobPath(h v1.Hash) string { return path.Join("blobs", h.Algorithm, h.Hex) }

// tarFiles makes an uncompressed tar of files with their parent directories,
// in a stable order.
func tarFiles(files map[string]string) ([]byte, error) {
	names := make([]string, 0, len(files))
	for name := range files {
		clean := path.Clean(strings.TrimPrefix(name, "/"))
		if clean == "." || strings.HasPrefix(clean, "../") || clean == ".." {
			return nil, fmt.Errorf("image file path %q leaves the root", name)
		}
		names = append(names, name)
	}
	slices.Sort(names)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	mtime := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	dirs := map[string]bool{}
	for _, name := range names {
		clean := path.Clean(strings.TrimPrefix(name, "/"))
		var parents []string
		for d := path.Dir(clean); d != "."; d = path.Dir(d) {
			parents = append(parents, d)
		}
		slices.Reverse(parents)
		for _, d := range parents {
			if dirs[d] {
				continue
			}
			dirs[d] = true
			if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d + "/", Mode: 0o755, ModTime: mtime}); err != nil {
				return nil, err
			}
		}
		body := files[name]
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: clean, Mode: 0o644, Size: int64(len(body)), ModTime: mtime}); err != nil {
			return nil, err
		}
		if _, err := io.WriteString(tw, body); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// tarDir writes the regular files and directories under dir into a tar file.
func tarDir(dir, file string) (err error) {
	out, err := os.Create(file)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := out.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	tw := tar.NewWriter(out)
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil || rel == "." {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if !info.Mode().IsRegular() && !info.IsDir() {
			return fmt.Errorf("unexpected file type at %q", p)
		}
		hdr, err := tar.FileInfoHeader(info, "")
		if err != nil {
			return err
		}
		hdr.Name = filepath.ToSlash(rel)
		if info.IsDir() {
			hdr.Name += "/"
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if info.IsDir() {
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(tw, f)
		return err
	})
	if err != nil {
		return err
	}
	return tw.Close()
}
