package budget_test

import (
	"fmt"
	"path"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/stack-ci/stack/pipelines/budget"
	"github.com/stack-ci/stack/pipelines/oci/ocitest"
)

// op is one decoded tar entry of a fuzzed image.
type op struct {
	kind byte // 'f' file, 'd' dir, 'w' whiteout, 'o' opaque, 'l' symlink
	path string
	size int64
}

// decodeOps turns fuzz bytes into layers of entries over a tiny namespace
// (a, b, c up to three deep), so that paths collide often. Each op is three
// bytes: kind (or "next layer"), path, size.
func decodeOps(data []byte) [][]op {
	layers := [][]op{nil}
	names := []string{"a", "b", "c"}
	for i := 0; i+2 < len(data) && len(layers) <= 4; i += 3 {
		kind, p, s := data[i]%6, data[i+1], data[i+2]
		if kind == 5 {
			layers = append(layers, nil)
			continue
		}
		depth := int(p%3) + 1
		rest := int(p / 3)
		var parts []string
		for range depth {
			parts = append(parts, names[rest%3])
			rest /= 3
		}
		o := op{kind: "fdwol"[kind], path: strings.Join(parts, "/"), size: int64(s) * 7}
		if o.kind == 'o' && p%5 == 0 {
			o.path = "" // opaque root
		}
		layers[len(layers)-1] = append(layers[len(layers)-1], o)
	}
	return layers
}

func (o op) entry() ocitest.Entry {
	switch o.kind {
	case 'd':
		return ocitest.Dir(o.path)
	case 'w':
		return ocitest.Whiteout(o.path)
	case 'o':
		return ocitest.Opaque(o.path)
	case 'l':
		return ocitest.Symlink(o.path, "target")
	}
	return ocitest.Entry{Name: o.path, Content: make([]byte, o.size)}
}

// model is a deliberately naive second implementation of the replay: a flat
// map of the non-directory paths and prefix scans, straight from the OCI
// image spec's rules.
type model struct {
	entries        map[string]modelEntry
	wasted, hides  []int64
	visible, files int64
}

type modelEntry struct {
	file  bool
	size  int64
	layer int
}

func under(q, p string) bool { return p == "" || q == p || strings.HasPrefix(q, p+"/") }

func (m *model) drop(q string, layer int) {
	e := m.entries[q]
	if e.file {
		m.wasted[e.layer] += e.size
		m.hides[layer] += e.size
	}
	delete(m.entries, q)
}

// clearAncestors removes non-directories standing where p needs directories.
func (m *model) clearAncestors(p string, layer int) {
	for d := path.Dir(p); d != "." && d != ""; d = path.Dir(d) {
		if _, ok := m.entries[d]; ok {
			m.drop(d, layer)
		}
	}
}

func runModel(layers [][]op) *model {
	m := &model{entries: map[string]modelEntry{}, wasted: make([]int64, len(layers)), hides: make([]int64, len(layers))}
	for l, ops := range layers {
		for _, o := range ops {
			switch o.kind {
			case 'w': // hides what lower layers have at or under the path
				for q, e := range m.entries {
					if under(q, o.path) && e.layer < l {
						m.drop(q, l)
					}
				}
			case 'o': // hides what lower layers have strictly under the directory
				if o.path != "" {
					m.clearAncestors(o.path+"/x", l)
				}
				for q, e := range m.entries {
					if q != o.path && under(q, o.path) && e.layer < l {
						m.drop(q, l)
					}
				}
			case 'd':
				m.clearAncestors(o.path, l)
				if _, ok := m.entries[o.path]; ok {
					m.drop(o.path, l)
				}
			default: // a non-directory replaces whatever is at or under its path
				m.clearAncestors(o.path, l)
				for q := range m.entries {
					if under(q, o.path) {
						m.drop(q, l)
					}
				}
				m.entries[o.path] = modelEntry{file: o.kind == 'f', size: o.size, layer: l}
			}
		}
	}
	for _, e := range m.entries {
		if e.file {
			m.visible += e.size
			m.files++
		}
	}
	return m
}

// FuzzMeasureReplay builds images from fuzzed entries (files, directories,
// symlinks, whiteouts, opaque markers over colliding paths), measures them
// from a docker-archive and compares with the naive model: visible bytes and
// files, and per layer the wasted and hidden bytes. The figures must also
// add up.
func FuzzMeasureReplay(f *testing.F) {
	f.Add([]byte{0, 0, 10, 0, 1, 20, 5, 0, 0, 2, 0, 0, 0, 1, 3})
	f.Add([]byte{0, 4, 1, 0, 13, 2, 5, 0, 0, 3, 1, 0, 0, 4, 9, 5, 0, 0, 1, 4, 0})
	f.Add([]byte{1, 0, 0, 0, 3, 5, 0, 0, 9, 5, 0, 0, 3, 5, 0, 0, 0, 9})
	f.Add([]byte{0, 7, 7, 0, 7, 8, 4, 1, 0, 5, 0, 0, 0, 1, 1, 2, 7, 0})
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		layers := decodeOps(data)
		var tars [][]byte
		for _, ops := range layers {
			var entries []ocitest.Entry
			for _, o := range ops {
				entries = append(entries, o.entry())
			}
			tars = append(tars, ocitest.TarBytes(t, entries...))
		}
		p := filepath.Join(dir, fmt.Sprintf("replay-%d.tar", len(data)))
		ocitest.WriteDockerSave(t, p, v1.Config{}, tars...)
		m, err := budget.MeasureFile(p, budget.WithTop(3, 3))
		if err != nil {
			t.Fatal(err)
		}
		want := runModel(layers)
		if int64(m.VisibleBytes) != want.visible || int64(m.VisibleFiles) != want.files {
			t.Fatalf("visible %d bytes in %d files, model says %d in %d\nlayers: %v", m.VisibleBytes, m.VisibleFiles, want.visible, want.files, layers)
		}
		for i, l := range m.Layers {
			if int64(l.Wasted) != want.wasted[i] || int64(l.Hides) != want.hides[i] {
				t.Fatalf("layer %d wasted %d hides %d, model says %d and %d\nlayers: %v", i, l.Wasted, l.Hides, want.wasted[i], want.hides[i], layers)
			}
		}
		if m.FileBytes != m.VisibleBytes+m.WastedBytes {
			t.Fatalf("FileBytes %d != visible %d + wasted %d", m.FileBytes, m.VisibleBytes, m.WastedBytes)
		}
		var sum budget.Size
		for _, w := range m.Waste {
			sum += w.Bytes
		}
		if m.WasteOmitted == 0 && sum != m.WastedBytes {
			t.Fatalf("waste groups sum to %d, WastedBytes is %d", sum, m.WastedBytes)
		}
	})
}
