// Package oci opens a container image stored in a tar file without
// extracting it.
//
// Two tarball formats are read, and told apart by their contents:
//
//   - an OCI image layout in a tar (oci-layout, index.json, blobs/sha256/…):
//     what Dagger's Container.AsTarball, BuildKit's oci/docker exporters and
//     `docker save` since Docker 25 write. When a tarball holds both
//     index.json and manifest.json (BuildKit's docker exporter, Docker 25+),
//     the OCI index is used.
//   - a docker-archive (manifest.json listing the config and layer files):
//     what older `docker save` and go-containerregistry's pkg/v1/tarball
//     write.
//
// Open reads the tar headers once, seeking over the file contents, and keeps
// only where each member starts. The index, manifest and config are then read
// into memory (they are small); layers are never held in memory: a Layer is
// streamed from the tar file through an io.SectionReader, decompressed on the
// fly (gzip, zstd or none, told by the blob's first bytes rather than by its
// media type) and its digests checked as it is read (see Layer.Open).
//
// An index with one image manifest is the normal case. When the tarball
// holds images for several platforms, WithPlatform chooses one; attestation
// manifests (BuildKit provenance/SBOM, platform unknown/unknown) are never
// candidates.
package oci

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"regexp"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Format names the layout of an image tarball.
type Format string

const (
	// FormatOCILayout is an OCI image layout (index.json, blobs/) in a tar.
	FormatOCILayout Format = "oci-layout"
	// FormatDockerArchive is a `docker save` archive described by manifest.json.
	FormatDockerArchive Format = "docker-archive"
)

// Option configures Open.
type Option func(*options)

type options struct {
	platform *v1.Platform
}

// WithPlatform chooses the image for platform p when the tarball holds
// several. Fields left empty in p match anything (go-containerregistry's
// Platform.Satisfies), so {OS: "linux", Architecture: "arm64"} matches
// linux/arm64/v8. When given, the chosen image must match p even if it is the
// only one.
func WithPlatform(p v1.Platform) Option {
	return func(o *options) { o.platform = &p }
}

// Image is one image of a tarball: its metadata, in memory, and its layers,
// to be streamed from the file. Close releases the file.
type Image struct {
	// Path is the tarball's path as given to Open.
	Path string
	// Format is the tarball's layout.
	Format Format
	// Digest is the digest of the image manifest; zero for a docker-archive,
	// which has no manifest.
	Digest v1.Hash
	// RawManifest is the manifest as stored; nil for a docker-archive.
	RawManifest []byte
	// Manifest is the parsed manifest; nil for a docker-archive.
	Manifest *v1.Manifest
	// ConfigDigest is the sha256 of RawConfig (the image ID).
	ConfigDigest v1.Hash
	// RawConfig is the config as stored.
	RawConfig []byte
	// Config is the parsed config: user, env, ports, history, rootfs.
	Config *v1.ConfigFile
	// Layers are in application order, base first.
	Layers []*Layer

	f *os.File
}

// Platform returns the image's platform from its config, e.g. linux/amd64,
// or "" when the config names none.
func (img *Image) Platform() string {
	if p := img.Config.Platform(); p != nil {
		return p.String()
	}
	return ""
}

// Close closes the tarball. Layers cannot be opened afterwards.
func (img *Image) Close() error {
	if err := img.f.Close(); err != nil {
		return fmt.Errorf("closing image tarball %q: %w", img.Path, err)
	}
	return nil
}

// Open opens the image tarball at path (OCI layout or docker-archive, see the
// package doc) and reads its metadata. The caller must Close the image.
func Open(path string, opts ...Option) (*Image, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening image tarball: %w", err)
	}
	img, err := open(f, o)
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("opening image tarball %q: %w", path, err)
	}
	img.Path = path
	img.f = f
	return img, nil
}

func open(f *os.File, o options) (*Image, error) {
	idx, err := indexTar(f)
	if err != nil {
		return nil, err
	}
	switch {
	case idx.has("index.json"):
		return openLayout(idx, o)
	case idx.has("manifest.json"):
		return openDockerArchive(idx, o)
	default:
		return nil, fmt.Errorf("neither an OCI image layout (no index.json) nor a docker-archive (no manifest.json); the tar holds %s", idx.sample(8))
	}
}

// candidate is one image manifest found in the tarball.
type candidate struct {
	key      string // manifest digest, or config path for a docker-archive
	platform *v1.Platform
	load     func() (*Image, error)
}

// choose picks the candidate the options ask for.
func choose(cands []candidate, o options) (candidate, error) {
	var avail []string
	for _, c := range cands {
		avail = append(avail, platformString(c.platform))
	}
	if len(cands) == 0 {
		return candidate{}, errors.New("the tarball holds no image manifest")
	}
	if o.platform == nil {
		if len(cands) == 1 {
			return cands[0], nil
		}
		return candidate{}, &PlatformError{Available: avail}
	}
	var match []candidate
	for _, c := range cands {
		if c.platform != nil && c.platform.Satisfies(*o.platform) {
			match = append(match, c)
		}
	}
	switch len(match) {
	case 0:
		return candidate{}, &PlatformError{Want: o.platform.String(), Available: avail}
	case 1:
		return match[0], nil
	default:
		var keys []string
		for _, c := range match {
			keys = append(keys, c.key)
		}
		return candidate{}, fmt.Errorf("%d images match platform %q (%s): give a more precise platform (variant, os.version)", len(match), o.platform.String(), strings.Join(keys, ", "))
	}
}

func platformString(p *v1.Platform) string {
	if p == nil || p.String() == "" {
		return "unknown"
	}
	return p.String()
}

// maxIndexDepth bounds nested indexes (index.json → index → manifest).
const maxIndexDepth = 4

func openLayout(idx *tarIndex, o options) (*Image, error) {
	raw, err := idx.readAll("index.json")
	if err != nil {
		return nil, err
	}
	var cands []candidate
	seen := map[string]bool{}
	var walk func(raw []byte, where string, depth int) error
	walk = func(raw []byte, where string, depth int) error {
		var im v1.IndexManifest
		if err := json.Unmarshal(raw, &im); err != nil {
			return fmt.Errorf("parsing %s: %w", where, err)
		}
		for _, d := range im.Manifests {
			mt := d.MediaType
			if mt == "" {
				// Some writers omit the media type: sniff the blob.
				b, err := readBlob(idx, d)
				if err != nil {
					return fmt.Errorf("reading a manifest listed in %s: %w", where, err)
				}
				mt = sniffMediaType(b)
			}
			switch {
			case mt.IsIndex():
				if depth >= maxIndexDepth {
					return fmt.Errorf("indexes nested deeper than %d levels at %s", maxIndexDepth, d.Digest)
				}
				b, err := readBlob(idx, d)
				if err != nil {
					return fmt.Errorf("reading the index %s listed in %s: %w", d.Digest, where, err)
				}
				if err := walk(b, "index "+d.Digest.String(), depth+1); err != nil {
					return err
				}
			case mt.IsImage():
				if d.Annotations["vnd.docker.reference.type"] == "attestation-manifest" {
					continue
				}
				if seen[d.Digest.String()] {
					continue // the same image listed twice, e.g. under two ref names
				}
				seen[d.Digest.String()] = true
				desc := d
				c := candidate{key: d.Digest.String(), platform: d.Platform}
				c.load = func() (*Image, error) { return loadLayoutImage(idx, desc) }
				cands = append(cands, c)
			}
		}
		return nil
	}
	if err := walk(raw, "index.json", 0); err != nil {
		return nil, err
	}
	// Descriptors without a platform: read it from the image config, but only
	// when it matters for the choice.
	if len(cands) > 1 || o.platform != nil {
		for i := range cands {
			if cands[i].platform != nil {
				continue
			}
			img, err := cands[i].load()
			if err != nil {
				return nil, err
			}
			cands[i].platform = img.Config.Platform()
		}
	}
	c, err := choose(cands, o)
	if err != nil {
		return nil, err
	}
	return c.load()
}

// sniffMediaType guesses whether a JSON blob without a declared media type is
// an index or an image manifest.
func sniffMediaType(b []byte) types.MediaType {
	var probe struct {
		MediaType types.MediaType `json:"mediaType"`
		Manifests json.RawMessage `json:"manifests"`
		Layers    json.RawMessage `json:"layers"`
	}
	if json.Unmarshal(b, &probe) != nil {
		return ""
	}
	switch {
	case probe.MediaType != "":
		return probe.MediaType
	case probe.Manifests != nil:
		return types.OCIImageIndex
	case probe.Layers != nil:
		return types.OCIManifestSchema1
	}
	return ""
}

func loadLayoutImage(idx *tarIndex, d v1.Descriptor) (*Image, error) {
	rawManifest, err := readBlob(idx, d)
	if err != nil {
		return nil, fmt.Errorf("reading manifest: %w", err)
	}
	m, err := v1.ParseManifest(bytes.NewReader(rawManifest))
	if err != nil {
		return nil, fmt.Errorf("parsing manifest %s: %w", d.Digest, err)
	}
	rawConfig, err := readBlob(idx, m.Config)
	if err != nil {
		return nil, fmt.Errorf("reading config of manifest %s: %w", d.Digest, err)
	}
	cfg, err := v1.ParseConfigFile(bytes.NewReader(rawConfig))
	if err != nil {
		return nil, fmt.Errorf("parsing config %s: %w", m.Config.Digest, err)
	}
	if len(cfg.RootFS.DiffIDs) != len(m.Layers) {
		return nil, fmt.Errorf("manifest %s lists %d layers but its config lists %d diff_ids", d.Digest, len(m.Layers), len(cfg.RootFS.DiffIDs))
	}
	img := &Image{
		Format:       FormatOCILayout,
		Digest:       d.Digest,
		RawManifest:  rawManifest,
		Manifest:     m,
		ConfigDigest: m.Config.Digest,
		RawConfig:    rawConfig,
		Config:       cfg,
	}
	for i, ld := range m.Layers {
		name, err := blobPath(ld.Digest)
		if err != nil {
			return nil, fmt.Errorf("layer %d: %w", i, err)
		}
		sr, err := idx.section(name)
		if err != nil {
			return nil, fmt.Errorf("layer %d (%s): %w", i, ld.MediaType, err)
		}
		if sr.Size() != ld.Size {
			return nil, fmt.Errorf("layer %d blob %q is %d bytes, the manifest says %d", i, name, sr.Size(), ld.Size)
		}
		img.Layers = append(img.Layers, &Layer{
			Index:     i,
			Path:      name,
			Digest:    ld.Digest,
			DiffID:    cfg.RootFS.DiffIDs[i],
			MediaType: ld.MediaType,
			Size:      ld.Size,
			sr:        sr,
		})
	}
	return img, nil
}

// blobPath is where an OCI layout keeps the blob with digest h.
func blobPath(h v1.Hash) (string, error) {
	if h.Algorithm != "sha256" || len(h.Hex) != 64 {
		return "", fmt.Errorf("unsupported digest %q: only sha256 is supported", h.String())
	}
	return path.Join("blobs", h.Algorithm, h.Hex), nil
}

// readBlob reads a small blob (index, manifest, config) whole and checks its
// size and digest against the descriptor.
func readBlob(idx *tarIndex, d v1.Descriptor) ([]byte, error) {
	name, err := blobPath(d.Digest)
	if err != nil {
		return nil, err
	}
	b, err := idx.readAll(name)
	if err != nil {
		return nil, err
	}
	if d.Size != 0 && int64(len(b)) != d.Size {
		return nil, fmt.Errorf("blob %q is %d bytes, its descriptor says %d", name, len(b), d.Size)
	}
	if got := sha256Hash(b); got != d.Digest {
		return nil, &DigestMismatchError{What: "blob " + name, Want: d.Digest, Got: got}
	}
	return b, nil
}

func sha256Hash(b []byte) v1.Hash {
	sum := sha256.Sum256(b)
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(sum[:])}
}

// digestInName recognises the digest that writers put in member names:
// "blobs/sha256/<hex>" (OCI, Docker 25+), "<hex>.tar.gz" (go-containerregistry),
// "sha256:<hex>", "<hex>.json" (configs).
var digestInName = regexp.MustCompile(`(?:^|/)(?:sha256[:/])?([0-9a-f]{64})(?:\.tar|\.tar\.gz|\.tgz|\.tar\.zst|\.json)?$`)

func nameDigest(name string) (v1.Hash, bool) {
	m := digestInName.FindStringSubmatch(name)
	if m == nil {
		return v1.Hash{}, false
	}
	return v1.Hash{Algorithm: "sha256", Hex: m[1]}, true
}

func openDockerArchive(idx *tarIndex, o options) (*Image, error) {
	raw, err := idx.readAll("manifest.json")
	if err != nil {
		return nil, err
	}
	var m tarball.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("parsing manifest.json: %w", err)
	}
	var cands []candidate
	for i := range m {
		desc := m[i]
		c := candidate{key: desc.Config}
		c.load = func() (*Image, error) { return loadArchiveImage(idx, desc) }
		if len(m) > 1 || o.platform != nil {
			img, err := c.load()
			if err != nil {
				return nil, err
			}
			c.platform = img.Config.Platform()
		}
		cands = append(cands, c)
	}
	c, err := choose(cands, o)
	if err != nil {
		return nil, err
	}
	return c.load()
}

func loadArchiveImage(idx *tarIndex, d tarball.Descriptor) (*Image, error) {
	configName := cleanEntryName(d.Config)
	rawConfig, err := idx.readAll(configName)
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	configDigest := sha256Hash(rawConfig)
	if want, ok := nameDigest(configName); ok && want != configDigest {
		return nil, &DigestMismatchError{What: "config " + configName, Want: want, Got: configDigest}
	}
	cfg, err := v1.ParseConfigFile(bytes.NewReader(rawConfig))
	if err != nil {
		return nil, fmt.Errorf("parsing config %q: %w", configName, err)
	}
	if len(cfg.RootFS.DiffIDs) != len(d.Layers) {
		return nil, fmt.Errorf("manifest.json lists %d layers but config %q lists %d diff_ids", len(d.Layers), configName, len(cfg.RootFS.DiffIDs))
	}
	img := &Image{
		Format:       FormatDockerArchive,
		ConfigDigest: configDigest,
		RawConfig:    rawConfig,
		Config:       cfg,
	}
	for i, l := range d.Layers {
		name := cleanEntryName(l)
		sr, err := idx.section(name)
		if err != nil {
			return nil, fmt.Errorf("layer %d: %w", i, err)
		}
		digest, _ := nameDigest(name)
		img.Layers = append(img.Layers, &Layer{
			Index:  i,
			Path:   name,
			Digest: digest,
			DiffID: cfg.RootFS.DiffIDs[i],
			Size:   sr.Size(),
			sr:     sr,
		})
	}
	return img, nil
}
