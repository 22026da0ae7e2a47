package detect

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// Source is a read-only view of the application's source tree. Paths are
// slash-separated and relative to the source root ("." is the root). ci/
// implements it over a *dagger.Directory (Entries and File.Contents); tests
// use Files.
type Source interface {
	// ReadFile returns a file's contents, or an error wrapping
	// fs.ErrNotExist when there is no such file.
	ReadFile(name string) ([]byte, error)
	// ReadDir returns the names of a directory's entries, sorted,
	// directories with a trailing "/" (as Dagger's Directory.Entries writes
	// them), or an error wrapping fs.ErrNotExist.
	ReadDir(name string) ([]string, error)
}

// Files is a Source held in memory: file path → contents. Directories are
// implied by the paths.
type Files map[string]string

// ReadFile returns the contents of name.
func (f Files) ReadFile(name string) ([]byte, error) {
	if s, ok := f[clean(name)]; ok {
		return []byte(s), nil
	}
	return nil, fmt.Errorf("reading %s: %w", name, fs.ErrNotExist)
}

// ReadDir lists the files and directories directly under name.
func (f Files) ReadDir(name string) ([]string, error) {
	dir := clean(name)
	prefix := dir + "/"
	if dir == "." {
		prefix = ""
	}
	seen := map[string]bool{}
	for p := range f {
		rest, ok := strings.CutPrefix(p, prefix)
		if !ok || rest == "" {
			continue
		}
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			seen[rest[:i+1]] = true
		} else {
			seen[rest] = true
		}
	}
	if len(seen) == 0 && dir != "." {
		return nil, fmt.Errorf("listing %s: %w", name, fs.ErrNotExist)
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	slices.Sort(out)
	return out, nil
}

// FS returns a Source reading fsys (os.DirFS(root) for a folder on disk).
func FS(fsys fs.FS) Source { return fsSource{fsys} }

type fsSource struct{ fsys fs.FS }

func (s fsSource) ReadFile(name string) ([]byte, error) { return fs.ReadFile(s.fsys, clean(name)) }

func (s fsSource) ReadDir(name string) ([]string, error) {
	entries, err := fs.ReadDir(s.fsys, clean(name))
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(entries))
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() {
			n += "/"
		}
		out = append(out, n)
	}
	return out, nil
}

func clean(p string) string {
	p = path.Clean(strings.TrimPrefix(p, "/"))
	if p == "" {
		return "."
	}
	return p
}

// maxRead bounds what is read of one file: manifests and lockfile headers
// are small; a huge file is someone else's problem.
const maxRead = 4 << 20

// readFile returns a file's contents, ok=false when it does not exist.
func readFile(src Source, name string) ([]byte, bool, error) {
	b, err := src.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("reading %s: %w", name, err)
	}
	if len(b) > maxRead {
		b = b[:maxRead]
	}
	return b, true, nil
}

// exists reports whether a file exists.
func exists(src Source, name string) (bool, error) {
	dir, base := path.Split(clean(name))
	entries, err := src.ReadDir(clean(dir))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("listing %s: %w", clean(dir), err)
	}
	return slices.Contains(entries, base), nil
}

// join joins a folder and a name into a source path.
func join(dir, name string) string { return clean(path.Join(dir, name)) }
