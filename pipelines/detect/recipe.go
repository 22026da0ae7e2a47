package detect

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/stack-ci/stack/pipelines/config"
	"github.com/stack-ci/stack/pipelines/recipe"
)

// Recipe is how one image of a folder is built, as detected.
type Recipe struct {
	// Kind is the recipe: spa, node, nextjs or dockerfile.
	Kind config.Kind
	// BuildScript is the package.json script that builds it ("" for a node
	// server without a build step).
	BuildScript string
	// OutputDir is where the build writes, relative to the folder.
	OutputDir string
	// Start is the command that starts a server.
	Start string
	// Dockerfile is the folder's Dockerfile, when it has one: for a
	// dockerfile recipe, or offered as an alternative.
	Dockerfile string
	// Why explains the choice, for `dagger call config`.
	Why string
	// Warnings are doubts the user should clear (e.g. a Next.js app without
	// output: 'standalone').
	Warnings []string
}

// Dependencies that mark a folder's role.
var (
	// serverDeps are server frameworks, needed at run time.
	serverDeps = []string{"express", "fastify", "koa", "@hapi/hapi", "@nestjs/core", "restify", "@hono/node-server", "socket.io", "polka", "@feathersjs/feathers", "micro"}
	// bundlers build a static front end.
	bundlers = []string{"vite", "react-scripts", "@vue/cli-service", "@angular/cli", "parcel", "webpack-cli", "@rsbuild/core"}
	// bundlerBuild is the command of each bundler's production build, as a
	// script would call it.
	bundlerBuild = map[string]*regexp.Regexp{
		"vite":             regexp.MustCompile(`\bvite\s+build\b`),
		"react-scripts":    regexp.MustCompile(`\breact-scripts\s+build\b`),
		"@vue/cli-service": regexp.MustCompile(`\bvue-cli-service\s+build\b`),
		"@angular/cli":     regexp.MustCompile(`\bng\s+build\b`),
		"parcel":           regexp.MustCompile(`\bparcel\s+build\b`),
		"webpack-cli":      regexp.MustCompile(`\bwebpack\b`),
		"@rsbuild/core":    regexp.MustCompile(`\brsbuild\s+build\b`),
	}
	// bundlerOutput is each bundler's default output folder.
	bundlerOutput = map[string]string{"vite": "dist", "react-scripts": "build", "@vue/cli-service": "dist", "@angular/cli": "dist", "parcel": "dist", "webpack-cli": "dist", "@rsbuild/core": "dist"}
	// compileRE recognises a server's compile step.
	compileRE = regexp.MustCompile(`\b(tsc|nest\s+build|tsup|esbuild|swc|rollup|babel|ncc\s+build)\b`)
	nextBuild = regexp.MustCompile(`\bnext\s+build\b`)
	// devRE marks scripts that are not how production starts.
	devRE = regexp.MustCompile(`(^|\s)--(watch|test|inspect)\b|\b(nodemon|ts-node-dev|tsx\s+watch|vitest|jest|mocha|eslint|prettier)\b`)
)

// DetectRecipes decides how the folder dir is built, from its package.json
// and files. A folder may hold two images: a SPA and the server that runs
// beside it, from one package.json (HiveMind). pm is the folder's package
// manager (start commands other than npm's are the script's own command,
// since the runtime image has only node). A Dockerfile is never chosen over
// a package.json recipe; it is offered in Recipe.Dockerfile.
func DetectRecipes(src Source, dir string, pm Tool) ([]Recipe, error) {
	dir = clean(dir)
	pkg, err := readPackageJSON(src, dir)
	if err != nil {
		return nil, err
	}
	dockerfile, err := findDockerfile(src, dir)
	if err != nil {
		return nil, err
	}
	if pkg == nil {
		if dockerfile != "" {
			return []Recipe{{Kind: config.KindDockerfile, Dockerfile: dockerfile, Why: fmt.Sprintf("no package.json in %q, but a %s", dir, dockerfile)}}, nil
		}
		return nil, fmt.Errorf("detecting how to build %q: it has neither a package.json nor a Dockerfile; set the image's kind in stack.yaml", dir)
	}
	var out []Recipe
	if pkg.has("next", false) {
		r, err := nextRecipe(src, dir, pkg)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	} else {
		server := pkg.firstDep(serverDeps, true)
		bundler := pkg.firstDep(bundlers, false)
		if bundler != "" {
			r, err := spaRecipe(src, dir, pkg, bundler, server)
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
		if server != "" || (bundler == "" && (pkg.Scripts["start"] != "" || pkg.Main != "")) {
			out = append(out, nodeRecipe(src, dir, pkg, server, bundler != "", pm))
		}
	}
	if len(out) == 0 {
		if dockerfile != "" {
			return []Recipe{{Kind: config.KindDockerfile, Dockerfile: dockerfile, Why: fmt.Sprintf("%s/package.json shows no known framework (next, a bundler such as vite, or a server such as express), but there is a %s", dir, dockerfile)}}, nil
		}
		return nil, fmt.Errorf("detecting how to build %q: package.json depends on no known framework (next; vite, react-scripts…; express, fastify, koa…) and has no start script or main; set the image's kind in stack.yaml", dir)
	}
	for i := range out {
		out[i].Dockerfile = dockerfile
	}
	return out, nil
}

func findDockerfile(src Source, dir string) (string, error) {
	ok, err := exists(src, join(dir, "Dockerfile"))
	if err != nil || !ok {
		return "", err
	}
	return "Dockerfile", nil
}

// pickScript returns the script that runs re, preferring the names given
// first, then any in name order.
func pickScript(pkg *PackageJSON, re *regexp.Regexp, prefer ...string) string {
	for _, n := range prefer {
		if body, ok := pkg.Scripts[n]; ok && re.MatchString(body) {
			return n
		}
	}
	for _, n := range pkg.scriptNames() {
		if re.MatchString(pkg.Scripts[n]) {
			return n
		}
	}
	return ""
}

var (
	standaloneRE = regexp.MustCompile(`output\s*:\s*['"` + "`" + `]standalone['"` + "`" + `]`)
	distDirRE    = regexp.MustCompile(`distDir\s*:\s*['"]([^'"]+)['"]`)
	outDirRE     = regexp.MustCompile(`outDir\s*:\s*['"]([^'"]+)['"]`)
	viteRootRE   = regexp.MustCompile(`\broot\s*:\s*['"]([^'"]+)['"]`)
	tsOutDirRE   = regexp.MustCompile(`"outDir"\s*:\s*"([^"]+)"`)
)

// firstFile returns the contents and name of the first of names in dir.
func firstFile(src Source, dir string, names ...string) (string, []byte, error) {
	for _, n := range names {
		b, ok, err := readFile(src, join(dir, n))
		if err != nil {
			return "", nil, err
		}
		if ok {
			return n, b, nil
		}
	}
	return "", nil, nil
}

func nextRecipe(src Source, dir string, pkg *PackageJSON) (Recipe, error) {
	r := Recipe{Kind: config.KindNextJS, Why: "package.json depends on next"}
	r.BuildScript = pickScript(pkg, nextBuild, "build")
	if r.BuildScript == "" {
		r.BuildScript = "build"
		r.Warnings = append(r.Warnings, "no script runs `next build`; add \"build\": \"next build\" to package.json")
	}
	name, conf, err := firstFile(src, dir, "next.config.js", "next.config.mjs", "next.config.ts", "next.config.cjs")
	if err != nil {
		return Recipe{}, err
	}
	switch {
	case name == "":
		r.Warnings = append(r.Warnings, "no next.config.*: the nextjs recipe needs output: 'standalone' (add a next.config.mjs with it)")
	case !standaloneRE.Match(conf):
		r.Warnings = append(r.Warnings, name+" does not set output: 'standalone', which the nextjs recipe needs (.next/standalone/server.js)")
	default:
		r.Why += "; " + name + " sets output: 'standalone'"
	}
	r.OutputDir = ".next"
	if m := distDirRE.FindSubmatch(conf); m != nil {
		r.OutputDir = path.Clean(string(m[1]))
	}
	r.Start = config.DefaultNextJSStart
	return r, nil
}

func spaRecipe(src Source, dir string, pkg *PackageJSON, bundler, server string) (Recipe, error) {
	r := Recipe{Kind: config.KindSPA}
	r.Why = fmt.Sprintf("package.json builds a static front end with %s", bundler)
	if server != "" {
		r.Why += fmt.Sprintf(" beside a %s server: two images from one folder", server)
	}
	r.BuildScript = pickScript(pkg, bundlerBuild[bundler], recipe.DefaultBuildScript, "build")
	if r.BuildScript == "" {
		if _, ok := pkg.Scripts["build"]; ok {
			r.BuildScript = "build"
		} else {
			r.Warnings = append(r.Warnings, fmt.Sprintf("no script runs the %s build; add one (e.g. \"build\") or set build_script", bundler))
		}
	}
	r.OutputDir = bundlerOutput[bundler]
	if bundler == "vite" {
		name, conf, err := firstFile(src, dir, "vite.config.js", "vite.config.ts", "vite.config.mjs", "vite.config.mts", "vite.config.cjs")
		if err != nil {
			return Recipe{}, err
		}
		if m := outDirRE.FindSubmatch(conf); m != nil {
			out := string(m[1])
			if root := viteRootRE.FindSubmatch(conf); root != nil && !path.IsAbs(out) {
				out = path.Join(string(root[1]), out)
			}
			if out = path.Clean(out); path.IsAbs(out) || strings.HasPrefix(out, "..") {
				r.Warnings = append(r.Warnings, fmt.Sprintf("%s writes outside the folder (%s); set output_dir", name, out))
			} else {
				r.OutputDir = out
				r.Why += fmt.Sprintf("; %s writes to %s", name, out)
			}
		}
	}
	if bundler == "@angular/cli" {
		r.Warnings = append(r.Warnings, "Angular writes to dist/PROJECT/browser; set output_dir")
	}
	return r, nil
}

func nodeRecipe(src Source, dir string, pkg *PackageJSON, server string, withSPA bool, pm Tool) Recipe {
	r := Recipe{Kind: config.KindNode}
	switch {
	case server != "":
		r.Why = fmt.Sprintf("package.json depends on %s", server)
	case pkg.Scripts["start"] != "":
		r.Why = "package.json has a start script (no known server framework)"
	default:
		r.Why = fmt.Sprintf("package.json's main is %s (no known server framework)", pkg.Main)
	}
	if !withSPA && pkg.has("typescript", false) {
		if s := pickScript(pkg, compileRE, "build", "compile"); s != "" {
			r.BuildScript = s
			r.OutputDir = config.DefaultNodeOutputDir
			_, ts, _ := firstFile(src, dir, "tsconfig.build.json", "tsconfig.json")
			if m := tsOutDirRE.FindSubmatch(ts); m != nil {
				if out := path.Clean(strings.TrimPrefix(string(m[1]), "./")); !path.IsAbs(out) && !strings.HasPrefix(out, "..") {
					r.OutputDir = out
				}
			}
			r.Why += fmt.Sprintf("; TypeScript compiled by the %q script into %s/ before the dev dependencies are pruned", s, r.OutputDir)
		}
	}
	start, why, warn := startCommand(pkg, pm)
	r.Start, r.Why = start, r.Why+"; "+why
	if warn != "" {
		r.Warnings = append(r.Warnings, warn)
	}
	return r
}

// startCommand decides how the server starts: the start script, else a
// script that runs node (HiveMind's webui), else main. With npm it is `npm
// start` / `npm run X` (the recipe runs the script's command directly when
// it needs no shell); other managers are not in the runtime image, so it is
// the script's own command.
func startCommand(pkg *PackageJSON, pm Tool) (cmd, why, warn string) {
	script := ""
	if body := pkg.Scripts["start"]; body != "" && !devRE.MatchString(body) {
		script = "start"
	} else {
		for _, n := range append([]string{"start:prod", "serve", "server", "prod"}, pkg.scriptNames()...) {
			if body := pkg.Scripts[n]; strings.HasPrefix(strings.TrimSpace(body), "node ") && !devRE.MatchString(body) {
				script = n
				break
			}
		}
	}
	if script == "" {
		if pkg.Main != "" {
			return "node " + pkg.Main, "starts with node " + pkg.Main + " (package.json main)", ""
		}
		return "", "", "no start script and no main: set the image's start command"
	}
	body := pkg.Scripts[script]
	if pm == NPM || pm == "" {
		cmd = "npm run " + script
		if script == "start" {
			cmd = "npm start"
		}
		return cmd, fmt.Sprintf("starts with %s (%q)", cmd, body), ""
	}
	if words, err := recipe.SplitCommand(body); err != nil || strings.Contains(words[0], "=") {
		return "", "", fmt.Sprintf("the %q script (%q) needs a shell and %s is not in the runtime image: set the image's start command", script, body, pm)
	}
	return body, fmt.Sprintf("starts with the %q script's command (%s is not in the runtime image)", script, pm), ""
}

// roleOf guesses, from an image's name, which of a folder's two images it
// is.
func roleOf(name string) config.Kind {
	switch {
	case slices.Contains([]string{"frontend", "web", "client", "ui", "spa", "app", "www", "site"}, name):
		return config.KindSPA
	case slices.Contains([]string{"backend", "api", "server", "service", "svc"}, name):
		return config.KindNode
	}
	return ""
}
