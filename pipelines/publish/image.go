package publish

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/stack-ci/stack/pipelines/oci"
)

// Image is an image tarball opened for pushing. V1 is the image as
// go-containerregistry's v1.Image: its manifest and config are in memory,
// and each layer's Compressed() streams the blob from the tarball, so
// pushing it never holds a layer in memory and never extracts anything.
type Image struct {
	// Path is the tarball's path.
	Path string
	// Format is the tarball's layout.
	Format oci.Format
	// Digest is the manifest digest, the one the registry will give the
	// image.
	Digest v1.Hash
	// Platform is e.g. "linux/amd64"; "" when the config names none.
	Platform string
	// Size is the bytes a push sends when the registry has none of the
	// blobs: the distinct layer blobs, the config and the manifest.
	Size int64
	// V1 is the image for go-containerregistry's remote.Write.
	V1 v1.Image

	closer io.Closer
}

// Close releases the tarball.
func (img *Image) Close() error {
	if img.closer == nil {
		return nil
	}
	return img.closer.Close()
}

// OpenImage opens an image tarball, in either format package oci reads:
//
//   - an OCI image layout (what Dagger's Container.AsTarball writes): the
//     manifest, config and layer blobs are pushed exactly as stored, so the
//     image keeps the digest the pipeline checked;
//   - a docker-archive (manifest.json, no OCI manifest): go-containerregistry's
//     tarball package makes a Docker schema 2 manifest for it, compressing
//     uncompressed layers with gzip on the fly (read twice: once to compute
//     the digest, once to push).
//
// A tarball with images for several platforms (a multi-platform index) is
// refused: publishing one is not supported.
func OpenImage(path string) (*Image, error) {
	oimg, err := oci.Open(path)
	if err != nil {
		var perr *oci.PlatformError
		if errors.As(err, &perr) && perr.Want == "" {
			return nil, fmt.Errorf("opening image tarball %q for publishing: it holds images for several platforms (%s); publishing a multi-platform image is not supported: export one platform per tarball", path, strings.Join(perr.Available, ", "))
		}
		return nil, err // oci's errors name the operation and the path
	}
	img := &Image{Path: path, Format: oimg.Format, Platform: oimg.Platform()}
	switch oimg.Format {
	case oci.FormatOCILayout:
		if err := img.fromLayout(oimg); err != nil {
			_ = oimg.Close()
			return nil, fmt.Errorf("opening image tarball %q for publishing: %w", path, err)
		}
		img.closer = oimg
	default:
		// go-containerregistry's tarball package reads docker-archives
		// itself; oci only told the format and the platform.
		if err := oimg.Close(); err != nil {
			return nil, err
		}
		if err := img.fromDockerArchive(path); err != nil {
			return nil, fmt.Errorf("opening image tarball %q for publishing: %w", path, err)
		}
	}
	return img, nil
}

func (img *Image) fromLayout(oimg *oci.Image) error {
	mt := oimg.Manifest.MediaType
	if mt == "" {
		mt = types.OCIManifestSchema1
	}
	if !mt.IsImage() {
		return fmt.Errorf("the manifest %s has media type %q, not an image manifest", oimg.Digest, mt)
	}
	core := &layoutCore{img: oimg, mediaType: mt, layers: map[v1.Hash]*oci.Layer{}}
	img.Size = int64(len(oimg.RawManifest)) + int64(len(oimg.RawConfig))
	for _, l := range oimg.Layers {
		if _, dup := core.layers[l.Digest]; dup {
			continue
		}
		core.layers[l.Digest] = l
		if l.MediaType == "" || l.MediaType.IsDistributable() {
			img.Size += l.Size
		}
	}
	v, err := partial.CompressedToImage(core)
	if err != nil {
		return err
	}
	img.V1, img.Digest = v, oimg.Digest
	return nil
}

func (img *Image) fromDockerArchive(path string) error {
	opener := func() (io.ReadCloser, error) { return os.Open(path) }
	v, err := tarball.Image(opener, nil)
	if err != nil {
		return fmt.Errorf("reading docker-archive: %w", err)
	}
	d, err := v.Digest()
	if err != nil {
		return fmt.Errorf("computing the manifest of docker-archive: %w", err)
	}
	raw, err := v.RawManifest()
	if err != nil {
		return fmt.Errorf("computing the manifest of docker-archive: %w", err)
	}
	m, err := v.Manifest()
	if err != nil {
		return fmt.Errorf("computing the manifest of docker-archive: %w", err)
	}
	img.Size = int64(len(raw)) + m.Config.Size
	seen := map[v1.Hash]bool{}
	for _, l := range m.Layers {
		if !seen[l.Digest] {
			seen[l.Digest] = true
			img.Size += l.Size
		}
	}
	img.V1, img.Digest = v, d
	return nil
}

// layoutCore serves an image of an OCI layout tarball to
// partial.CompressedToImage: metadata from memory, layers streamed.
type layoutCore struct {
	img       *oci.Image
	mediaType types.MediaType
	layers    map[v1.Hash]*oci.Layer
}

// RawManifest returns the manifest as stored, so the digest is kept.
func (c *layoutCore) RawManifest() ([]byte, error) { return c.img.RawManifest, nil }

// RawConfigFile returns the config as stored.
func (c *layoutCore) RawConfigFile() ([]byte, error) { return c.img.RawConfig, nil }

// MediaType returns the manifest's media type.
func (c *layoutCore) MediaType() (types.MediaType, error) { return c.mediaType, nil }

// LayerByDigest returns the layer blob with digest h.
func (c *layoutCore) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	l, ok := c.layers[h]
	if !ok {
		return nil, fmt.Errorf("image %s has no layer %s", c.img.Digest, h)
	}
	return layoutLayer{l}, nil
}

// layoutLayer is one layer blob of an OCI layout tarball.
type layoutLayer struct{ l *oci.Layer }

// Digest returns the blob's digest.
func (l layoutLayer) Digest() (v1.Hash, error) { return l.l.Digest, nil }

// DiffID returns the uncompressed tar's digest, from the config.
func (l layoutLayer) DiffID() (v1.Hash, error) { return l.l.DiffID, nil }

// Compressed streams the blob as stored from the tarball.
func (l layoutLayer) Compressed() (io.ReadCloser, error) { return io.NopCloser(l.l.Compressed()), nil }

// Size returns the blob's size.
func (l layoutLayer) Size() (int64, error) { return l.l.Size, nil }

// MediaType returns the layer's media type from the manifest.
func (l layoutLayer) MediaType() (types.MediaType, error) {
	if l.l.MediaType == "" {
		return types.OCILayer, nil
	}
	return l.l.MediaType, nil
}
