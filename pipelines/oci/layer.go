package oci

import (
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/klauspost/compress/zstd"
)

// Compression is how a layer blob is stored.
type Compression string

const (
	// Uncompressed is a plain tar (docker save before Docker 25).
	Uncompressed Compression = "none"
	// Gzip is a gzip-compressed tar, the default of every builder.
	Gzip Compression = "gzip"
	// Zstd is a zstd-compressed tar.
	Zstd Compression = "zstd"
)

// Layer is one layer of an Image, streamed from the tarball on demand.
type Layer struct {
	// Index is the layer's position, 0 for the base layer.
	Index int
	// Path is the member of the tarball that holds the blob.
	Path string
	// Digest is the digest of the blob as stored. It is zero for a
	// docker-archive member whose name carries no digest; LayerStats.Digest
	// then gives the digest computed while reading.
	Digest v1.Hash
	// DiffID is the digest of the uncompressed tar, from the image config.
	DiffID v1.Hash
	// MediaType is the media type the manifest gives; empty for a
	// docker-archive. Decompression goes by the blob's bytes, not by this.
	MediaType types.MediaType
	// Size is the size of the blob as stored, in bytes.
	Size int64

	sr *io.SectionReader
}

// Compressed returns a fresh reader over the blob as stored.
func (l *Layer) Compressed() io.Reader {
	return io.NewSectionReader(l.sr, 0, l.sr.Size())
}

// LayerStats are the figures of a layer that has been read to its end.
type LayerStats struct {
	// Compression is how the blob is stored.
	Compression Compression
	// Compressed is the number of bytes of the blob as stored.
	Compressed int64
	// Uncompressed is the number of bytes of the uncompressed tar.
	Uncompressed int64
	// Digest is the sha256 of the blob as stored.
	Digest v1.Hash
	// DiffID is the sha256 of the uncompressed tar.
	DiffID v1.Hash
}

// LayerReader streams one layer's uncompressed tar. Read it (with
// archive/tar, say), then call Finish to read what is left, check the digests
// and get the figures. Memory use does not depend on the layer's size.
type LayerReader struct {
	layer *Layer
	comp  Compression
	raw   io.Reader // the blob as stored, read through stored

	stored  countingHash // the blob as stored
	tarSide countingHash // the uncompressed tar
	dec     io.Reader
	closer  func()
	done    bool
}

// countingHash counts and hashes what goes through it.
type countingHash struct {
	n int64
	h hash.Hash
}

// Write counts and hashes p.
func (c *countingHash) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return c.h.Write(p)
}

func (c *countingHash) sum() v1.Hash {
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(c.h.Sum(nil))}
}

// Open starts streaming the layer. The blob is read once, in 64 KiB chunks;
// its compression is told by its first bytes.
func (l *Layer) Open() (*LayerReader, error) {
	lr := &LayerReader{
		layer:   l,
		stored:  countingHash{h: sha256.New()},
		tarSide: countingHash{h: sha256.New()},
	}
	lr.raw = l.Compressed()
	br := bufio.NewReaderSize(io.TeeReader(lr.raw, &lr.stored), 64<<10)
	magic, err := br.Peek(4)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("reading layer %d (%s): %w", l.Index, l.Path, err)
	}
	switch {
	case len(magic) >= 2 && magic[0] == 0x1f && magic[1] == 0x8b:
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("opening gzip stream of layer %d (%s): %w", l.Index, l.Path, err)
		}
		lr.comp, lr.dec, lr.closer = Gzip, zr, func() { _ = zr.Close() }
	case len(magic) == 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd:
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true))
		if err != nil {
			return nil, fmt.Errorf("opening zstd stream of layer %d (%s): %w", l.Index, l.Path, err)
		}
		lr.comp, lr.dec, lr.closer = Zstd, zr, zr.Close
	default:
		lr.comp, lr.dec, lr.closer = Uncompressed, br, func() {}
	}
	lr.dec = io.TeeReader(lr.dec, &lr.tarSide)
	return lr, nil
}

// Read reads the uncompressed tar.
func (r *LayerReader) Read(p []byte) (int, error) {
	n, err := r.dec.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		err = fmt.Errorf("decompressing layer %d (%s, %s): %w", r.layer.Index, r.layer.Path, r.comp, err)
	}
	return n, err
}

// Close releases the decompressor without reading further or checking
// anything, for a reader abandoned on an error. It is a no-op after Finish.
func (r *LayerReader) Close() error {
	if !r.done {
		r.done = true
		r.closer()
	}
	return nil
}

// Finish reads the rest of the layer (the tar's end padding, the compressed
// stream's trailer), releases the decompressor and checks that the blob
// matches the digest of the manifest and the tar matches the config's
// diff_id; a mismatch is a *DigestMismatchError.
func (r *LayerReader) Finish() (LayerStats, error) {
	if r.done {
		return LayerStats{}, fmt.Errorf("finishing layer %d (%s): already finished", r.layer.Index, r.layer.Path)
	}
	r.done = true
	defer r.closer()
	l := r.layer
	if _, err := io.Copy(io.Discard, r); err != nil {
		return LayerStats{}, fmt.Errorf("reading layer %d (%s) to its end: %w", l.Index, l.Path, err)
	}
	// Whatever follows the compressed stream is part of the blob too.
	if _, err := io.Copy(&r.stored, r.raw); err != nil {
		return LayerStats{}, fmt.Errorf("reading layer %d (%s) to its end: %w", l.Index, l.Path, err)
	}
	st := LayerStats{
		Compression:  r.comp,
		Compressed:   r.stored.n,
		Uncompressed: r.tarSide.n,
		Digest:       r.stored.sum(),
		DiffID:       r.tarSide.sum(),
	}
	what := fmt.Sprintf("layer %d (%s)", l.Index, l.Path)
	if l.Digest != (v1.Hash{}) && st.Digest != l.Digest {
		return st, &DigestMismatchError{What: what + " as stored", Want: l.Digest, Got: st.Digest}
	}
	if st.DiffID != l.DiffID {
		return st, &DigestMismatchError{What: what + " uncompressed", Want: l.DiffID, Got: st.DiffID}
	}
	return st, nil
}
