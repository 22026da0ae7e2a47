package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"dagger/stack/internal/dagger"

	"golang.org/x/sync/errgroup"

	"github.com/stack-ci/stack/pipelines/oci"
	"github.com/stack-ci/stack/pipelines/recipe"
)

// appDir is where the application lives inside the build and runtime images.
const appDir = "/app"

// npmCache is the npm download cache shared by every build stage.
func npmCache() *dagger.CacheVolume { return dag.CacheVolume("stack-npm") }

// nodeStage starts a build stage on the node image with the npm cache, the
// manifests and a clean install of the dependencies (`npm ci ARGS…`).
func (m *Stack) nodeStage(args ...string) *dagger.Container {
	return dag.Container().
		From(m.NodeImage).
		WithMountedCache("/root/.npm", npmCache()).
		WithEnvVariable("npm_config_cache", "/root/.npm").
		WithEnvVariable("npm_config_update_notifier", "false").
		WithWorkdir(appDir).
		WithDirectory(appDir, m.Source, dagger.ContainerWithDirectoryOpts{Include: []string{"package.json", "package-lock.json", ".npmrc"}}).
		WithExec(append([]string{"npm", "ci", "--no-audit", "--no-fund"}, args...))
}

// labels returns the OCI labels of one image.
func (m *Stack) labels(image string) (map[string]string, error) {
	created, err := recipe.ParseCreated(m.LabelInfo.Created, time.Now())
	if err != nil {
		return nil, fmt.Errorf("--created: %v", err)
	}
	return recipe.Labels(recipe.LabelInfo{
		Title:    m.Name + "-" + image,
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

// Spa builds the SPA and returns its files (without source maps unless asked).
func (m *Stack) Spa() *dagger.Directory {
	dist := m.nodeStage().
		WithDirectory(appDir, m.Source).
		WithExec([]string{"npm", "run", m.BuildScript}).
		Directory(appDir + "/" + m.OutputDir)
	if !m.SourceMaps {
		dist = dist.Filter(dagger.DirectoryFilterOpts{Exclude: []string{recipe.SourceMapPattern}})
	}
	return dist
}

// nginxConfigFile returns the app's nginx config, or the module's default.
func (m *Stack) nginxConfigFile(ctx context.Context) (*dagger.File, error) {
	ok, err := m.Source.Exists(ctx, m.NginxConfig)
	if err != nil {
		return nil, fmt.Errorf("looking for %s in the source: %v", m.NginxConfig, err)
	}
	if ok {
		return m.Source.File(m.NginxConfig), nil
	}
	return dag.Directory().
		WithNewFile("default.conf", recipe.DefaultNginxConfig(recipe.BackendHost, m.BackendPort)).
		File("default.conf"), nil
}

// Frontend builds the frontend image: the SPA built on the node image, served
// by nginx with the app's config (or the module's default), port 80, and a
// healthcheck.
func (m *Stack) Frontend(ctx context.Context) (*dagger.Container, error) {
	labels, err := m.labels("frontend")
	if err != nil {
		return nil, err
	}
	if m.FrontendDockerfile != "" {
		return withLabels(m.Source.DockerBuild(dagger.DirectoryDockerBuildOpts{Dockerfile: m.FrontendDockerfile}), labels), nil
	}
	conf, err := m.nginxConfigFile(ctx)
	if err != nil {
		return nil, err
	}
	c := dag.Container().
		From(m.NginxImage).
		WithoutDirectory("/usr/share/nginx/html").
		WithDirectory("/usr/share/nginx/html", m.Spa()).
		WithFile("/etc/nginx/conf.d/default.conf", conf).
		WithExposedPort(80).
		WithDockerHealthcheck(recipe.NginxHealthcheck("/"), dagger.ContainerWithDockerHealthcheckOpts{Interval: "10s", Timeout: "3s", StartPeriod: "5s", Retries: 3}).
		WithDefaultArgs([]string{"nginx", "-g", "daemon off;"})
	return withLabels(c, labels), nil
}

// Backend builds the backend image: production dependencies installed in a
// separate stage, then the app on a fresh node image, running as uid 1001
// with NODE_ENV=production, the port exposed, a healthcheck that needs only
// node, and the start command as default arguments.
func (m *Stack) Backend(ctx context.Context) (*dagger.Container, error) {
	labels, err := m.labels("backend")
	if err != nil {
		return nil, err
	}
	if m.BackendDockerfile != "" {
		return withLabels(m.Source.DockerBuild(dagger.DirectoryDockerBuildOpts{Dockerfile: m.BackendDockerfile}), labels), nil
	}
	pkg, err := m.Source.File("package.json").Contents(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading package.json from the source: %v", err)
	}
	start, err := recipe.ResolveStart(m.StartCommand, []byte(pkg))
	if err != nil {
		return nil, err
	}
	deps := m.nodeStage("--omit=dev").Directory(appDir + "/node_modules")
	port := strconv.Itoa(m.BackendPort)
	c := dag.Container().
		From(m.NodeImage).
		WithWorkdir(appDir).
		WithDirectory(appDir, m.Source, dagger.ContainerWithDirectoryOpts{Exclude: recipe.BackendExclude}).
		WithDirectory(appDir+"/node_modules", deps).
		WithEnvVariable("NODE_ENV", "production").
		WithEnvVariable("PORT", port).
		WithExposedPort(m.BackendPort).
		WithDockerHealthcheck(recipe.NodeHealthcheck(m.BackendPort, m.HealthPath), dagger.ContainerWithDockerHealthcheckOpts{Interval: "10s", Timeout: "5s", StartPeriod: "10s", Retries: 3}).
		WithUser(strconv.Itoa(recipe.BackendUID) + ":" + strconv.Itoa(recipe.BackendUID)).
		WithDefaultArgs(start.Args)
	return withLabels(c, labels), nil
}

// Images are the built frontend and backend images.
type Images struct {
	// The frontend image: nginx serving the SPA and proxying the API.
	Frontend *dagger.Container
	// The backend image: the Node API.
	Backend *dagger.Container
}

// Build builds the frontend and backend images concurrently. A failure names
// the image and the step, with the tail of its output.
func (m *Stack) Build(ctx context.Context) (*Images, error) {
	var imgs Images
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		c, err := m.Frontend(gctx)
		if err == nil {
			imgs.Frontend, err = c.Sync(gctx)
		}
		return explain("frontend", err)
	})
	g.Go(func() error {
		c, err := m.Backend(gctx)
		if err == nil {
			imgs.Backend, err = c.Sync(gctx)
		}
		return explain("backend", err)
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return &imgs, nil
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
	var b strings.Builder
	for _, img := range []struct {
		name string
		ctr  *dagger.Container
	}{{"frontend", i.Frontend}, {"backend", i.Backend}} {
		d, err := manifestDigest(ctx, img.name, img.ctr)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "%s %s\n", img.name, d)
	}
	return b.String(), nil
}

// exportImage writes the container's OCI tarball into the module's scratch
// space, where pipelines/ packages read it.
func exportImage(ctx context.Context, name string, c *dagger.Container) (string, error) {
	dir, err := os.MkdirTemp("", "stack-image-")
	if err != nil {
		return "", fmt.Errorf("exporting %s: %v", name, err)
	}
	path := filepath.Join(dir, name+".tar")
	if _, err := c.AsTarball().Export(ctx, path); err != nil {
		return "", fmt.Errorf("exporting %s: %v", name, err)
	}
	return path, nil
}

// manifestDigest returns the digest of the image's manifest.
func manifestDigest(ctx context.Context, name string, c *dagger.Container) (string, error) {
	path, err := exportImage(ctx, name, c)
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(filepath.Dir(path))
	img, err := oci.Open(path)
	if err != nil {
		return "", fmt.Errorf("reading the %s image: %v", name, err)
	}
	defer img.Close()
	return img.Digest.String(), nil
}

// Tarballs returns the images as OCI tarballs, frontend.tar and backend.tar,
// for `dagger call build tarballs export --path=out/`.
func (i *Images) Tarballs() *dagger.Directory {
	return dag.Directory().
		WithFile("frontend.tar", i.Frontend.AsTarball()).
		WithFile("backend.tar", i.Backend.AsTarball())
}
