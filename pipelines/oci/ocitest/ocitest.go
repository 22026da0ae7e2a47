// Package ocitest builds real images for tests with go-containerregistry
// and writes them as the tarballs package oci reads: an OCI image layout in
// a tar (what Dagger's Container.AsTarball writes) or a docker-archive.
//
// Layers are described as lists of Entry values. File contents are either
// given or generated: pseudo-random, incompressible, deterministic bytes
// streamed from a seed, so a test can build a layer of hundreds of megabytes
// without holding it in memory (see LayerFile).
package ocitest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/compression"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Entry is one member of a layer tar.
type Entry struct {
	// Name is the path in the image filesystem, e.g. "app/server.js".
	Name string
	// Type is the tar type flag; zero means a regular file.
	Type byte
	// Content is the file's content. When nil, the file holds Size
	// pseudo-random bytes derived from Name.
	Content []byte
	// Size is the size of a generated file (Content nil).
	Size int64
	// Linkname is the target of a symlink or hard link.
	Linkname string
}

// File is a regular file of size pseudo-random bytes.
func File(name string, size int64) Entry { return Entry{Name: name, Size: size} }

// Text is a regular file with the given content.
func Text(name, content string) Entry { return Entry{Name: name, Content: []byte(content)} }

// Dir is a directory.
func Dir(name string) Entry { return Entry{Name: name, Type: tar.TypeDir} }

// Symlink is a symbolic link to target.
func Symlink(name, target string) Entry {
	return Entry{Name: name, Type: tar.TypeSymlink, Linkname: target}
}

// Whiteout deletes p (a file or a whole directory) of the layers below.
func Whiteout(p string) Entry {
	return Entry{Name: path.Join(path.Dir(p), ".wh."+path.Base(p)), Content: []byte{}}
}

// Opaque hides everything the layers below put in directory dir.
func Opaque(dir string) Entry {
	return Entry{Name: path.Join(dir, ".wh..wh..opq"), Content: []byte{}}
}

// epoch is the fixed modification time of every entry, so layers are
// reproducible.
var epoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// WriteTar writes entries as an uncompressed tar to w, streaming generated
// contents.
func WriteTar(w io.Writer, entries []Entry) error {
	tw := tar.NewWriter(w)
	for _, e := range entries {
		hdr := &tar.Header{Name: e.Name, Typeflag: e.Type, Mode: 0o644, ModTime: epoch, Linkname: e.Linkname, Format: tar.FormatPAX}
		if hdr.Typeflag == 0 {
			hdr.Typeflag = tar.TypeReg
		}
		var body io.Reader
		switch hdr.Typeflag {
		case tar.TypeReg:
			if e.Content != nil {
				hdr.Size = int64(len(e.Content))
				body = bytes.NewReader(e.Content)
			} else {
				hdr.Size = e.Size
				body = io.LimitReader(Random(e.Name), e.Size)
			}
		case tar.TypeDir:
			hdr.Mode = 0o755
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if body != nil {
			if _, err := io.Copy(tw, body); err != nil {
				return err
			}
		}
	}
	return tw.Close()
}

// Random returns an endless stream of incompressible bytes determined by seed.
func Random(seed string) io.Reader {
	h := fnv.New64a()
	_, _ = h.Write([]byte(seed))
	var key [32]byte
	binary.LittleEndian.PutUint64(key[:], h.Sum64())
	return rand.NewChaCha8(key)
}

// TarBytes returns the uncompressed tar of entries, for small layers.
func TarBytes(tb testing.TB, entries ...Entry) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := WriteTar(&buf, entries); err != nil {
		tb.Fatalf("writing test layer tar: %v", err)
	}
	return buf.Bytes()
}

// Layer builds a gzip-compressed layer in memory from entries.
func Layer(tb testing.TB, entries ...Entry) v1.Layer {
	tb.Helper()
	return LayerWith(tb, compression.GZip, entries...)
}

// LayerWith builds a layer in memory compressed with comp (gzip or zstd).
func LayerWith(tb testing.TB, comp compression.Compression, entries ...Entry) v1.Layer {
	tb.Helper()
	raw := TarBytes(tb, entries...)
	opts := []tarball.LayerOption{tarball.WithCompressedCaching}
	switch comp {
	case compression.ZStd:
		opts = append(opts, tarball.WithCompression(compression.ZStd), tarball.WithMediaType(types.OCILayerZStd))
	default:
		opts = append(opts, tarball.WithMediaType(types.OCILayer))
	}
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(raw)), nil
	}, opts...)
	if err != nil {
		tb.Fatalf("building test layer: %v", err)
	}
	return l
}

// LayerFile streams entries into a gzip-compressed (fastest level) blob file
// in dir and returns it as a layer, for layers too big for memory.
func LayerFile(tb testing.TB, dir string, entries ...Entry) v1.Layer {
	tb.Helper()
	f, err := os.CreateTemp(dir, "layer-*.tar.gz")
	if err != nil {
		tb.Fatalf("creating test layer file: %v", err)
	}
	zw, err := gzip.NewWriterLevel(f, gzip.BestSpeed)
	if err != nil {
		tb.Fatalf("creating gzip writer: %v", err)
	}
	if err := WriteTar(zw, entries); err != nil {
		tb.Fatalf("writing test layer: %v", err)
	}
	if err := zw.Close(); err != nil {
		tb.Fatalf("writing test layer: %v", err)
	}
	if err := f.Close(); err != nil {
		tb.Fatalf("writing test layer: %v", err)
	}
	l, err := tarball.LayerFromFile(f.Name(), tarball.WithMediaType(types.OCILayer))
	if err != nil {
		tb.Fatalf("reading test layer %s: %v", f.Name(), err)
	}
	return l
}

// Step is one layer with the history entry that made it.
type Step struct {
	// Layer is the layer's content.
	Layer v1.Layer
	// CreatedBy is the history's created_by, e.g. "COPY dist/ /usr/share/nginx/html".
	CreatedBy string
}

// Image stacks steps on an empty linux/amd64 image with config cfg, each
// with its history entry, in OCI media types.
func Image(tb testing.TB, cfg v1.Config, steps ...Step) v1.Image {
	tb.Helper()
	return PlatformImage(tb, v1.Platform{OS: "linux", Architecture: "amd64"}, cfg, steps...)
}

// PlatformImage is Image for another platform.
func PlatformImage(tb testing.TB, p v1.Platform, cfg v1.Config, steps ...Step) v1.Image {
	tb.Helper()
	base := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	base = mutate.ConfigMediaType(base, types.OCIConfigJSON)
	cf, err := base.ConfigFile()
	if err != nil {
		tb.Fatalf("reading empty config: %v", err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Variant = p.OS, p.Architecture, p.Variant
	cf.Config = cfg
	img, err := mutate.ConfigFile(base, cf)
	if err != nil {
		tb.Fatalf("setting test config: %v", err)
	}
	for _, s := range steps {
		img, err = mutate.Append(img, mutate.Addendum{
			Layer:     s.Layer,
			History:   v1.History{CreatedBy: s.CreatedBy, Created: v1.Time{Time: epoch}},
			MediaType: mustMediaType(tb, s.Layer),
		})
		if err != nil {
			tb.Fatalf("appending test layer: %v", err)
		}
	}
	return img
}

func mustMediaType(tb testing.TB, l v1.Layer) types.MediaType {
	tb.Helper()
	mt, err := l.MediaType()
	if err != nil {
		tb.Fatalf("reading layer media type: %v", err)
	}
	return mt
}

// Index is a multi-platform index of images, each descriptor carrying its
// image's platform.
func Index(tb testing.TB, imgs ...v1.Image) v1.ImageIndex {
	tb.Helper()
	var adds []mutate.IndexAddendum
	for _, img := range imgs {
		cf, err := img.ConfigFile()
		if err != nil {
			tb.Fatalf("reading config: %v", err)
		}
		adds = append(adds, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: cf.Platform()}})
	}
	return mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex), adds...)
}

// LayoutOption changes how WriteOCILayout lays the tar out.
type LayoutOption func(*layoutOptions)

type layoutOptions struct {
	prefix     string
	nested     bool
	dockerJSON bool
}

// WithDotSlash prefixes member names with "./", as tar run in the layout
// directory does.
func WithDotSlash() LayoutOption { return func(o *layoutOptions) { o.prefix = "./" } }

// Nested puts the index in a blob referenced from index.json instead of
// making it index.json itself, as BuildKit does for multi-platform exports.
func Nested() LayoutOption { return func(o *layoutOptions) { o.nested = true } }

// WithManifestJSON adds a docker-archive manifest.json beside index.json, as
// BuildKit's docker exporter and `docker save` since Docker 25 do.
func WithManifestJSON() LayoutOption { return func(o *layoutOptions) { o.dockerJSON = true } }

// WriteOCILayout writes img as an OCI image layout tar at tarPath, with a
// platform on its index descriptor, like Dagger's Container.AsTarball.
func WriteOCILayout(tb testing.TB, tarPath string, img v1.Image, opts ...LayoutOption) {
	tb.Helper()
	cf, err := img.ConfigFile()
	if err != nil {
		tb.Fatalf("reading config: %v", err)
	}
	dir := tb.TempDir()
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		tb.Fatalf("writing layout: %v", err)
	}
	var lo []layout.Option
	if pl := cf.Platform(); pl != nil {
		lo = append(lo, layout.WithPlatform(*pl))
	}
	if err := p.AppendImage(img, lo...); err != nil {
		tb.Fatalf("writing image to layout: %v", err)
	}
	finishLayout(tb, dir, tarPath, img, opts)
}

// WriteOCIIndex writes a multi-platform index as an OCI image layout tar.
func WriteOCIIndex(tb testing.TB, tarPath string, idx v1.ImageIndex, opts ...LayoutOption) {
	tb.Helper()
	var o layoutOptions
	for _, opt := range opts {
		opt(&o)
	}
	dir := tb.TempDir()
	if o.nested {
		p, err := layout.Write(dir, empty.Index)
		if err != nil {
			tb.Fatalf("writing layout: %v", err)
		}
		if err := p.AppendIndex(idx); err != nil {
			tb.Fatalf("writing index to layout: %v", err)
		}
	} else if _, err := layout.Write(dir, idx); err != nil {
		tb.Fatalf("writing layout: %v", err)
	}
	finishLayout(tb, dir, tarPath, nil, opts)
}

func finishLayout(tb testing.TB, dir, tarPath string, img v1.Image, opts []LayoutOption) {
	tb.Helper()
	var o layoutOptions
	for _, opt := range opts {
		opt(&o)
	}
	if o.dockerJSON && img != nil {
		m, err := tarball.ComputeManifest(map[name.Reference]v1.Image{name.MustParseReference("stack/test:latest"): img})
		if err != nil {
			tb.Fatalf("computing manifest.json: %v", err)
		}
		// ComputeManifest names blobs "<hex>.tar.gz"; in a layout they live
		// under blobs/sha256/.
		cfgName, _ := img.ConfigName()
		m[0].Config = "blobs/sha256/" + cfgName.Hex
		layers, _ := img.Layers()
		for i, l := range layers {
			d, _ := l.Digest()
			m[0].Layers[i] = "blobs/sha256/" + d.Hex
		}
		b, err := json.Marshal(m)
		if err != nil {
			tb.Fatalf("encoding manifest.json: %v", err)
		}
		if err := os.WriteFile(filepath.Join(dir, "manifest.json"), b, 0o644); err != nil {
			tb.Fatalf("writing manifest.json: %v", err)
		}
	}
	TarDir(tb, dir, tarPath, o.prefix)
}

// WriteDockerArchive writes img as a docker-archive at tarPath with
// go-containerregistry's tarball package (gzip layers named <digest>.tar.gz).
func WriteDockerArchive(tb testing.TB, tarPath string, img v1.Image) {
	tb.Helper()
	if err := tarball.WriteToFile(tarPath, name.MustParseReference("stack/test:latest"), img); err != nil {
		tb.Fatalf("writing docker-archive: %v", err)
	}
}

// TarDir writes the files under dir into a tar at tarPath, in sorted order,
// each name prefixed with prefix, streaming file contents.
func TarDir(tb testing.TB, dir, tarPath, prefix string) {
	tb.Helper()
	var names []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		names = append(names, filepath.ToSlash(rel))
		return err
	})
	if err != nil {
		tb.Fatalf("listing %s: %v", dir, err)
	}
	sort.Strings(names)
	out, err := os.Create(tarPath)
	if err != nil {
		tb.Fatalf("creating %s: %v", tarPath, err)
	}
	tw := tar.NewWriter(out)
	for _, n := range names {
		if err := addFile(tw, filepath.Join(dir, filepath.FromSlash(n)), prefix+n); err != nil {
			tb.Fatalf("adding %s to %s: %v", n, tarPath, err)
		}
	}
	if err := tw.Close(); err != nil {
		tb.Fatalf("writing %s: %v", tarPath, err)
	}
	if err := out.Close(); err != nil {
		tb.Fatalf("writing %s: %v", tarPath, err)
	}
}

func addFile(tw *tar.Writer, src, name string) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: st.Size(), ModTime: epoch}); err != nil {
		return err
	}
	_, err = io.Copy(tw, f)
	return err
}

// WriteDockerSave writes an old-style `docker save` archive at tarPath:
// the given uncompressed layer tars as "<n>/layer.tar" members (their names
// carry no digest), a linux/amd64 config named "<config digest>.json" and
// manifest.json. It is fast and uses no temporary directory, for fuzzing.
func WriteDockerSave(tb testing.TB, tarPath string, cfg v1.Config, layers ...[]byte) {
	tb.Helper()
	var diffIDs []string
	var layerNames []string
	for i, l := range layers {
		sum := sha256.Sum256(l)
		diffIDs = append(diffIDs, "sha256:"+hex.EncodeToString(sum[:]))
		layerNames = append(layerNames, fmt.Sprintf("%064d/layer.tar", i))
	}
	rawCfg, err := json.Marshal(map[string]any{
		"os": "linux", "architecture": "amd64", "config": cfg,
		"rootfs": map[string]any{"type": "layers", "diff_ids": diffIDs},
	})
	if err != nil {
		tb.Fatalf("encoding config: %v", err)
	}
	cfgSum := sha256.Sum256(rawCfg)
	cfgName := hex.EncodeToString(cfgSum[:]) + ".json"
	manifest, err := json.Marshal([]map[string]any{{"Config": cfgName, "RepoTags": []string{"stack/test:latest"}, "Layers": layerNames}})
	if err != nil {
		tb.Fatalf("encoding manifest.json: %v", err)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	add := func(name string, b []byte) {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(b)), ModTime: epoch}); err != nil {
			tb.Fatalf("writing %s: %v", name, err)
		}
		if _, err := tw.Write(b); err != nil {
			tb.Fatalf("writing %s: %v", name, err)
		}
	}
	for i, l := range layers {
		add(layerNames[i], l)
	}
	add(cfgName, rawCfg)
	add("manifest.json", manifest)
	if err := tw.Close(); err != nil {
		tb.Fatalf("writing %s: %v", tarPath, err)
	}
	if err := os.WriteFile(tarPath, buf.Bytes(), 0o644); err != nil {
		tb.Fatalf("writing %s: %v", tarPath, err)
	}
}
