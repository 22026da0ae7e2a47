package oci

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
)

// maxMetadataSize caps the JSON documents (index, manifests, configs) read
// into memory; real ones are a few kilobytes.
const maxMetadataSize = 16 << 20

// entry is one file of the outer tar: where its bytes start in the file and
// how many there are.
type entry struct {
	name   string
	offset int64
	size   int64
}

// tarIndex maps the cleaned names of the regular files of a tar file to
// their position, so that each can later be read through an
// io.SectionReader without reading the rest of the tar again.
type tarIndex struct {
	f       *os.File
	entries map[string]entry
	names   []string // in tar order, for error messages
}

// indexTar reads the headers of the tar file f once, seeking over the file
// contents (archive/tar seeks when the reader is an io.Seeker), and records
// where each regular file's data starts. Symbolic and hard links between
// entries (old `docker save` archives link duplicate layers) are resolved.
func indexTar(f *os.File) (*tarIndex, error) {
	var magic [4]byte
	if _, err := io.ReadFull(f, magic[:]); err == nil {
		if magic[0] == 0x1f && magic[1] == 0x8b {
			return nil, errors.New("the file is gzip-compressed: decompress it first (gunzip), an image tarball is a plain tar")
		}
		if magic == [4]byte{0x28, 0xb5, 0x2f, 0xfd} {
			return nil, errors.New("the file is zstd-compressed: decompress it first (zstd -d), an image tarball is a plain tar")
		}
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("seeking to the start: %w", err)
	}
	idx := &tarIndex{f: f, entries: map[string]entry{}}
	links := map[string]string{} // cleaned link name → cleaned target
	tr := tar.NewReader(f)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading tar headers (after %d entries): %w", len(idx.names), err)
		}
		name := cleanEntryName(hdr.Name)
		if name == "" {
			continue
		}
		switch hdr.Typeflag {
		case tar.TypeReg, tar.TypeRegA: //nolint:staticcheck // TypeRegA still appears in old archives.
			// archive/tar reads headers with io.ReadFull and no buffering, so
			// the file position right after Next is where the data starts.
			off, err := f.Seek(0, io.SeekCurrent)
			if err != nil {
				return nil, fmt.Errorf("locating the data of %q: %w", hdr.Name, err)
			}
			idx.entries[name] = entry{name: name, offset: off, size: hdr.Size}
			idx.names = append(idx.names, name)
		case tar.TypeSymlink:
			target := hdr.Linkname
			if !strings.HasPrefix(target, "/") {
				target = path.Join(path.Dir(name), target)
			}
			links[name] = cleanEntryName(target)
			idx.names = append(idx.names, name)
		case tar.TypeLink:
			links[name] = cleanEntryName(hdr.Linkname)
			idx.names = append(idx.names, name)
		}
	}
	for name, target := range links {
		// Follow a few hops; a cycle or a dangling link is simply not indexed
		// and surfaces later as a missing file.
		for range 8 {
			if e, ok := idx.entries[target]; ok {
				idx.entries[name] = entry{name: name, offset: e.offset, size: e.size}
				break
			}
			next, ok := links[target]
			if !ok {
				break
			}
			target = next
		}
	}
	return idx, nil
}

// cleanEntryName turns "./blobs/sha256/ab", "/index.json" or "blobs//x" into
// the canonical "blobs/sha256/ab", "index.json", "blobs/x"; "" for the root.
func cleanEntryName(name string) string {
	c := path.Clean("/" + name)
	return strings.TrimPrefix(c, "/")
}

// has reports whether the tar holds a regular file of that name.
func (t *tarIndex) has(name string) bool {
	_, ok := t.entries[name]
	return ok
}

// section returns a reader over the bytes of the named file.
func (t *tarIndex) section(name string) (*io.SectionReader, error) {
	e, ok := t.entries[name]
	if !ok {
		return nil, &MissingEntryError{Name: name}
	}
	return io.NewSectionReader(t.f, e.offset, e.size), nil
}

// readAll reads a small file (JSON metadata) whole, refusing anything larger
// than maxMetadataSize.
func (t *tarIndex) readAll(name string) ([]byte, error) {
	sr, err := t.section(name)
	if err != nil {
		return nil, err
	}
	if sr.Size() > maxMetadataSize {
		return nil, fmt.Errorf("reading %q: %d bytes is too large for image metadata (limit %d)", name, sr.Size(), maxMetadataSize)
	}
	b := make([]byte, sr.Size())
	if _, err := io.ReadFull(sr, b); err != nil {
		return nil, fmt.Errorf("reading %q: %w", name, err)
	}
	return b, nil
}

// sample returns up to n entry names, for error messages.
func (t *tarIndex) sample(n int) string {
	names := t.names
	more := ""
	if len(names) > n {
		more = fmt.Sprintf(" and %d more", len(names)-n)
		names = names[:n]
	}
	if len(names) == 0 {
		return "no files"
	}
	return strings.Join(names, ", ") + more
}
