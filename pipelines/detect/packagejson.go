package detect

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// PackageJSON is what detection reads of a package.json.
type PackageJSON struct {
	// Name is the package's name.
	Name string `json:"name"`
	// Main is the entry point.
	Main string `json:"main"`
	// PackageManager is the corepack field, e.g. "pnpm@9.12.0+sha512.…".
	PackageManager string `json:"packageManager"`
	// Scripts are the package's scripts.
	Scripts map[string]string `json:"scripts"`
	// Dependencies are the runtime dependencies.
	Dependencies map[string]string `json:"dependencies"`
	// DevDependencies are the build- and test-time dependencies.
	DevDependencies map[string]string `json:"devDependencies"`
	// Workspaces are the workspace globs (an array, or {packages: […]}).
	Workspaces Workspaces `json:"workspaces"`
}

// Workspaces are workspace globs, read from either form npm and yarn
// accept.
type Workspaces []string

// UnmarshalJSON reads ["apps/*"] or {"packages": ["apps/*"]}.
func (w *Workspaces) UnmarshalJSON(b []byte) error {
	var list []string
	if err := json.Unmarshal(b, &list); err == nil {
		*w = list
		return nil
	}
	var obj struct {
		Packages []string `json:"packages"`
	}
	if err := json.Unmarshal(b, &obj); err != nil {
		return fmt.Errorf("reading workspaces: want a list of globs or {\"packages\": [...]}")
	}
	*w = obj.Packages
	return nil
}

// ParsePackageJSON reads a package.json; file names it in errors.
func ParsePackageJSON(file string, data []byte) (*PackageJSON, error) {
	var p PackageJSON
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("reading %s: %w", file, err)
	}
	return &p, nil
}

// readPackageJSON reads dir/package.json, nil when there is none.
func readPackageJSON(src Source, dir string) (*PackageJSON, error) {
	name := join(dir, "package.json")
	b, ok, err := readFile(src, name)
	if err != nil || !ok {
		return nil, err
	}
	return ParsePackageJSON(name, b)
}

// has reports whether the package depends on name at run time (runtime) or
// at all.
func (p *PackageJSON) has(name string, runtimeOnly bool) bool {
	if _, ok := p.Dependencies[name]; ok {
		return true
	}
	if runtimeOnly {
		return false
	}
	_, ok := p.DevDependencies[name]
	return ok
}

// firstDep returns the first of names the package depends on.
func (p *PackageJSON) firstDep(names []string, runtimeOnly bool) string {
	for _, n := range names {
		if p.has(n, runtimeOnly) {
			return n
		}
	}
	return ""
}

// scriptNames returns the script names, sorted.
func (p *PackageJSON) scriptNames() []string { return slices.Sorted(maps.Keys(p.Scripts)) }

// PackageManagerField is the parsed packageManager field of package.json.
type PackageManagerField struct {
	// Name is npm, yarn or pnpm.
	Name string
	// Version is the exact version, e.g. "9.12.0".
	Version string
	// Hash is the integrity hash after "+", e.g. "sha512.abc…", or "".
	Hash string
}

// semverRE is an exact semantic version, as corepack requires.
var semverRE = regexp.MustCompile(`^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?$`)

// hashRE is corepack's ALGORITHM.DIGEST.
var hashRE = regexp.MustCompile(`^[a-z0-9]+\.[0-9A-Za-z+/=_-]+$`)

// ParsePackageManagerField reads "pnpm@9.12.0", "yarn@1.22.22" or
// "npm@10.9.0", with an optional "+sha512.…" hash.
func ParsePackageManagerField(s string) (PackageManagerField, error) {
	name, rest, ok := strings.Cut(strings.TrimSpace(s), "@")
	version, hash, _ := strings.Cut(rest, "+")
	switch {
	case !ok || !semverRE.MatchString(version):
		return PackageManagerField{}, fmt.Errorf("reading packageManager %q: want NAME@VERSION with an exact version, e.g. \"pnpm@9.12.0\"", s)
	case name != "npm" && name != "yarn" && name != "pnpm":
		return PackageManagerField{}, fmt.Errorf("reading packageManager %q: %q is not npm, yarn or pnpm", s, name)
	case strings.Contains(rest, "+") && !hashRE.MatchString(hash):
		return PackageManagerField{}, fmt.Errorf("reading packageManager %q: the hash after '+' should be ALGORITHM.HEX, e.g. sha512.0123…", s)
	}
	return PackageManagerField{Name: name, Version: version, Hash: hash}, nil
}

// major returns the major version number of a version.
func major(v string) int {
	n := 0
	for _, c := range v {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
		if n > 1e6 {
			break
		}
	}
	return n
}

// String writes the field back: name@version(+hash).
func (f PackageManagerField) String() string {
	s := f.Name + "@" + f.Version
	if f.Hash != "" {
		s += "+" + f.Hash
	}
	return s
}
