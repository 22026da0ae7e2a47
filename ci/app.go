package main

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"dagger/stack/internal/dagger"

	"github.com/stack-ci/stack/pipelines/config"
	"github.com/stack-ci/stack/pipelines/plan"
	"github.com/stack-ci/stack/pipelines/smoke"
)

// source reads the app's source tree for detection (detect.Source): files
// with File.Contents, folders with Directory.Entries.
type source struct {
	ctx context.Context
	dir *dagger.Directory
}

func (s source) ReadFile(name string) ([]byte, error) {
	ok, err := s.dir.Exists(s.ctx, name, dagger.DirectoryExistsOpts{ExpectedType: dagger.ExistsTypeRegularType})
	if err != nil {
		return nil, fmt.Errorf("looking for %s in the source: %v", name, err)
	}
	if !ok {
		return nil, fmt.Errorf("%s: %w", name, fs.ErrNotExist)
	}
	text, err := s.dir.File(name).Contents(s.ctx)
	if err != nil {
		return nil, fmt.Errorf("reading %s from the source: %v", name, err)
	}
	return []byte(text), nil
}

func (s source) ReadDir(name string) ([]string, error) {
	if name != "." {
		ok, err := s.dir.Exists(s.ctx, name, dagger.DirectoryExistsOpts{ExpectedType: dagger.ExistsTypeDirectoryType})
		if err != nil {
			return nil, fmt.Errorf("looking for %s in the source: %v", name, err)
		}
		if !ok {
			return nil, fmt.Errorf("%s: %w", name, fs.ErrNotExist)
		}
	}
	entries, err := s.dir.Directory(path.Clean(name)).Entries(s.ctx)
	if err != nil {
		return nil, fmt.Errorf("listing %s in the source: %v", name, err)
	}
	return entries, nil
}

// app is the loaded application: its effective configuration and the plan
// of each image.
type app struct {
	plan.App
	Plans []plan.Image
}

// plan returns the plan of the image named name.
func (a *app) plan(name string) (plan.Image, bool) {
	for _, p := range a.Plans {
		if p.Name == name {
			return p, true
		}
	}
	return plan.Image{}, false
}

// names lists the images in order.
func (a *app) names() []string {
	out := make([]string, len(a.Plans))
	for i, p := range a.Plans {
		out[i] = p.Name
	}
	return out
}

// load reads stack.yaml, completes it by detection, applies the
// command-line arguments and plans every image.
func (m *Stack) load(ctx context.Context) (*app, error) {
	src := source{ctx: ctx, dir: m.Source}
	o := config.Overrides{
		Name:               m.Name,
		NodeImage:          m.NodeImage,
		NginxImage:         m.NginxImage,
		BuildScript:        m.BuildScript,
		OutputDir:          m.OutputDir,
		NginxConfig:        m.NginxConfig,
		SourceMaps:         m.SourceMaps,
		StartCommand:       m.StartCommand,
		BackendPort:        m.BackendPort,
		HealthPath:         m.HealthPath,
		FrontendDockerfile: m.FrontendDockerfile,
		BackendDockerfile:  m.BackendDockerfile,
		ScanThreshold:      m.Severity,
		IgnoreUnfixed:      m.IgnoreUnfixed,
		BudgetMetric:       m.BudgetMetric,
	}
	loaded, err := plan.Load(src, m.ConfigFile, o, m.serviceOverrides)
	if err != nil {
		return nil, fmt.Errorf("the app's configuration: %v", err)
	}
	plans, err := loaded.Images(src)
	if err != nil {
		return nil, fmt.Errorf("planning the images: %v", err)
	}
	return &app{App: loaded, Plans: plans}, nil
}

// serviceOverrides applies the smoke arguments to the file's configuration,
// before defaults (the database kind decides the default env names).
func (m *Stack) serviceOverrides(c *config.Config) {
	if m.Database != "" {
		kind, _ := smoke.ParseDatabaseKind(m.Database) // validated in New
		c.Services.Database.Kind = config.DatabaseKind(kind)
	}
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&c.Services.Database.Image, m.DatabaseImage)
	set(&c.Services.Database.Name, m.DatabaseName)
	set(&c.Services.Redis.Image, m.RedisImage)
	set(&c.Smoke.DeepLink, m.DeepLink)
	set(&c.Smoke.HealthPath, m.ApiHealthPath)
}

// Config prints the effective configuration: stack.yaml completed by
// detection, defaults and the command-line arguments, as YAML, then what
// was detected and how each image will be built.
func (m *Stack) Config(ctx context.Context) (string, error) {
	a, err := m.load(ctx)
	if err != nil {
		return "", err
	}
	y, err := config.Marshal(a.Config)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.Write(y)
	file := a.File
	if file == "" {
		file = "none (defaults and detection)"
	}
	fmt.Fprintf(&b, "\n# config file: %s\n# detected:\n", file)
	for _, line := range strings.Split(strings.TrimSpace(a.Explain), "\n") {
		fmt.Fprintf(&b, "#   %s\n", line)
	}
	b.WriteString("# recipes:\n")
	for _, p := range a.Plans {
		fmt.Fprintf(&b, "#   %s (%s): %s\n", p.Name, p.Kind, strings.Join(p.Notes, "; "))
	}
	return b.String(), nil
}
