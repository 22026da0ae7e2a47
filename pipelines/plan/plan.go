// Package plan turns one image of an application's effective configuration
// into a build plan: the build stage (base image, what to copy before the
// install so the install stays cached, the package manager's commands, the
// caches) and the runtime stage (base image, what to copy from the build
// stage or the source, user, environment, port, healthcheck, command). ci/
// executes a plan with Dagger without deciding anything; every decision is
// here, tested without an engine.
//
// Paths: the build stage puts the package manager's root folder (the
// image's folder, or a workspace root above it) at /app; the image's folder
// is then /app/<rel>. The runtime keeps that layout, so workspace links
// resolve.
package plan

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/stack-ci/stack/pipelines/config"
	"github.com/stack-ci/stack/pipelines/detect"
	"github.com/stack-ci/stack/pipelines/recipe"
)

// AppDir is where the build and runtime stages hold the application.
const AppDir = "/app"

// NginxRoot and NginxConf are where a spa's files and server config go;
// NginxTemplate is where a config template goes, which the nginx image's
// entrypoint renders into NginxConf at start, with the container's env.
const (
	NginxRoot     = "/usr/share/nginx/html"
	NginxConf     = "/etc/nginx/conf.d/default.conf"
	NginxTemplate = "/etc/nginx/templates/default.conf.template"
)

// Image is the plan of one image.
type Image struct {
	// Name is the image's name in the app.
	Name string
	// Kind is how it is built.
	Kind config.Kind
	// Build is the build stage; nil for a dockerfile image.
	Build *Stage
	// Runtime is the runtime stage; nil for a dockerfile image.
	Runtime *Runtime
	// Dockerfile is set for a dockerfile image instead of Build and Runtime.
	Dockerfile *Dockerfile
	// Notes explain choices (the start command, what was left out).
	Notes []string
}

// Stage is the build stage on a node image.
type Stage struct {
	// Image is the base image.
	Image string
	// Root is the source folder copied to AppDir (the package manager's
	// root).
	Root string
	// Manifests are the files of Root copied before the install, so that
	// the install layer stays cached while other sources change; nil means
	// the whole of Root is copied first (workspaces need every manifest).
	Manifests []string
	// Env is the stage's environment (package manager settings, build env).
	Env [][2]string
	// Caches are mounted during the stage.
	Caches []detect.Cache
	// Install installs the dependencies, run in AppDir.
	Install []string
	// Dir is where the build runs, AppDir or a folder below it.
	Dir string
	// Build builds, run in Dir after the whole of Root is copied; nil for
	// none (then the stage only installs).
	Build []string
	// Prune drops the dev dependencies after the build, run in AppDir; nil
	// for none.
	Prune []string
}

// Copy copies a directory into the runtime stage.
type Copy struct {
	// From is a path in the build stage, or in the source for Source.
	From string
	// To is the path in the runtime stage.
	To string
	// Exclude are patterns left out.
	Exclude []string
	// Source says From is in the source, not in the build stage.
	Source bool
}

// File is one file written into the runtime stage: from the source, or
// with generated contents.
type File struct {
	// To is its path in the runtime stage.
	To string
	// Source is its path in the source; "" when Contents is set.
	Source string
	// Contents are generated contents.
	Contents string
}

// Runtime is the runtime stage.
type Runtime struct {
	// Image is the base image.
	Image string
	// Remove are paths of the base image removed first.
	Remove []string
	// Workdir is the working directory.
	Workdir string
	// Copies are the directories copied in, in order.
	Copies []Copy
	// Files are single files written in.
	Files []File
	// Env is the runtime environment (literal values only; services and
	// secrets are given at run time).
	Env [][2]string
	// User runs the image, "UID:GID"; "" keeps the base image's user.
	User string
	// Owner owns the copied files; "" means root, which keeps the app's
	// files read-only for its non-root user.
	Owner string
	// Port is exposed.
	Port int
	// Healthcheck is the Docker healthcheck command.
	Healthcheck []string
	// Args are the default arguments (the base image's entrypoint is kept).
	Args []string
}

// Dockerfile is a build from the app's own Dockerfile.
type Dockerfile struct {
	// Context is the build context's folder in the source.
	Context string
	// Path is the Dockerfile, relative to Context.
	Path string
	// Target is the stage to build; "" for the last.
	Target string
	// BuildArgs are the build arguments, sorted by name.
	BuildArgs [][2]string
	// Secrets map secret ids to the pipeline's secret names, sorted by id.
	Secrets [][2]string
	// Args replace the image's CMD when the config gives a start command.
	Args []string
	// Port is the port the image listens on.
	Port int
}

// Source is the read-only source tree (see detect.Source).
type Source = detect.Source

// exists reports whether the source has the file or directory name.
func exists(src Source, name string) bool {
	if _, err := src.ReadFile(name); err == nil {
		return true
	}
	_, err := src.ReadDir(name)
	return err == nil
}

// ForImage plans the image named name of the effective configuration cfg;
// mgr is the image's package manager (ignored for dockerfile images).
func ForImage(cfg config.Config, name string, mgr detect.Manager, src Source) (Image, error) {
	img, ok := cfg.Image(name)
	if !ok {
		return Image{}, fmt.Errorf("no image named %q in the configuration", name)
	}
	p := Image{Name: img.Name, Kind: img.Kind}
	switch img.Kind {
	case config.KindDockerfile:
		return planDockerfile(img, p)
	case config.KindSPA, config.KindNode, config.KindNextJS:
	default:
		return Image{}, fmt.Errorf("image %s: kind %q has no recipe", name, img.Kind)
	}
	if mgr.Tool == "" {
		return Image{}, fmt.Errorf("image %s: no package manager was detected for %s", name, img.Path)
	}
	rel, err := relTo(mgr.Root, img.Path)
	if err != nil {
		return Image{}, fmt.Errorf("image %s: %w", name, err)
	}
	// Every install, build and prune runs in the build stage, on the base image.
	mgr, note := mgr.ForImage(img.BaseImage)
	if note != "" {
		p.Notes = append(p.Notes, note)
	}
	st := &Stage{
		Image:   img.BaseImage,
		Root:    mgr.Root,
		Env:     sortedEnv(mgr.Env()),
		Caches:  mgr.Caches(),
		Install: mgr.Install(),
		Dir:     path.Join(AppDir, rel),
	}
	if mgr.Root == img.Path {
		st.Manifests = manifests(src, mgr)
	}
	for _, kv := range literalEnv(img.BuildEnv) {
		st.Env = append(st.Env, kv)
	}
	switch img.Kind {
	case config.KindSPA:
		err = planSPA(cfg, img, mgr, st, &p, src)
	case config.KindNode:
		err = planNode(img, mgr, st, rel, &p, src)
	case config.KindNextJS:
		err = planNext(img, mgr, st, rel, &p, src)
	}
	if err != nil {
		return Image{}, fmt.Errorf("image %s: %w", name, err)
	}
	p.Build = st
	return p, nil
}

// relTo is img's folder relative to the package manager's root.
func relTo(root, dir string) (string, error) {
	root, dir = path.Clean(root), path.Clean(dir)
	if root == dir {
		return ".", nil
	}
	if root == "." {
		return dir, nil
	}
	if !strings.HasPrefix(dir, root+"/") {
		return "", fmt.Errorf("folder %s is not inside its package manager's root %s", dir, root)
	}
	return strings.TrimPrefix(dir, root+"/"), nil
}

// manifests are the files an install reads, that exist in the root.
func manifests(src Source, mgr detect.Manager) []string {
	var out []string
	for _, f := range []string{"package.json", path.Base(mgr.Lockfile), ".npmrc", ".yarnrc", ".yarnrc.yml", "pnpm-workspace.yaml"} {
		if !slices.Contains(out, f) && exists(src, path.Join(mgr.Root, f)) {
			out = append(out, f)
		}
	}
	if mgr.YarnPath != "" {
		out = append(out, mgr.YarnPath)
	}
	return out
}

func sortedEnv(m map[string]string) [][2]string {
	out := make([][2]string, 0, len(m))
	for k, v := range m {
		out = append(out, [2]string{k, v})
	}
	slices.SortFunc(out, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	return out
}

// literalEnv keeps the literal values of an env map (templates and secrets
// are resolved at run time, never baked into an image), sorted.
func literalEnv(e config.Env) [][2]string {
	out := [][2]string{}
	for k, v := range e {
		if v.IsSecret() || strings.Contains(v.Template(), "{{") {
			continue
		}
		out = append(out, [2]string{k, v.Template()})
	}
	slices.SortFunc(out, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	return out
}

func planSPA(cfg config.Config, img config.Image, mgr detect.Manager, st *Stage, p *Image, src Source) error {
	if img.BuildScript == "" {
		return errors.New("a spa image needs a build script")
	}
	st.Build = mgr.Run(img.BuildScript)
	exclude := []string{}
	if !img.SourceMaps {
		exclude = append(exclude, recipe.SourceMapPattern)
	}
	rt := &Runtime{
		Image:       img.RuntimeImage,
		Remove:      []string{NginxRoot},
		Copies:      []Copy{{From: path.Join(st.Dir, img.OutputDir), To: NginxRoot, Exclude: exclude}},
		Port:        img.Port,
		Healthcheck: recipe.NginxHealthcheck(img.HealthPath),
		Args:        []string{"nginx", "-g", "daemon off;"},
	}
	if img.User != 0 {
		rt.User = ids(img.User)
	}
	// The image's literal env: a template's variables (e.g. BACKEND_HOST).
	rt.Env = literalEnv(img.Env)
	switch {
	case img.NginxConfig != "" && strings.HasSuffix(img.NginxConfig, ".template") && exists(src, img.NginxConfig):
		rt.Files = append(rt.Files, File{To: NginxTemplate, Source: img.NginxConfig})
		p.Notes = append(p.Notes, "nginx config template "+img.NginxConfig+", rendered with the image's env at start")
	case img.NginxConfig != "" && exists(src, img.NginxConfig):
		rt.Files = append(rt.Files, File{To: NginxConf, Source: img.NginxConfig})
		p.Notes = append(p.Notes, "nginx config "+img.NginxConfig)
	default:
		host, port := proxyTarget(cfg, img.Name)
		rt.Files = append(rt.Files, File{To: NginxConf, Contents: recipe.DefaultNginxConfig(host, port)})
		p.Notes = append(p.Notes, fmt.Sprintf("the module's nginx config, proxying /api/ and /socket.io/ to %s:%d", host, port))
	}
	p.Runtime = rt
	return nil
}

// proxyTarget is the image a spa's default nginx config proxies to: the
// first image that receives the services (a backend), else recipe.BackendHost.
func proxyTarget(cfg config.Config, spa string) (string, int) {
	for _, img := range cfg.Images {
		if img.Name != spa && img.Kind != config.KindSPA && img.Port != 0 {
			return img.Name, img.Port
		}
	}
	return recipe.BackendHost, recipe.DefaultBackendPort
}

func ids(uid int) string { return strconv.Itoa(uid) + ":" + strconv.Itoa(uid) }

func planNode(img config.Image, mgr detect.Manager, st *Stage, rel string, p *Image, src Source) error {
	pkg, err := src.ReadFile(path.Join(img.Path, "package.json"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("reading package.json: %w", err)
	}
	start, err := recipe.ResolveStart(img.Start, pkg)
	if err != nil {
		return err
	}
	p.Notes = append(p.Notes, start.Note)
	exclude := slices.Clone(recipe.BackendExclude)
	rt := &Runtime{
		Image:       img.RuntimeImage,
		Workdir:     path.Join(AppDir, rel),
		Env:         [][2]string{{"NODE_ENV", "production"}, {"PORT", strconv.Itoa(img.Port)}},
		User:        ids(img.User),
		Port:        img.Port,
		Healthcheck: recipe.NodeHealthcheck(img.Port, img.HealthPath),
		Args:        start.Args,
	}
	if img.BuildScript != "" {
		// Compile with every dependency, then drop the dev ones; the runtime
		// takes the compiled output (kept out of the exclude list) and the
		// production node_modules from the stage.
		st.Build = mgr.Run(img.BuildScript)
		st.Prune = mgr.Prune()
		exclude = slices.DeleteFunc(exclude, func(p string) bool { return p == img.OutputDir || p == "node_modules" })
		rt.Copies = []Copy{{From: AppDir, To: AppDir, Exclude: exclude}}
		p.Notes = append(p.Notes, fmt.Sprintf("compiled by %q into %s, dev dependencies pruned", img.BuildScript, img.OutputDir))
	} else {
		// No build step: install only the production dependencies; the app
		// comes from the source.
		st.Install = mgr.InstallProd()
		rt.Copies = []Copy{
			{From: mgr.Root, To: AppDir, Exclude: exclude, Source: true},
			{From: path.Join(AppDir, "node_modules"), To: path.Join(AppDir, "node_modules")},
		}
	}
	p.Runtime = rt
	return nil
}

func planNext(img config.Image, mgr detect.Manager, st *Stage, rel string, p *Image, src Source) error {
	if img.BuildScript == "" {
		return errors.New("a nextjs image needs a build script (next build)")
	}
	st.Build = mgr.Run(img.BuildScript)
	st.Env = append(st.Env, [2]string{"NEXT_TELEMETRY_DISABLED", "1"})
	start, err := recipe.SplitCommand(img.Start)
	if err != nil {
		return fmt.Errorf("start: %w", err)
	}
	out := path.Join(st.Dir, img.OutputDir)
	rt := &Runtime{
		Image:   img.RuntimeImage,
		Workdir: AppDir,
		Copies: []Copy{
			{From: path.Join(out, "standalone"), To: AppDir},
			{From: path.Join(out, "static"), To: path.Join(AppDir, img.OutputDir, "static")},
		},
		Env:         [][2]string{{"NODE_ENV", "production"}, {"PORT", strconv.Itoa(img.Port)}, {"HOSTNAME", "0.0.0.0"}, {"NEXT_TELEMETRY_DISABLED", "1"}},
		User:        ids(img.User),
		Port:        img.Port,
		Healthcheck: recipe.NodeHealthcheck(img.Port, img.HealthPath),
		Args:        start,
	}
	if exists(src, path.Join(img.Path, "public")) {
		rt.Copies = append(rt.Copies, Copy{From: path.Join(st.Dir, "public"), To: path.Join(AppDir, "public")})
	}
	if rel != "." {
		p.Notes = append(p.Notes, "a Next.js app inside a workspace: its standalone server is at "+path.Join(AppDir, rel, "server.js"))
		rt.Workdir = path.Join(AppDir, rel)
	}
	p.Notes = append(p.Notes, "Next.js standalone output: .next/standalone, .next/static and public")
	p.Runtime = rt
	return nil
}

func planDockerfile(img config.Image, p Image) (Image, error) {
	d := &Dockerfile{Context: img.Path, Path: img.Dockerfile, Target: img.Target, Port: img.Port}
	for k, v := range img.BuildArgs {
		d.BuildArgs = append(d.BuildArgs, [2]string{k, v})
	}
	for k, v := range img.BuildSecrets {
		d.Secrets = append(d.Secrets, [2]string{k, v})
	}
	sortPairs(d.BuildArgs)
	sortPairs(d.Secrets)
	if img.Start != "" {
		args, err := recipe.SplitCommand(img.Start)
		if err != nil {
			return Image{}, fmt.Errorf("image %s: start: %w", img.Name, err)
		}
		d.Args = args
	}
	p.Dockerfile = d
	return p, nil
}

func sortPairs(kv [][2]string) {
	slices.SortFunc(kv, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
}
