package detect

import (
	"bytes"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"

	"github.com/stack-ci/stack/pipelines/config"
)

// Tool is a package manager.
type Tool string

// The package managers.
const (
	NPM  Tool = "npm"
	Yarn Tool = "yarn"
	PNPM Tool = "pnpm"
)

// Launcher is how a package manager other than npm is obtained in an image
// that has only node (and what node ships: npm and, up to Node 24,
// corepack).
type Launcher string

// The launchers.
const (
	// Corepack runs `corepack pnpm@9.12.0 …`: corepack downloads the exact
	// version into COREPACK_HOME (a cache) and runs it, without `corepack
	// enable`, which needs write access to node's bin directory. The node
	// images ship corepack (and yarn 1 on the PATH, which is not relied on).
	// Old corepack releases (before 0.31) fail to verify npm's rotated
	// signing keys, and a registry mirror that strips signatures fails
	// every release: use a newer node image, or set
	// COREPACK_INTEGRITY_KEYS=0 in the image's build_env.
	Corepack Launcher = "corepack"
	// Npx runs `npx --yes pnpm@9.12.0 …`, fetched with npm: for node images
	// without corepack (Node 25 and later; see ShipsCorepack), or, for yarn
	// classic, without yarn (Node 26 and later; see ShipsYarn).
	Npx Launcher = "npx"
	// Bundled runs the tool the node image itself ships on its PATH: yarn
	// 1.22 is in the official node images up to Node 25, so yarn classic
	// needs no download at all (nor a working corepack). It is the default
	// for yarn classic (npx on images without yarn; see ShipsYarn); it
	// cannot pin a version.
	Bundled Launcher = "bundled"
)

// Manager is the package manager of one folder, with the exact commands to
// run it. Commands are argument lists, run without a shell, in the folder
// holding the lockfile (Root).
type Manager struct {
	// Tool is npm, yarn or pnpm.
	Tool Tool
	// Berry is yarn 2 or later (Tool yarn): a lockfile with __metadata.
	Berry bool
	// Version is the exact version from package.json's packageManager
	// field, "" when it is not pinned.
	Version string
	// Hash is the packageManager field's integrity hash, "" when none.
	Hash string
	// Major is the major version the commands use when Version is "",
	// read from the lockfile's format (pnpm 9 for lockfileVersion 9.0…).
	Major int
	// Lockfile is the lockfile's path from the source root.
	Lockfile string
	// Root is the folder holding the lockfile: the image's own folder, or a
	// workspace root above it. Install there.
	Root string
	// YarnPath is .yarnrc.yml's yarnPath (yarn berry's committed release),
	// relative to Root: node runs it, no launcher needed.
	YarnPath string
	// PnP is yarn berry's Plug'n'Play linker (no node_modules): the runtime
	// needs .pnp.cjs and .yarn/ besides the app.
	PnP bool
	// Launcher obtains yarn or pnpm. Default Corepack.
	Launcher Launcher
	// Why explains the choice, for `dagger call config`.
	Why string
	// Warnings are things the recipe should know (PnP, yarn 2/3 focus).
	Warnings []string
}

// Name names the manager for people: "npm", "yarn classic", "yarn berry",
// "pnpm", with the version when pinned.
func (m Manager) Name() string {
	n := string(m.Tool)
	if m.Tool == Yarn {
		n = "yarn classic"
		if m.Berry {
			n = "yarn berry"
		}
	}
	if m.Version != "" {
		n += " " + m.Version
	}
	return n
}

// spec is what the launcher is asked for: tool@version, or tool@major.
func (m Manager) spec() string {
	switch {
	case m.Version != "":
		return string(m.Tool) + "@" + m.Version
	case m.Major > 0:
		return string(m.Tool) + "@" + strconv.Itoa(m.Major)
	}
	return string(m.Tool)
}

// Command returns the command line that runs the manager with args:
// ["npm", args…], ["corepack", "pnpm@9.12.0", args…], ["npx", "--yes",
// "pnpm@9", args…] or, for yarn berry with a committed release, ["node",
// ".yarn/releases/yarn-4.5.0.cjs", args…].
func (m Manager) Command(args ...string) []string {
	var head []string
	switch {
	case m.Tool == NPM:
		head = []string{"npm"}
	case m.YarnPath != "":
		head = []string{"node", m.YarnPath}
	case m.Launcher == Npx:
		head = []string{"npx", "--yes", m.spec()}
	case m.Launcher == Bundled:
		head = []string{string(m.Tool)}
	default:
		head = []string{"corepack", m.spec()}
	}
	return append(head, args...)
}

// Install returns the frozen install of every dependency: `npm ci`, `yarn
// install --frozen-lockfile` (classic), `yarn install --immutable` (berry),
// `pnpm install --frozen-lockfile`. It fails when package.json and the
// lockfile disagree, instead of rewriting the lockfile.
func (m Manager) Install() []string {
	switch {
	case m.Tool == NPM:
		return m.Command("ci", "--no-audit", "--no-fund")
	case m.Tool == Yarn && m.Berry:
		return m.Command("install", "--immutable")
	case m.Tool == Yarn:
		return m.Command("install", "--frozen-lockfile", "--non-interactive")
	}
	return m.Command("install", "--frozen-lockfile", "--store-dir", pnpmStore)
}

// InstallProd returns a fresh frozen install of the production dependencies
// only, for a runtime stage that never saw the dev dependencies: `npm ci
// --omit=dev`, `yarn install --frozen-lockfile --production`, `yarn
// workspaces focus --all --production` (berry), `pnpm install --prod
// --frozen-lockfile`.
func (m Manager) InstallProd() []string {
	switch {
	case m.Tool == NPM:
		return m.Command("ci", "--omit=dev", "--no-audit", "--no-fund")
	case m.Tool == Yarn && m.Berry:
		return m.Command("workspaces", "focus", "--all", "--production")
	case m.Tool == Yarn:
		return m.Command("install", "--frozen-lockfile", "--production", "--non-interactive")
	}
	return m.Command("install", "--prod", "--frozen-lockfile", "--store-dir", pnpmStore)
}

// Prune removes the dev dependencies from an installed node_modules, after
// a build step needed them: `npm prune --omit=dev`, yarn classic's
// production install (which removes what it does not install), `yarn
// workspaces focus --all --production` (berry), `pnpm prune --prod`.
func (m Manager) Prune() []string {
	switch {
	case m.Tool == NPM:
		return m.Command("prune", "--omit=dev", "--no-audit", "--no-fund")
	case m.Tool == Yarn:
		return m.InstallProd()
	}
	return m.Command("prune", "--prod")
}

// Run returns the command that runs a package.json script.
func (m Manager) Run(script string, args ...string) []string {
	cmd := m.Command("run", script)
	if len(args) > 0 {
		if m.Tool == NPM {
			cmd = append(cmd, "--")
		}
		cmd = append(cmd, args...)
	}
	return cmd
}

// Cache is a directory to mount as a cache volume during installs.
type Cache struct {
	// Volume names the cache volume, e.g. "stack-pnpm".
	Volume string
	// Dir is where it is mounted.
	Dir string
}

// Where the caches are mounted.
const (
	npmCacheDir      = "/cache/npm"
	yarnCacheDir     = "/cache/yarn"
	yarnBerryDir     = "/cache/yarn-berry"
	pnpmStore        = "/cache/pnpm"
	corepackCacheDir = "/cache/corepack"
)

// Caches returns the cache directories an install uses: the manager's
// download cache (npm's ~/.npm, yarn's cache folder, pnpm's store) and
// corepack's, when it launches the manager. Env points the tools at them.
func (m Manager) Caches() []Cache {
	var out []Cache
	switch {
	case m.Tool == NPM:
		out = append(out, Cache{"stack-npm", npmCacheDir})
	case m.Tool == Yarn && m.Berry:
		out = append(out, Cache{"stack-yarn-berry", yarnBerryDir})
	case m.Tool == Yarn:
		out = append(out, Cache{"stack-yarn", yarnCacheDir})
	default:
		out = append(out, Cache{"stack-pnpm", pnpmStore})
	}
	if m.Tool != NPM && m.YarnPath == "" && m.Launcher != Bundled {
		if m.Launcher == Npx {
			out = append(out, Cache{"stack-npm", npmCacheDir})
		} else {
			out = append(out, Cache{"stack-corepack", corepackCacheDir})
		}
	}
	return out
}

// Env returns the environment of the install and build steps: where the
// caches are, no prompts, no update notices.
func (m Manager) Env() map[string]string {
	env := map[string]string{"npm_config_update_notifier": "false"}
	switch {
	case m.Tool == NPM:
		env["npm_config_cache"] = npmCacheDir
	case m.Tool == Yarn && m.Berry:
		env["YARN_GLOBAL_FOLDER"] = yarnBerryDir
		env["YARN_ENABLE_TELEMETRY"] = "0"
	case m.Tool == Yarn:
		env["YARN_CACHE_FOLDER"] = yarnCacheDir
	default:
		env["npm_config_store_dir"] = pnpmStore
	}
	if m.Tool != NPM && m.YarnPath == "" && m.Launcher != Bundled {
		if m.Launcher == Npx {
			env["npm_config_cache"] = npmCacheDir
		} else {
			env["COREPACK_HOME"] = corepackCacheDir
			env["COREPACK_ENABLE_DOWNLOAD_PROMPT"] = "0"
		}
	}
	return env
}

// Lockfiles, by the manager they belong to.
var lockfiles = []struct {
	name string
	tool Tool
}{
	{"package-lock.json", NPM},
	{"npm-shrinkwrap.json", NPM},
	{"yarn.lock", Yarn},
	{"pnpm-lock.yaml", PNPM},
}

// unsupportedLockfiles are lockfiles of managers the pipeline does not run.
var unsupportedLockfiles = []string{"bun.lockb", "bun.lock"}

// NoLockfileError says a folder has no lockfile, in it or above it.
type NoLockfileError struct {
	// Dir is the image's folder.
	Dir string
}

// Error says what to do.
func (e *NoLockfileError) Error() string {
	return fmt.Sprintf("no lockfile in %q or the folders above it: frozen installs (npm ci, yarn install --frozen-lockfile or --immutable, pnpm install --frozen-lockfile) need one; run npm install, yarn install or pnpm install there and commit package-lock.json, yarn.lock or pnpm-lock.yaml", e.Dir)
}

// ConflictError says two sources disagree on the package manager.
type ConflictError struct {
	// Dir is the image's folder.
	Dir string
	// Msg says who says what.
	Msg string
}

// Error names the folder and the disagreement.
func (e *ConflictError) Error() string {
	return fmt.Sprintf("choosing the package manager of %q: %s", e.Dir, e.Msg)
}

// DetectManager decides the package manager of the folder dir from, in
// order of authority: the packageManager field of package.json (in dir, or
// in the folder of the lockfile), the lockfile (in dir or the nearest folder
// above it that has one: a workspace root), and declared (stack.yaml's
// package_manager; auto or "" for none). Sources that disagree are a
// *ConflictError; no lockfile is a *NoLockfileError.
func DetectManager(src Source, dir string, declared config.PackageManager) (Manager, error) {
	dir = clean(dir)
	root, found, err := findLockfiles(src, dir)
	if err != nil {
		return Manager{}, err
	}
	if len(found) == 0 {
		return Manager{}, &NoLockfileError{Dir: dir}
	}
	var field *PackageManagerField
	var fieldFile string
	for _, d := range uniq(dir, root) {
		pkg, err := readPackageJSON(src, d)
		if err != nil {
			return Manager{}, err
		}
		if pkg != nil && pkg.PackageManager != "" {
			f, err := ParsePackageManagerField(pkg.PackageManager)
			if err != nil {
				return Manager{}, fmt.Errorf("%s: %w", join(d, "package.json"), err)
			}
			field, fieldFile = &f, join(d, "package.json")
			break
		}
	}
	if declared == config.PackageManagerAuto {
		declared = ""
	}
	if declared != "" && field != nil && string(declared) != field.Name {
		return Manager{}, &ConflictError{Dir: dir, Msg: fmt.Sprintf("stack.yaml says %s, but %s says packageManager %q", declared, fieldFile, field.String())}
	}
	want := Tool(declared)
	if field != nil {
		want = Tool(field.Name)
	}
	var chosen string
	var why []string
	switch {
	case want != "":
		for _, f := range found {
			if lockTool(f) == want {
				chosen = f
			}
		}
		if chosen == "" {
			who := "stack.yaml says " + string(want)
			if field != nil {
				who = fieldFile + " says packageManager " + strconv.Quote(field.String())
			}
			return Manager{}, &ConflictError{Dir: dir, Msg: fmt.Sprintf("%s, but the lockfile is %s (a %s lockfile); delete the stale one or fix the field", who, strings.Join(found, " and "), lockTool(found[0]))}
		}
		if field != nil {
			why = append(why, fmt.Sprintf("%s pins packageManager %s", fieldFile, field.String()))
		} else {
			why = append(why, "stack.yaml says "+string(declared))
		}
		if len(found) > 1 {
			why = append(why, fmt.Sprintf("%s ignored", strings.Join(slices.DeleteFunc(slices.Clone(found), func(s string) bool { return s == chosen }), " and ")))
		}
	case len(found) > 1:
		return Manager{}, &ConflictError{Dir: dir, Msg: fmt.Sprintf("there are several lockfiles (%s); delete the stale ones, or set packageManager in package.json (e.g. \"pnpm@9.12.0\")", strings.Join(found, ", "))}
	default:
		chosen = found[0]
	}
	m := Manager{Tool: lockTool(chosen), Lockfile: join(root, chosen), Root: root, Launcher: Corepack}
	why = append(why, "lockfile "+m.Lockfile)
	if field != nil {
		m.Version, m.Hash = field.Version, field.Hash
	}
	if err := m.readLockfile(src); err != nil {
		return Manager{}, err
	}
	if field != nil && m.Tool == Yarn && (major(field.Version) >= 2) != m.Berry {
		kind := map[bool]string{true: "berry (it has __metadata)", false: "classic (# yarn lockfile v1)"}[m.Berry]
		return Manager{}, &ConflictError{Dir: dir, Msg: fmt.Sprintf("%s says packageManager %q, but %s is a yarn %s lockfile; run that yarn version's install to rewrite it, or fix the field", fieldFile, field.String(), m.Lockfile, kind)}
	}
	if m.Tool == Yarn && m.Berry {
		if err := m.readYarnrc(src); err != nil {
			return Manager{}, err
		}
		if m.Version == "" && m.YarnPath == "" && m.Major == 0 {
			m.Major = 4
		}
		if v := m.Version; v != "" && major(v) < 4 {
			m.Warnings = append(m.Warnings, fmt.Sprintf("yarn %s: `yarn workspaces focus` (the production install) needs the workspace-tools plugin before yarn 4", v))
		}
		if m.PnP {
			m.Warnings = append(m.Warnings, "yarn Plug'n'Play: there is no node_modules; the runtime needs .pnp.cjs, .pnp.loader.mjs and .yarn/ (or set nodeLinker: node-modules in .yarnrc.yml)")
		}
	}
	if m.Tool == Yarn && !m.Berry && m.Version == "" {
		m.Major = 1
	}
	if m.Tool == Yarn && !m.Berry && m.YarnPath == "" {
		// yarn classic comes with the node images: no download, no corepack.
		m.Launcher = Bundled
		if m.Version != "" {
			why = append(why, "the node image's own yarn 1 runs it (packageManager "+m.Version+" is not downloaded)")
		}
	}
	if root != dir {
		why = append(why, "in the workspace root "+strconv.Quote(root))
	}
	m.Why = m.Name() + ": " + strings.Join(why, "; ")
	return m, nil
}

func uniq(a, b string) []string {
	if a == b {
		return []string{a}
	}
	return []string{a, b}
}

func lockTool(name string) Tool {
	for _, l := range lockfiles {
		if l.name == name {
			return l.tool
		}
	}
	return ""
}

// findLockfiles returns the nearest folder from dir up to the root holding
// a lockfile, and the lockfiles there.
func findLockfiles(src Source, dir string) (string, []string, error) {
	for d := dir; ; d = path.Dir(d) {
		entries, err := src.ReadDir(d)
		if err == nil {
			for _, u := range unsupportedLockfiles {
				if slices.Contains(entries, u) {
					return "", nil, fmt.Errorf("choosing the package manager of %q: %s is bun's lockfile; the pipeline builds with npm, yarn or pnpm", dir, join(d, u))
				}
			}
			var found []string
			for _, l := range lockfiles {
				if slices.Contains(entries, l.name) {
					found = append(found, l.name)
				}
			}
			if len(found) > 0 {
				return d, found, nil
			}
		}
		if d == "." {
			return ".", nil, nil
		}
	}
}

var (
	pnpmLockVersionRE = regexp.MustCompile(`(?m)^lockfileVersion:\s*'?"?([0-9]+)(\.([0-9]+))?`)
	berryVersionRE    = regexp.MustCompile(`(?m)^\s+version:\s*"?([0-9]+)`)
)

// readLockfile reads the lockfile's header: yarn classic or berry, and the
// format that gives the manager's major version.
func (m *Manager) readLockfile(src Source) error {
	b, ok, err := readFile(src, m.Lockfile)
	if err != nil || !ok {
		return err
	}
	head := b[:min(len(b), 8192)]
	switch m.Tool {
	case Yarn:
		if i := bytes.Index(head, []byte("__metadata:")); i >= 0 {
			m.Berry = true
			if v := berryVersionRE.FindSubmatch(head[i:]); v != nil && m.Version == "" {
				// __metadata.version: 4 is yarn 2, 6 yarn 3, 8 yarn 4
				switch n := major(string(v[1])); {
				case n >= 8:
					m.Major = 4
				case n >= 6:
					m.Major = 3
				case n > 0:
					m.Major = 2
				}
			}
		} else if !bytes.Contains(head, []byte("yarn lockfile v1")) && len(bytes.TrimSpace(b)) > 0 {
			m.Warnings = append(m.Warnings, m.Lockfile+" has neither the yarn v1 header nor __metadata; read as yarn classic")
		}
	case PNPM:
		if v := pnpmLockVersionRE.FindSubmatch(head); v != nil && m.Version == "" {
			// lockfileVersion 9.0 is pnpm 9 and 10, 6.x pnpm 8, 5.4 pnpm 7, 5.3 pnpm 6
			n, minor := major(string(v[1])), major(string(v[3]))
			switch {
			case n >= 9:
				m.Major = n
			case n >= 6:
				m.Major = 8
			case n == 5 && minor >= 4:
				m.Major = 7
			case n == 5:
				m.Major = 6
			}
		}
	}
	return nil
}

// readYarnrc reads yarnPath and nodeLinker from the root's .yarnrc.yml.
func (m *Manager) readYarnrc(src Source) error {
	name := join(m.Root, ".yarnrc.yml")
	b, ok, err := readFile(src, name)
	if err != nil {
		return err
	}
	if !ok {
		m.PnP = true // berry's default linker
		return nil
	}
	var rc struct {
		YarnPath   string `yaml:"yarnPath"`
		NodeLinker string `yaml:"nodeLinker"`
	}
	if err := yaml.Unmarshal(b, &rc); err != nil {
		return fmt.Errorf("reading %s: %w", name, err)
	}
	if rc.YarnPath != "" {
		if p := path.Clean(rc.YarnPath); path.IsAbs(p) || strings.HasPrefix(p, "..") {
			return fmt.Errorf("reading %s: yarnPath %q leaves the project", name, rc.YarnPath)
		}
		m.YarnPath = path.Clean(rc.YarnPath)
	}
	m.PnP = rc.NodeLinker == "" || rc.NodeLinker == "pnp"
	return nil
}
