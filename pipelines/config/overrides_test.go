package config

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stack-ci/stack/pipelines/budget"
	"github.com/stack-ci/stack/pipelines/scan"
)

func TestOverrides(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		file  string // example under testdata/examples, "" for the defaults
		o     Overrides
		check func(t *testing.T, c Config)
	}{
		{"none: the HiveMind defaults", "", Overrides{}, func(t *testing.T, c Config) {
			fe, be := c.Images[0], c.Images[1]
			if fe.Name != "frontend" || fe.Kind != KindSPA || fe.BuildScript != "build:web" || fe.OutputDir != "dist" || fe.RuntimeImage != "nginx:alpine" || fe.NginxConfig != "nginx/default.conf" {
				t.Errorf("frontend = %+v", fe)
			}
			if be.Name != "backend" || be.Kind != KindNode || be.Start != "npm run webui" || be.Port != 8765 || be.HealthPath != "/health" || be.User != 1001 || be.BaseImage != "node:20-alpine" {
				t.Errorf("backend = %+v", be)
			}
			if c.Services.Database.Image != "postgres:15-alpine" || c.Services.Redis.Image != "redis:7-alpine" || !c.Services.Redis.On() {
				t.Errorf("services = %+v", c.Services)
			}
		}},
		{"the HiveMind arguments", "", Overrides{
			Name: "hivemind", NodeImage: "node:22-alpine", NginxImage: "nginx:1.27-alpine", BuildScript: "build",
			OutputDir: "build", NginxConfig: "deploy/nginx.conf", SourceMaps: true, StartCommand: "node server/index.js",
			BackendPort: 3000, HealthPath: "/healthz", Registry: "ghcr.io/acme",
		}, func(t *testing.T, c Config) {
			fe, be := c.Images[0], c.Images[1]
			if fe.BaseImage != "node:22-alpine" || fe.RuntimeImage != "nginx:1.27-alpine" || fe.BuildScript != "build" || fe.OutputDir != "build" || fe.NginxConfig != "deploy/nginx.conf" || !fe.SourceMaps {
				t.Errorf("frontend = %+v", fe)
			}
			if be.BaseImage != "node:22-alpine" || be.RuntimeImage != "node:22-alpine" || be.Start != "node server/index.js" || be.Port != 3000 || be.HealthPath != "/healthz" {
				t.Errorf("backend = %+v", be)
			}
			if c.Name != "hivemind" || c.Repository("backend") != "ghcr.io/acme/hivemind-backend" || c.Services.Database.Name != "hivemind" {
				t.Errorf("name %q, repository %q, database %q", c.Name, c.Repository("backend"), c.Services.Database.Name)
			}
		}},
		{"dockerfiles keep port, health and env", "hivemind", Overrides{FrontendDockerfile: "Dockerfile.frontend", BackendDockerfile: "Dockerfile.backend"}, func(t *testing.T, c Config) {
			fe, be := c.Images[0], c.Images[1]
			if fe.Kind != KindDockerfile || fe.Dockerfile != "Dockerfile.frontend" || fe.Port != 80 || fe.BuildScript != "" || fe.User != 0 {
				t.Errorf("frontend = %+v", fe)
			}
			if be.Kind != KindDockerfile || be.Port != 8765 || be.HealthPath != "/health" || be.Env["NODE_ENV"].Value != "production" || be.Start != "" || be.User != 0 {
				t.Errorf("backend = %+v", be)
			}
		}},
		{"the file's values lose to the arguments", "split-yarn-ts", Overrides{BackendPort: 4000, ScanThreshold: "medium", IgnoreUnfixed: true, FrontendBudget: "none", StackBudget: "1GB"}, func(t *testing.T, c Config) {
			if be, _ := c.Image("backend"); be.Port != 4000 {
				t.Errorf("port %d", be.Port)
			}
			if c.Scan.Threshold != scan.SeverityMedium || !c.Scan.IgnoreUnfixed {
				t.Errorf("scan = %+v", c.Scan)
			}
			b := c.Budgets.Budgets()
			if _, ok := b.Images["frontend"]; ok || b.Stack != budget.GB || b.Images["backend"] != 250*budget.MB {
				t.Errorf("budgets = %+v", b)
			}
		}},
		{"the compressed metric takes its own defaults", "", Overrides{BudgetMetric: "compressed", BackendBudget: "70MB"}, func(t *testing.T, c Config) {
			b := c.Budgets.Budgets()
			if b.Metric != budget.Compressed || b.Images["frontend"] != budget.DefaultFrontendCompressedBudget || b.Images["backend"] != 70*budget.MB || b.Stack != budget.DefaultStackCompressedBudget {
				t.Errorf("budgets = %+v", b)
			}
		}},
		{"roles found by kind when not by name", "monorepo-pnpm", Overrides{BuildScript: "build:prod", StartCommand: "node dist/main.js"}, func(t *testing.T, c Config) {
			web, _ := c.Image("web")
			api, _ := c.Image("api")
			if web.BuildScript != "build:prod" || api.Start != "node dist/main.js" {
				t.Errorf("web %q, api %q", web.BuildScript, api.Start)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var cfg Config
			if tt.file != "" {
				cfg = loadWritten(t, filepath.Join("testdata", "examples", tt.file+".yaml"))
			}
			before, _ := Marshal(cfg)
			c, err := Effective(cfg, tt.o)
			if err != nil {
				t.Fatal(err)
			}
			if after, _ := Marshal(cfg); !bytes.Equal(before, after) {
				t.Error("Effective changed its argument")
			}
			tt.check(t, c)
		})
	}
}

// loadWritten parses a file without resolving it.
func loadWritten(t *testing.T, path string) Config {
	t.Helper()
	cfg, err := Parse(filepath.Base(path), mustRead(t, path))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestGoErrors covers the problems that come from the command line and
// from configurations built in Go (ci/ may build one), and an oversized
// file: testdata/errors/go.golden.
func TestGoErrors(t *testing.T) {
	t.Parallel()
	nextjs := Config{Images: []Image{{Name: "web", Kind: KindNextJS}}}
	two := Config{Images: []Image{{Name: "api", Kind: KindNode}, {Name: "worker", Kind: KindNode, Path: "worker"}}}
	cases := []struct {
		name string
		cfg  Config
		o    Overrides
	}{
		{"bad argument values", Config{}, Overrides{
			Name: "Bad Name", Registry: "https://x", NodeImage: "node:latest", NginxImage: "nginx@sha256:00",
			BuildScript: "npm run build", OutputDir: "/dist", NginxConfig: "../x", StartCommand: "a | b",
			HealthPath: "health", BackendPort: 70000, FrontendDockerfile: "../Dockerfile", ScanThreshold: "severe",
			BudgetMetric: "zipped", FrontendBudget: "big", StackBudget: "0",
		}},
		{"arguments without an image to apply to", nextjs, Overrides{BuildScript: "build", SourceMaps: true, BackendPort: 3000, BackendDockerfile: "Dockerfile", BackendBudget: "1GB"}},
		{"a role of the wrong kind", Config{Images: []Image{{Name: "frontend", Kind: KindNextJS}, {Name: "backend", Kind: KindSPA}}, Smoke: Smoke{FrontDoor: "frontend"}}, Overrides{OutputDir: "out", StartCommand: "node x.js"}},
		{"no backend among several nodes", two, Overrides{StartCommand: "node a.js"}},
		{"values out of range", Config{
			Images:  []Image{{Name: "api", Kind: KindNode, Port: 70000, User: -1}, {Name: "img", Path: "", Kind: KindDockerfile, Dockerfile: "Dockerfile", Port: 80}},
			Smoke:   Smoke{FrontDoor: "img", Checks: []Check{{Name: "c", Steps: []Step{{HTTP: &HTTPStep{Path: "/", Expect: HTTPExpect{Status: 42}}}}}}},
			Budgets: Budgets{Stack: -5, Images: map[string]Limit{"api": -2}},
			Tags:    Tags{ShaLength: 2},
		}, Overrides{}},
	}
	var b strings.Builder
	for _, c := range cases {
		_, err := Effective(c.cfg, c.o)
		fmt.Fprintf(&b, "== %s\n%v\n\n", c.name, err)
		var errs Errors
		if err == nil || !errors.As(err, &errs) {
			t.Errorf("%s: error %v, want Errors", c.name, err)
		}
	}
	_, err := Parse("huge.yaml", bytes.Repeat([]byte("# padding\n"), maxFileSize/10+1))
	fmt.Fprintf(&b, "== a file over 1 MiB\n%v\n", err)
	golden(t, filepath.Join("testdata", "errors", "go.golden"), []byte(b.String()))
}
