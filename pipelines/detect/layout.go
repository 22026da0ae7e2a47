package detect

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"

	"github.com/stack-ci/stack/pipelines/config"
)

// Proposal is one image that the layout suggests.
type Proposal struct {
	// Image holds the name, path, kind and what was detected of the build
	// (build script, output directory, start command, Dockerfile).
	Image config.Image
	// Recipe is the detection behind it.
	Recipe Recipe
}

// Plan is the images a source tree suggests when stack.yaml lists none.
type Plan struct {
	// Images are the proposed images.
	Images []Proposal
	// Why explains the layout decision and what was left out.
	Why []string
}

// skipDirs are never application folders.
var skipDirs = []string{"node_modules/", ".git/", ".github/", ".yarn/", ".next/", "dist/", "build/", "coverage/"}

// Layout proposes the images of a source tree:
//
//   - a workspace (package.json workspaces, or pnpm-workspace.yaml):
//     one image per workspace folder that builds an app (apps/web,
//     apps/api); libraries (packages/ui) are left out;
//   - a package.json at the root that builds something: its images, two
//     from one folder when it holds a SPA and its server (HiveMind);
//   - otherwise, folders right under the root with their own package.json
//     (frontend/ and backend/, client/ and server/): one image each;
//   - a Dockerfile alone at the root: one dockerfile image.
func Layout(src Source) (Plan, error) {
	root, err := readPackageJSON(src, ".")
	if err != nil {
		return Plan{}, err
	}
	globs, globsFrom, err := workspaceGlobs(src, root)
	if err != nil {
		return Plan{}, err
	}
	if len(globs) > 0 {
		return workspaceLayout(src, globs, globsFrom)
	}
	pm := managerFor(src, ".")
	if root != nil {
		recipes, err := DetectRecipes(src, ".", pm)
		if err == nil && !(len(recipes) == 1 && recipes[0].Kind == config.KindDockerfile) {
			plan := Plan{Why: []string{"one package.json at the root"}}
			for _, r := range recipes {
				plan.Images = append(plan.Images, proposal(rootName(r.Kind), ".", r))
			}
			return plan, nil
		}
	}
	plan, err := folderLayout(src)
	if err != nil {
		return Plan{}, err
	}
	if len(plan.Images) > 0 {
		return plan, nil
	}
	if recipes, err := DetectRecipes(src, ".", pm); err == nil {
		return Plan{Why: []string{"a Dockerfile at the root"}, Images: []Proposal{proposal("app", ".", recipes[0])}}, nil
	} else if root != nil {
		return Plan{}, err
	}
	return Plan{}, errors.New("detecting the images: no package.json or Dockerfile at the root or in the folders under it; list the images in stack.yaml")
}

// rootName names an image built from the root folder.
func rootName(k config.Kind) string {
	switch k {
	case config.KindSPA:
		return "frontend"
	case config.KindNode:
		return "backend"
	case config.KindNextJS:
		return "web"
	}
	return "app"
}

func proposal(name, dir string, r Recipe) Proposal {
	img := config.Image{Name: name, Path: dir, Kind: r.Kind, BuildScript: r.BuildScript, OutputDir: r.OutputDir, Start: r.Start}
	if r.Kind == config.KindDockerfile {
		img.Dockerfile = r.Dockerfile
	}
	if r.Kind == config.KindNode && r.BuildScript == "" {
		img.OutputDir = ""
	}
	return Proposal{Image: img, Recipe: r}
}

// managerFor returns the folder's package manager tool, npm when it cannot
// be told (the start command then goes through npm, as the default does).
func managerFor(src Source, dir string) Tool {
	m, err := DetectManager(src, dir, "")
	if err != nil {
		return NPM
	}
	return m.Tool
}

// workspaceGlobs returns the workspace folders' globs, from package.json or
// pnpm-workspace.yaml.
func workspaceGlobs(src Source, root *PackageJSON) ([]string, string, error) {
	b, ok, err := readFile(src, "pnpm-workspace.yaml")
	if err != nil {
		return nil, "", err
	}
	if ok {
		var ws struct {
			Packages []string `yaml:"packages"`
		}
		if err := yaml.Unmarshal(b, &ws); err != nil {
			return nil, "", fmt.Errorf("reading pnpm-workspace.yaml: %w", err)
		}
		if len(ws.Packages) > 0 {
			return ws.Packages, "pnpm-workspace.yaml", nil
		}
	}
	if root != nil && len(root.Workspaces) > 0 {
		return root.Workspaces, "package.json workspaces", nil
	}
	return nil, "", nil
}

// expandGlob lists the folders a workspace glob names: "apps/*",
// "packages/ui", "apps/**" (read as apps/*).
func expandGlob(src Source, glob string) ([]string, error) {
	g := strings.TrimSuffix(strings.TrimPrefix(path.Clean(glob), "./"), "/")
	g = strings.ReplaceAll(g, "**", "*")
	parts := strings.Split(g, "/")
	dirs := []string{"."}
	for _, part := range parts {
		var next []string
		for _, d := range dirs {
			if !strings.ContainsAny(part, "*?[") {
				next = append(next, join(d, part))
				continue
			}
			entries, err := src.ReadDir(d)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return nil, err
			}
			for _, e := range entries {
				if !strings.HasSuffix(e, "/") || slices.Contains(skipDirs, e) {
					continue
				}
				if ok, err := path.Match(part, strings.TrimSuffix(e, "/")); err != nil {
					return nil, fmt.Errorf("workspace glob %q: %w", glob, err)
				} else if ok {
					next = append(next, join(d, strings.TrimSuffix(e, "/")))
				}
			}
		}
		dirs = next
	}
	return dirs, nil
}

func workspaceLayout(src Source, globs []string, from string) (Plan, error) {
	plan := Plan{Why: []string{fmt.Sprintf("a workspace (%s: %s): one image per app folder", from, strings.Join(globs, ", "))}}
	var dirs, excluded []string
	for _, g := range globs {
		if rest, neg := strings.CutPrefix(g, "!"); neg {
			ex, err := expandGlob(src, rest)
			if err != nil {
				return Plan{}, err
			}
			excluded = append(excluded, ex...)
			continue
		}
		ds, err := expandGlob(src, g)
		if err != nil {
			return Plan{}, err
		}
		dirs = append(dirs, ds...)
	}
	slices.Sort(dirs)
	dirs = slices.Compact(dirs)
	for _, d := range dirs {
		if slices.Contains(excluded, d) {
			continue
		}
		pkg, err := readPackageJSON(src, d)
		if err != nil {
			return Plan{}, err
		}
		if pkg == nil {
			continue
		}
		recipes, err := DetectRecipes(src, d, managerFor(src, d))
		if err != nil {
			plan.Why = append(plan.Why, fmt.Sprintf("%s left out: a library, not an app (%v)", d, err))
			continue
		}
		if len(recipes) == 1 && recipes[0].Kind == config.KindNode && pkg.Scripts["start"] == "" && pkg.firstDep(serverDeps, true) == "" {
			plan.Why = append(plan.Why, d+" left out: a library, not an app (no server and no start script)")
			continue
		}
		plan.add(d, recipes)
	}
	if len(plan.Images) == 0 {
		return Plan{}, fmt.Errorf("detecting the images: the workspace folders (%s) hold no app; list the images in stack.yaml", strings.Join(globs, ", "))
	}
	return plan, nil
}

func folderLayout(src Source) (Plan, error) {
	entries, err := src.ReadDir(".")
	if err != nil {
		return Plan{}, fmt.Errorf("listing the source: %w", err)
	}
	plan := Plan{}
	var names []string
	for _, e := range entries {
		if !strings.HasSuffix(e, "/") || slices.Contains(skipDirs, e) || strings.HasPrefix(e, ".") {
			continue
		}
		d := strings.TrimSuffix(e, "/")
		pkg, err := readPackageJSON(src, d)
		if err != nil {
			return Plan{}, err
		}
		if pkg == nil {
			continue
		}
		recipes, err := DetectRecipes(src, d, managerFor(src, d))
		if err != nil {
			plan.Why = append(plan.Why, fmt.Sprintf("%s left out: %v", d, err))
			continue
		}
		names = append(names, d)
		plan.add(d, recipes)
	}
	if len(plan.Images) > 0 {
		plan.Why = append([]string{fmt.Sprintf("no app at the root; folders with their own package.json: %s", strings.Join(names, ", "))}, plan.Why...)
	}
	return plan, nil
}

// nameRE keeps what an image name may hold.
var nameRE = regexp.MustCompile(`[^a-z0-9]+`)

// add proposes the images of one folder, named after it.
func (p *Plan) add(dir string, recipes []Recipe) {
	base := strings.Trim(nameRE.ReplaceAllString(strings.ToLower(path.Base(dir)), "-"), "-")
	if base == "" {
		base = "app"
	}
	for _, r := range recipes {
		name := base
		if len(recipes) > 1 {
			name = base + "-" + map[config.Kind]string{config.KindSPA: "frontend", config.KindNode: "backend"}[r.Kind]
		}
		for n := 2; slices.ContainsFunc(p.Images, func(q Proposal) bool { return q.Image.Name == name }); n++ {
			name = fmt.Sprintf("%s-%d", base, n)
		}
		p.Images = append(p.Images, proposal(name, dir, r))
	}
}
