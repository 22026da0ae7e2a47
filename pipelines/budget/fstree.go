package budget

import (
	"cmp"
	"container/heap"
	"path"
	"slices"
	"strings"
)

// fsTree replays the layers of an image, in order, into the final
// filesystem, following the OCI image spec's rules for applying changesets:
// an entry replaces what a lower layer had at its path, a ".wh.<name>"
// whiteout deletes <name> (and everything under it) from the lower layers, a
// ".wh..wh..opq" opaque marker hides everything the lower layers put in its
// directory. Whiteouts apply to lower layers only: what the same layer adds
// stays, whatever the order of the entries in the tar.
//
// It keeps one small node per path, never file contents, so its memory
// grows with the number of paths and not with the image's bytes. Every
// regular-file byte that a later entry hides is recorded as waste, grouped by
// (removal path, kind, layer that added it, layer that removed it).
type fsTree struct {
	root  *node
	waste map[wasteKey]*Waste
	// wasted[i] is the bytes layer i added that are hidden in the end;
	// hides[i] the bytes layer i hid.
	wasted, hides []int64
}

type node struct {
	name     string
	parent   *node
	children map[string]*node // non-nil for directories
	file     bool             // a regular file (size counts)
	size     int64
	layer    int // the layer that last wrote this path
	touched  int // the highest layer that wrote this path or a path below it
}

type wasteKey struct {
	path             string
	kind             WasteKind
	added, removedIn int
}

func newFSTree(layers int) *fsTree {
	return &fsTree{
		root:   &node{children: map[string]*node{}, layer: -1, touched: -1},
		waste:  map[wasteKey]*Waste{},
		wasted: make([]int64, layers),
		hides:  make([]int64, layers),
	}
}

func (n *node) path() string {
	if n.parent == nil {
		return "/"
	}
	var parts []string
	for c := n; c.parent != nil; c = c.parent {
		parts = append(parts, c.name)
	}
	slices.Reverse(parts)
	return "/" + strings.Join(parts, "/")
}

// splitPath turns "/a/b/c" into ["a", "b", "c"].
func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// dir returns the directory node at the given components, creating missing
// directories and replacing non-directories in the way (their bytes are
// waste, as when a layer turns a file into a directory). Every node on the
// way is marked as touched by layer.
func (t *fsTree) dir(parts []string, layer int) *node {
	n := t.root
	n.touched = layer
	for _, p := range parts {
		c := n.children[p]
		if c != nil && c.children == nil {
			t.remove(c, c.path(), Overwritten, layer)
			c = nil
		}
		if c == nil {
			c = &node{name: p, parent: n, children: map[string]*node{}, layer: layer}
			n.children[p] = c
		}
		c.touched = layer
		n = c
	}
	return n
}

// put records a tar entry (file, directory, link, device) at p in layer.
func (t *fsTree) put(p string, isDir, isFile bool, size int64, layer int) {
	parts := splitPath(p)
	if len(parts) == 0 {
		return // the root directory itself
	}
	parent := t.dir(parts[:len(parts)-1], layer)
	name := parts[len(parts)-1]
	if old := parent.children[name]; old != nil {
		if isDir && old.children != nil {
			old.layer, old.touched = layer, layer
			return
		}
		t.remove(old, old.path(), Overwritten, layer)
	}
	n := &node{name: name, parent: parent, file: isFile, layer: layer, touched: layer}
	if isFile {
		n.size = size
	}
	if isDir {
		n.children = map[string]*node{}
	}
	parent.children[name] = n
}

// whiteout applies ".wh.<name>" at p in layer.
func (t *fsTree) whiteout(p string, layer int) {
	n := t.lookup(p)
	if n == nil || n.parent == nil {
		return
	}
	t.prune(n, p, Deleted, layer)
}

// opaque applies ".wh..wh..opq" in directory p in layer.
func (t *fsTree) opaque(p string, layer int) {
	d := t.dir(splitPath(p), layer)
	for _, c := range sortedChildren(d) {
		t.prune(c, p, Opaque, layer)
	}
}

func (t *fsTree) lookup(p string) *node {
	n := t.root
	for _, part := range splitPath(p) {
		if n.children == nil {
			return nil
		}
		if n = n.children[part]; n == nil {
			return nil
		}
	}
	return n
}

// prune removes from n's subtree everything written before layer, keeping
// what layer itself wrote.
func (t *fsTree) prune(n *node, removal string, kind WasteKind, layer int) {
	switch {
	case n.touched < layer:
		t.remove(n, removal, kind, layer)
	case n.children != nil:
		for _, c := range sortedChildren(n) {
			t.prune(c, removal, kind, layer)
		}
	}
}

// remove detaches n and records the bytes of every regular file under it as
// waste of the given kind, removed by layer.
func (t *fsTree) remove(n *node, removal string, kind WasteKind, layer int) {
	delete(n.parent.children, n.name)
	var walk func(*node)
	walk = func(c *node) {
		if c.file {
			k := wasteKey{path: removal, kind: kind, added: c.layer, removedIn: layer}
			w := t.waste[k]
			if w == nil {
				w = &Waste{Path: removal, Kind: kind, AddedIn: c.layer, RemovedIn: layer}
				t.waste[k] = w
			}
			w.Files++
			w.Bytes += Size(c.size)
			t.wasted[c.layer] += c.size
			t.hides[layer] += c.size
		}
		for _, cc := range c.children {
			walk(cc)
		}
	}
	walk(n)
}

func sortedChildren(n *node) []*node {
	out := make([]*node, 0, len(n.children))
	for _, c := range n.children {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b *node) int { return strings.Compare(a.name, b.name) })
	return out
}

// summary walks the final filesystem: its visible bytes and files, the
// topFiles biggest files and the topDirs biggest directories (by cumulative
// size, the root and empty ones excluded).
func (t *fsTree) summary(topFiles, topDirs int) (visible int64, files int, fileTop []FileSize, dirTop []DirSize) {
	ft := &topHeap[FileSize]{limit: topFiles, rank: func(a, b FileSize) int { return rank(a.Size, b.Size, a.Path, b.Path) }}
	dt := &topHeap[DirSize]{limit: topDirs, rank: func(a, b DirSize) int { return rank(a.Size, b.Size, a.Path, b.Path) }}
	var walk func(n *node, p string) (int64, int)
	walk = func(n *node, p string) (int64, int) {
		if n.children == nil {
			if !n.file {
				return 0, 0
			}
			files++
			visible += n.size
			if n.size > 0 {
				ft.offer(FileSize{Path: p, Size: Size(n.size), Layer: n.layer})
			}
			return n.size, 1
		}
		var sum int64
		var count int
		for name, c := range n.children {
			s, k := walk(c, path.Join(p, name))
			sum += s
			count += k
		}
		if n.parent != nil && sum > 0 {
			dt.offer(DirSize{Path: p, Size: Size(sum), Files: count})
		}
		return sum, count
	}
	walk(t.root, "/")
	return visible, files, ft.sorted(), dt.sorted()
}

// rank orders by size, biggest first, then by path: negative when a comes
// first.
func rank(sa, sb Size, pa, pb string) int {
	if c := cmp.Compare(sb, sa); c != 0 {
		return c
	}
	return strings.Compare(pa, pb)
}

// topHeap keeps the limit first-ranked items offered: a heap whose top is
// the last-ranked item kept, the first to go.
type topHeap[T any] struct {
	limit int
	rank  func(a, b T) int
	items []T
}

// Len, Less, Swap, Push and Pop implement heap.Interface; Len counts the
// items.
func (h *topHeap[T]) Len() int { return len(h.items) }

// Less puts the last-ranked item on top.
func (h *topHeap[T]) Less(i, j int) bool { return h.rank(h.items[i], h.items[j]) > 0 }

// Swap swaps two items.
func (h *topHeap[T]) Swap(i, j int) { h.items[i], h.items[j] = h.items[j], h.items[i] }

// Push adds an item.
func (h *topHeap[T]) Push(x any) { h.items = append(h.items, x.(T)) }

// Pop removes the last item.
func (h *topHeap[T]) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}

func (h *topHeap[T]) offer(x T) {
	if h.limit <= 0 {
		return
	}
	if len(h.items) < h.limit {
		heap.Push(h, x)
		return
	}
	if h.rank(x, h.items[0]) < 0 {
		h.items[0] = x
		heap.Fix(h, 0)
	}
}

func (h *topHeap[T]) sorted() []T {
	out := slices.Clone(h.items)
	slices.SortFunc(out, h.rank)
	return out
}
