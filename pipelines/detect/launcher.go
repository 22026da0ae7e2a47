package detect

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// nodeMajor reads the Node.js major version of an official node image (node,
// library/node, or a mirror's …/node) from its tag: a number (20-alpine,
// 22.11.0-slim) or an LTS codename (iron-alpine, krypton). Its other tags
// (latest, lts, current, alpine, slim, …) move with the newest releases:
// math.MaxInt. ok is false for any other image, or one pinned by digest
// only: nothing can be read from the reference.
func nodeMajor(ref string) (major int, ok bool) {
	r, err := name.ParseReference(ref)
	if err != nil {
		return 0, false
	}
	repo := r.Context().RepositoryStr()
	if repo != "library/node" && repo != "node" && !strings.HasSuffix(repo, "/node") {
		return 0, false
	}
	tag, isTag := r.(name.Tag)
	if !isTag {
		return 0, false
	}
	t := tag.TagStr()
	word := t
	if i := strings.IndexAny(t, "-.@"); i >= 0 {
		word = t[:i]
	}
	if n, err := strconv.Atoi(word); err == nil {
		return n, true
	}
	if i := slices.Index(ltsCodenames, word); i >= 0 {
		return 4 + 2*i, true
	}
	return math.MaxInt, true
}

// ltsCodenames are the LTS lines from Node 4 (argon) on, every two majors.
var ltsCodenames = []string{"argon", "boron", "carbon", "dubnium", "erbium", "fermium", "gallium", "hydrogen", "iron", "jod", "krypton"}

// ShipsCorepack tells whether a node image is known to ship corepack: the
// official node images did up to Node 24 and stopped with Node 25 (see
// nodeMajor for what is read from the reference). Any other image is
// assumed to ship it.
func ShipsCorepack(ref string) bool {
	major, ok := nodeMajor(ref)
	return !ok || major <= 24
}

// ShipsYarn tells whether a node image is known to ship yarn 1 on its PATH:
// the official node images did up to Node 25 and stopped with Node 26. Any
// other image is assumed to ship it.
func ShipsYarn(ref string) bool {
	major, ok := nodeMajor(ref)
	return !ok || major <= 25
}

// ForImage returns the manager as the image its commands run in can
// launch it: pnpm and yarn berry go through npx instead of corepack when
// the image ships no corepack, and yarn classic through npx (yarn@1) when
// it ships no yarn. The note says so, or is empty when nothing changed.
func (m Manager) ForImage(ref string) (Manager, string) {
	switch {
	case m.Tool == NPM || m.YarnPath != "" || ref == "":
	case m.Launcher == Corepack && !ShipsCorepack(ref):
		m.Launcher = Npx
		return m, fmt.Sprintf("%s runs through npx: %s ships no corepack", m.Name(), ref)
	case m.Launcher == Bundled && !ShipsYarn(ref):
		m.Launcher = Npx
		return m, fmt.Sprintf("%s runs through npx (%s): %s ships no yarn", m.Name(), m.spec(), ref)
	}
	return m, ""
}
