package detect

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// ShipsCorepack tells whether a node image is known to ship corepack: the
// official node images did up to Node 24 and stopped with Node 25. It
// reads the reference only. An official node image (node, library/node, or
// a mirror's …/node) ships corepack when its tag names Node 24 or older by
// number (20-alpine, 22.11.0-slim) or by LTS codename (iron-alpine,
// krypton); its other tags (latest, lts, current, alpine, slim, …) move
// with the newest releases, which ship none. Any other image, and an image
// pinned by digest only, is assumed to ship it.
func ShipsCorepack(ref string) bool {
	r, err := name.ParseReference(ref)
	if err != nil {
		return true
	}
	repo := r.Context().RepositoryStr()
	if repo != "library/node" && repo != "node" && !strings.HasSuffix(repo, "/node") {
		return true
	}
	tag, ok := r.(name.Tag)
	if !ok {
		return true
	}
	t := tag.TagStr()
	word := t
	if i := strings.IndexAny(t, "-.@"); i >= 0 {
		word = t[:i]
	}
	if major, err := strconv.Atoi(word); err == nil {
		return major <= 24
	}
	return slices.Contains(ltsCodenames, word)
}

// ltsCodenames are the LTS lines up to Node 24, the last with corepack.
var ltsCodenames = []string{"argon", "boron", "carbon", "dubnium", "erbium", "fermium", "gallium", "hydrogen", "iron", "jod", "krypton"}

// ForImages returns the manager as the images its commands run in can
// launch it: pnpm and yarn berry go through npx instead of corepack when
// one of them ships no corepack (see ShipsCorepack). The note says so, or
// is empty when nothing changed.
func (m Manager) ForImages(refs ...string) (Manager, string) {
	if m.Launcher != Corepack || m.Tool == NPM || m.YarnPath != "" {
		return m, ""
	}
	for _, ref := range refs {
		if ref != "" && !ShipsCorepack(ref) {
			m.Launcher = Npx
			return m, fmt.Sprintf("%s runs through npx: %s ships no corepack", m.Name(), ref)
		}
	}
	return m, ""
}
