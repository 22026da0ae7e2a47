package budget

import (
	"archive/tar"
	"cmp"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/stack-ci/stack/pipelines/oci"
)

// Measurement is what one image weighs, measured from its tarball.
//
// The figures add up: Compressed is the sum of the layers' Compressed plus
// ConfigSize and ManifestSize; Uncompressed, FileBytes and Files are the sums
// of the layers' figures; FileBytes = VisibleBytes + WastedBytes; WastedBytes
// is the sum of the layers' Wasted and of their Hides.
type Measurement struct {
	// Format is the tarball's layout: "oci-layout" or "docker-archive".
	Format oci.Format `json:"format"`
	// Platform is the image's platform, e.g. "linux/amd64".
	Platform string `json:"platform,omitempty"`
	// Digest is the manifest digest; empty for a docker-archive.
	Digest string `json:"digest,omitempty"`
	// Compressed is what a pull transfers: the layer blobs as stored plus
	// the config and the manifest. For a docker-archive whose layers are
	// stored uncompressed (docker save before Docker 25) the layers count at
	// their stored, uncompressed size and there is no manifest.
	Compressed Size `json:"compressed"`
	// Uncompressed is the sum of the uncompressed layer tars: what unpacking
	// the image writes, counting tar headers and every file that a later
	// layer deletes. It is at least the size `docker images` shows.
	Uncompressed Size `json:"uncompressed"`
	// FileBytes is the sum of the sizes of the regular files of all layers.
	FileBytes Size `json:"fileBytes"`
	// VisibleBytes is the bytes of the regular files of the final filesystem.
	VisibleBytes Size `json:"visibleBytes"`
	// WastedBytes is the bytes that ship but are not visible in the final
	// filesystem: files deleted or overwritten by a later entry.
	WastedBytes Size `json:"wastedBytes"`
	// Files is the number of regular-file entries of all layers.
	Files int `json:"files"`
	// VisibleFiles is the number of regular files of the final filesystem.
	VisibleFiles int `json:"visibleFiles"`
	// ConfigSize is the size of the image config.
	ConfigSize Size `json:"configSize"`
	// ManifestSize is the size of the image manifest (0 for a docker-archive).
	ManifestSize Size `json:"manifestSize"`
	// Layers are in application order, base first.
	Layers []LayerMeasurement `json:"layers"`
	// Waste lists the biggest groups of hidden bytes, biggest first (see
	// WithWasteLimit); WasteOmitted counts the groups left out.
	Waste []Waste `json:"waste"`
	// WasteOmitted is the number of waste groups not listed in Waste.
	WasteOmitted int `json:"wasteOmitted,omitempty"`
	// TopFiles are the biggest non-empty files of the final filesystem,
	// biggest first.
	TopFiles []FileSize `json:"topFiles"`
	// TopDirs are the biggest directories of the final filesystem by the
	// bytes of all the files under them, biggest first; the root and empty
	// directories are left out, parents and their children both appear (like
	// du).
	TopDirs []DirSize `json:"topDirs"`
}

// Figure returns the size a budget of metric m applies to.
func (m *Measurement) Figure(metric Metric) Size {
	if metric == Compressed {
		return m.Compressed
	}
	return m.Uncompressed
}

// LayerMeasurement is what one layer weighs.
type LayerMeasurement struct {
	// Index is the layer's position, 0 for the base layer.
	Index int `json:"index"`
	// Digest is the sha256 of the blob as stored.
	Digest string `json:"digest"`
	// DiffID is the sha256 of the uncompressed tar.
	DiffID string `json:"diffID"`
	// MediaType is the manifest's media type for the layer, if any.
	MediaType string `json:"mediaType,omitempty"`
	// Compression is how the blob is stored: gzip, zstd or none.
	Compression oci.Compression `json:"compression"`
	// Compressed is the size of the blob as stored.
	Compressed Size `json:"compressed"`
	// Uncompressed is the size of the uncompressed tar.
	Uncompressed Size `json:"uncompressed"`
	// FileBytes is the sum of the sizes of the layer's regular files.
	FileBytes Size `json:"fileBytes"`
	// Files is the number of regular-file entries.
	Files int `json:"files"`
	// Entries is the number of tar entries of any type, whiteouts included.
	Entries int `json:"entries"`
	// Whiteouts is the number of whiteout and opaque markers.
	Whiteouts int `json:"whiteouts"`
	// Wasted is the bytes of this layer's files that a later entry hides.
	Wasted Size `json:"wasted"`
	// Hides is the bytes of earlier files that this layer deletes or
	// overwrites.
	Hides Size `json:"hides"`
	// CreatedBy is the history entry that made the layer, e.g.
	// "COPY dist/ /usr/share/nginx/html # buildkit"; empty when the config's
	// history does not line up with the layers.
	CreatedBy string `json:"createdBy,omitempty"`
	// Comment is the history entry's comment, if any.
	Comment string `json:"comment,omitempty"`
}

// WasteKind says how bytes came to be hidden.
type WasteKind string

const (
	// Deleted bytes were removed by a whiteout (.wh.<name>): `rm` in a later
	// layer.
	Deleted WasteKind = "deleted"
	// Overwritten bytes were replaced by a later entry at the same path.
	Overwritten WasteKind = "overwritten"
	// Opaque bytes were hidden by an opaque directory (.wh..wh..opq): a later
	// layer replaced the whole directory.
	Opaque WasteKind = "opaque"
)

// Waste is a group of files that ship in the image but are hidden in the
// final filesystem: those one layer added under Path and a later entry
// removed.
type Waste struct {
	// Path is what was removed: the deleted path (a file or a whole
	// directory), the overwritten path, or the opaque directory.
	Path string `json:"path"`
	// Kind says how.
	Kind WasteKind `json:"kind"`
	// AddedIn is the layer that added the files.
	AddedIn int `json:"addedIn"`
	// RemovedIn is the layer that removed them; equal to AddedIn when a
	// layer's tar holds the same path twice.
	RemovedIn int `json:"removedIn"`
	// Files is the number of regular files.
	Files int `json:"files"`
	// Bytes is their total size.
	Bytes Size `json:"bytes"`
}

// String describes the group in a line, e.g. "/tmp/cache: 50 kB (2 files)
// added in layer 0, deleted in layer 1".
func (w Waste) String() string {
	return fmt.Sprintf("%s: %s (%d files) added in layer %d, %s in layer %d", w.Path, w.Bytes, w.Files, w.AddedIn, w.Kind, w.RemovedIn)
}

// FileSize is a file of the final filesystem.
type FileSize struct {
	// Path is the file's absolute path.
	Path string `json:"path"`
	// Size is its size.
	Size Size `json:"size"`
	// Layer is the layer that added it.
	Layer int `json:"layer"`
}

// DirSize is a directory of the final filesystem.
type DirSize struct {
	// Path is the directory's absolute path.
	Path string `json:"path"`
	// Size is the bytes of all the regular files under it.
	Size Size `json:"size"`
	// Files is the number of regular files under it.
	Files int `json:"files"`
}

// Option configures Measure and MeasureFile.
type Option func(*options)

type options struct {
	topFiles, topDirs, wasteLimit int
	ociOpts                       []oci.Option
}

// WithTop sets how many of the biggest files and directories to list
// (default 10 each).
func WithTop(files, dirs int) Option {
	return func(o *options) { o.topFiles, o.topDirs = files, dirs }
}

// WithWasteLimit sets how many waste groups to list (default 20); the
// totals always count them all.
func WithWasteLimit(n int) Option {
	return func(o *options) { o.wasteLimit = n }
}

// WithPlatform chooses the image of a multi-platform tarball (MeasureFile).
func WithPlatform(p v1.Platform) Option {
	return func(o *options) { o.ociOpts = append(o.ociOpts, oci.WithPlatform(p)) }
}

// MeasureFile opens the image tarball at path (an OCI layout or a
// docker-archive, see package oci) and measures it.
func MeasureFile(path string, opts ...Option) (*Measurement, error) {
	o := getOptions(opts)
	img, err := oci.Open(path, o.ociOpts...)
	if err != nil {
		return nil, fmt.Errorf("measuring image: %w", err)
	}
	m, err := Measure(img, opts...)
	if cerr := img.Close(); err == nil && cerr != nil {
		return nil, cerr
	}
	return m, err
}

func getOptions(opts []Option) options {
	o := options{topFiles: 10, topDirs: 10, wasteLimit: 20}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// Measure measures an opened image. Each layer is streamed once: its blob
// is read, decompressed and its tar walked, headers only, while its digests
// are checked; memory grows with the number of paths, not with the bytes.
func Measure(img *oci.Image, opts ...Option) (*Measurement, error) {
	o := getOptions(opts)
	m := &Measurement{
		Format:       img.Format,
		Platform:     img.Platform(),
		ConfigSize:   Size(len(img.RawConfig)),
		ManifestSize: Size(len(img.RawManifest)),
	}
	if img.Digest != (v1.Hash{}) {
		m.Digest = img.Digest.String()
	}
	history := layerHistory(img.Config, len(img.Layers))
	tree := newFSTree(len(img.Layers))
	for i, l := range img.Layers {
		lm, err := measureLayer(l, tree)
		if err != nil {
			return nil, fmt.Errorf("measuring image %q: %w", img.Path, err)
		}
		if history != nil {
			lm.CreatedBy, lm.Comment = history[i].CreatedBy, history[i].Comment
		}
		m.Layers = append(m.Layers, lm)
	}
	m.Compressed = m.ConfigSize + m.ManifestSize
	for i := range m.Layers {
		lm := &m.Layers[i]
		lm.Wasted, lm.Hides = Size(tree.wasted[i]), Size(tree.hides[i])
		m.Compressed += lm.Compressed
		m.Uncompressed += lm.Uncompressed
		m.FileBytes += lm.FileBytes
		m.Files += lm.Files
		m.WastedBytes += lm.Wasted
	}
	visible, files, topFiles, topDirs := tree.summary(o.topFiles, o.topDirs)
	m.VisibleBytes, m.VisibleFiles = Size(visible), files
	m.TopFiles, m.TopDirs = topFiles, topDirs
	m.Waste = make([]Waste, 0, len(tree.waste))
	for _, w := range tree.waste {
		m.Waste = append(m.Waste, *w)
	}
	slices.SortFunc(m.Waste, func(a, b Waste) int {
		if c := rank(a.Bytes, b.Bytes, a.Path, b.Path); c != 0 {
			return c
		}
		return cmp.Or(cmp.Compare(a.AddedIn, b.AddedIn), strings.Compare(string(a.Kind), string(b.Kind)))
	})
	if len(m.Waste) > o.wasteLimit {
		m.WasteOmitted = len(m.Waste) - o.wasteLimit
		m.Waste = m.Waste[:o.wasteLimit]
	}
	return m, nil
}

// layerHistory returns the history entry of each layer, or nil when the
// config's non-empty history entries do not line up one-to-one with the
// layers (some builders write no history).
func layerHistory(cfg *v1.ConfigFile, layers int) []v1.History {
	var out []v1.History
	for _, h := range cfg.History {
		if !h.EmptyLayer {
			out = append(out, h)
		}
	}
	if len(out) != layers {
		return nil
	}
	return out
}

func measureLayer(l *oci.Layer, tree *fsTree) (LayerMeasurement, error) {
	lm := LayerMeasurement{Index: l.Index, MediaType: string(l.MediaType)}
	lr, err := l.Open()
	if err != nil {
		return lm, err
	}
	defer lr.Close()
	tr := tar.NewReader(lr)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return lm, fmt.Errorf("reading the tar of layer %d (%s) after %d entries: %w", l.Index, l.Path, lm.Entries, err)
		}
		lm.Entries++
		p := path.Clean("/" + hdr.Name)
		dir, base := path.Dir(p), path.Base(p)
		switch {
		case base == ".wh..wh..opq":
			lm.Whiteouts++
			tree.opaque(dir, l.Index)
		case strings.HasPrefix(base, ".wh..wh."):
			// Other AUFS metadata (.wh..wh.plnk, .wh..wh.aufs): no content.
		case strings.HasPrefix(base, ".wh."):
			lm.Whiteouts++
			tree.whiteout(path.Join(dir, strings.TrimPrefix(base, ".wh.")), l.Index)
		default:
			switch hdr.Typeflag {
			case tar.TypeReg, tar.TypeRegA, tar.TypeGNUSparse: //nolint:staticcheck // TypeRegA still appears in old layers.
				lm.Files++
				lm.FileBytes += Size(hdr.Size)
				tree.put(p, false, true, hdr.Size, l.Index)
			case tar.TypeDir:
				tree.put(p, true, false, 0, l.Index)
			case tar.TypeXGlobalHeader:
				lm.Entries--
			default: // links, devices, fifos: paths without bytes
				tree.put(p, false, false, 0, l.Index)
			}
		}
	}
	st, err := lr.Finish()
	if err != nil {
		return lm, err
	}
	lm.Compression = st.Compression
	lm.Compressed = Size(st.Compressed)
	lm.Uncompressed = Size(st.Uncompressed)
	lm.Digest = st.Digest.String()
	lm.DiffID = st.DiffID.String()
	return lm, nil
}
