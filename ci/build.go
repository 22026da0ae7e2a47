package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"dagger/stack/internal/dagger"

	"github.com/stack-ci/stack/pipelines/oci"
	"github.com/stack-ci/stack/pipelines/plan"
	"github.com/stack-ci/stack/pipelines/recipe"
)

// labels returns the OCI labels of the image titled title.
func (m *Stack) labels(title string) (map[string]string, error) {
	created, err := recipe.ParseCreated(m.LabelInfo.Created, time.Now())
	if err != nil {
		return nil, fmt.Errorf("--created: %v", err)
	}
	return recipe.Labels(recipe.LabelInfo{
		Title:    title,
		Source:   m.LabelInfo.Source,
		Revision: m.LabelInfo.Revision,
		Version:  m.LabelInfo.Version,
		Created:  created,
	}), nil
}

func withLabels(c *dagger.Container, labels map[string]string) *dagger.Container {
	for _, k := range recipe.SortedLabels(labels) {
		c = c.WithLabel(k, labels[k])
	}
	return c
}

// buildImage turns an image's plan into a container: the build stage, then
// the runtime stage with only what the plan copies. Nothing is decided here.
func (m *Stack) buildImage(a *app, p plan.Image) (*dagger.Container, error) {
	labels, err := m.labels(a.Config.Title(p.Name))
	if err != nil {
		return nil, err
	}
	if d := p.Dockerfile; d != nil {
		opts := dagger.DirectoryDockerBuildOpts{Dockerfile: d.Path, Target: d.Target}
		for _, kv := range d.BuildArgs {
			opts.BuildArgs = append(opts.BuildArgs, dagger.BuildArg{Name: kv[0], Value: kv[1]})
		}
		if len(d.Secrets) > 0 {
			return nil, fmt.Errorf("image %s: build secrets are not supported by this module yet; remove build_secrets", p.Name)
		}
		c := m.Source.Directory(d.Context).DockerBuild(opts)
		if len(d.Args) > 0 {
			c = c.WithDefaultArgs(d.Args)
		}
		return withLabels(c, labels), nil
	}

	b, rt := p.Build, p.Runtime
	root := m.Source.Directory(b.Root)
	stage := dag.Container().From(b.Image)
	for _, c := range b.Caches {
		stage = stage.WithMountedCache(c.Dir, dag.CacheVolume(c.Volume))
	}
	for _, kv := range b.Env {
		stage = stage.WithEnvVariable(kv[0], kv[1])
	}
	stage = stage.WithWorkdir(plan.AppDir)
	if b.Manifests != nil {
		stage = stage.WithDirectory(plan.AppDir, root, dagger.ContainerWithDirectoryOpts{Include: b.Manifests})
	} else {
		stage = stage.WithDirectory(plan.AppDir, root)
	}
	stage = stage.WithExec(b.Install)
	if b.Build != nil {
		stage = stage.WithDirectory(plan.AppDir, root).WithWorkdir(b.Dir).WithExec(b.Build)
	}
	if b.Prune != nil {
		stage = stage.WithWorkdir(plan.AppDir).WithExec(b.Prune)
	}

	c := dag.Container().From(rt.Image)
	for _, dir := range rt.Remove {
		c = c.WithoutDirectory(dir)
	}
	if rt.Workdir != "" {
		c = c.WithWorkdir(rt.Workdir)
	}
	for _, cp := range rt.Copies {
		from := stage.Directory(cp.From)
		if cp.Source {
			from = m.Source.Directory(cp.From)
		}
		c = c.WithDirectory(cp.To, from, dagger.ContainerWithDirectoryOpts{Exclude: cp.Exclude, Owner: rt.Owner})
	}
	for _, f := range rt.Files {
		if f.Source != "" {
			c = c.WithFile(f.To, m.Source.File(f.Source))
		} else {
			c = c.WithNewFile(f.To, f.Contents)
		}
	}
	for _, kv := range rt.Env {
		c = c.WithEnvVariable(kv[0], kv[1])
	}
	if rt.Port != 0 {
		c = c.WithExposedPort(rt.Port)
	}
	if len(rt.Healthcheck) > 0 {
		c = c.WithDockerHealthcheck(rt.Healthcheck, dagger.ContainerWithDockerHealthcheckOpts{Interval: "10s", Timeout: "5s", StartPeriod: "10s", Retries: 3})
	}
	if rt.User != "" {
		c = c.WithUser(rt.User)
	}
	c = c.WithDefaultArgs(rt.Args)
	return withLabels(c, labels), nil
}

// Image builds one of the app's images by name (see `dagger call config`
// for the names: frontend and backend by default).
func (m *Stack) Image(
	ctx context.Context,
	// The image's name.
	name string,
) (*dagger.Container, error) {
	a, err := m.load(ctx)
	if err != nil {
		return nil, err
	}
	p, ok := a.plan(name)
	if !ok {
		return nil, fmt.Errorf("no image named %q; the app's images are %s", name, strings.Join(a.names(), ", "))
	}
	return m.buildImage(a, p)
}

// Frontend builds the image named frontend: for the default recipe, the SPA
// built on the node image and served by nginx with the app's config, port
// 80 and a healthcheck.
func (m *Stack) Frontend(ctx context.Context) (*dagger.Container, error) {
	return m.Image(ctx, "frontend")
}

// Backend builds the image named backend: for the default recipe, the
// production dependencies installed in their own stage, then the app on a
// fresh node image, as uid 1001, NODE_ENV=production, the port exposed, a
// healthcheck that needs only node, and the start command as default
// arguments.
func (m *Stack) Backend(ctx context.Context) (*dagger.Container, error) {
	return m.Image(ctx, "backend")
}

// Images are the app's built images.
type Images struct {
	// The images' names, in the configuration's order.
	Names []string
	// The images, in the order of Names.
	Containers []*dagger.Container
}

// Image returns the built image named name.
func (i *Images) Image(
	// The image's name.
	name string,
) (*dagger.Container, error) {
	if k := slices.Index(i.Names, name); k >= 0 {
		return i.Containers[k], nil
	}
	return nil, fmt.Errorf("no image named %q; the images are %s", name, strings.Join(i.Names, ", "))
}

// Build builds every image of the app concurrently. A failure names the
// image and the step, with the tail of its output.
func (m *Stack) Build(ctx context.Context) (*Images, error) {
	_, imgs, err := m.loadAndBuild(ctx)
	return imgs, err
}

// loadAndBuild loads the app and builds every image; any image's failure is
// an error.
func (m *Stack) loadAndBuild(ctx context.Context) (*app, *Images, error) {
	a, err := m.load(ctx)
	if err != nil {
		return nil, nil, err
	}
	imgs, errs := m.buildAll(ctx, a)
	if err := errors.Join(errs...); err != nil {
		return nil, nil, err
	}
	return a, imgs, nil
}

// buildAll builds every image concurrently; one failure does not cancel
// the others, and each image has its own error (nil when it built).
func (m *Stack) buildAll(ctx context.Context, a *app) (*Images, []error) {
	imgs := &Images{Names: a.names(), Containers: make([]*dagger.Container, len(a.Plans))}
	errs := make([]error, len(a.Plans))
	var wg sync.WaitGroup
	for i, p := range a.Plans {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := m.buildImage(a, p)
			if err == nil {
				c, err = c.Sync(ctx)
			}
			imgs.Containers[i], errs[i] = c, explain(p.Name, err)
		}()
	}
	wg.Wait()
	return imgs, errs
}

// explain turns a failed exec into a StepError naming the image and step.
func explain(image string, err error) error {
	if err == nil {
		return nil
	}
	var ee *dagger.ExecError
	if errors.As(err, &ee) {
		return &recipe.StepError{Image: image, Step: recipe.JoinCommand(ee.Cmd), ExitCode: ee.ExitCode, Tail: recipe.Tail(ee.Stdout, ee.Stderr, 20)}
	}
	return fmt.Errorf("building %s: %v", image, err)
}

// Digests returns each image's manifest digest, one "NAME DIGEST" line per
// image: the digest the image will have in a registry.
func (i *Images) Digests(ctx context.Context) (string, error) {
	t, err := exportImages(ctx, i)
	if err != nil {
		return "", err
	}
	defer t.remove()
	var b strings.Builder
	for _, name := range i.Names {
		img, err := oci.Open(t.paths[name])
		if err != nil {
			return "", fmt.Errorf("reading the %s image: %v", name, err)
		}
		fmt.Fprintf(&b, "%s %s\n", name, img.Digest)
		img.Close()
	}
	return b.String(), nil
}

// Tarballs returns the images as OCI tarballs, NAME.tar each, for
// `dagger call build tarballs export --path=out/`.
func (i *Images) Tarballs() *dagger.Directory {
	d := dag.Directory()
	for k, name := range i.Names {
		d = d.WithFile(name+".tar", i.Containers[k].AsTarball())
	}
	return d
}

// tarballs are the built images exported into the module's scratch space.
type tarballs struct {
	dir   string
	paths map[string]string
}

func (t tarballs) remove() { os.RemoveAll(t.dir) }

// exportImages writes every image as an OCI tarball, concurrently.
func exportImages(ctx context.Context, imgs *Images) (tarballs, error) {
	dir, err := os.MkdirTemp("", "stack-images-")
	if err != nil {
		return tarballs{}, fmt.Errorf("exporting the images: %v", err)
	}
	t := tarballs{dir: dir, paths: map[string]string{}}
	errs := make([]error, len(imgs.Names))
	var wg sync.WaitGroup
	for k, name := range imgs.Names {
		p := filepath.Join(dir, strconv.Itoa(k)+"-"+name+".tar")
		t.paths[name] = p
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := imgs.Containers[k].AsTarball().Export(ctx, p); err != nil {
				errs[k] = fmt.Errorf("exporting the %s image: %v", name, err)
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.remove()
		return tarballs{}, err
	}
	return t, nil
}
