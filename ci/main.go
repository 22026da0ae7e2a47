// Stack is the CI/CD pipeline of a full-stack web application: a React (or
// any) SPA served by nginx, a Node API with WebSockets, a SQL database and
// Redis.
//
// It builds the app's images (multi-stage: dependencies and build on node,
// then a slim runtime: nginx for an SPA, node as a non-root user for a
// server, Next.js standalone), gates them (Trivy, size budgets, image
// policy), smoke-tests them against ephemeral database and redis services,
// and only then tags and pushes them.
//
// The app's shape comes from a stack.yaml at the source root (images,
// package managers, commands, ports, services, smoke checks, budgets, tags;
// see `dagger call config`), completed by detection; every key is optional,
// with defaults that fit the HiveMind layout: one package.json, `npm run
// build:web` writes the SPA to dist/, `npm run webui` starts the API on port
// 8765 with health at /health, nginx/default.conf proxies /api/ and
// /socket.io/. Command-line arguments win over the file.
//
//	dagger call --source=examples/hivemind check assert
package main

import (
	"fmt"
	"time"

	"dagger/stack/internal/dagger"

	"github.com/stack-ci/stack/pipelines/budget"
	"github.com/stack-ci/stack/pipelines/policy"
	"github.com/stack-ci/stack/pipelines/recipe"
	"github.com/stack-ci/stack/pipelines/scan"
	"github.com/stack-ci/stack/pipelines/smoke"
)

// Stack is the pipeline of one application.
type Stack struct {
	// The application's source directory.
	Source *dagger.Directory
	// The application's config file in the source ("" looks for stack.yaml).
	ConfigFile string

	// The command-line overrides of stack.yaml (empty: not given).

	// Name of the app (images are titled NAME-IMAGE).
	Name string
	// Base image of the build stages and of the node runtimes.
	NodeImage string
	// Runtime image of the SPA.
	NginxImage string
	// package.json script that builds the frontend's SPA.
	BuildScript string
	// Folder the build script writes the SPA to.
	OutputDir string
	// Command that starts the backend.
	StartCommand string
	// Port the backend listens on.
	BackendPort int
	// The backend's health endpoint.
	HealthPath string
	// The frontend's nginx server config in the source.
	NginxConfig string
	// Keep the SPA's source maps in the frontend image.
	SourceMaps bool
	// Dockerfile the frontend is built from instead of the built-in recipe.
	FrontendDockerfile string
	// Dockerfile the backend is built from instead of the built-in recipe.
	BackendDockerfile string

	// OCI labels shared by every image.
	// +private
	LabelInfo LabelInfo

	// Lowest severity that fails the scan gate ("" : stack.yaml, else HIGH).
	Severity string
	// Let vulnerabilities without a fixed version pass the gate.
	IgnoreUnfixed bool
	// Trivy image the scans run in.
	TrivyImage string
	// Repositories the vulnerability DB is downloaded from, in order.
	TrivyDbRepository []string
	// A Trivy cache directory holding db/trivy.db: scan offline with it.
	// +private
	TrivyDb *dagger.Directory
	// Time limit of each Trivy run.
	ScanTimeout string
	// Size budgets, NAME=SIZE, over stack.yaml's.
	Budgets []string
	// The size the budgets apply to: uncompressed or compressed.
	BudgetMetric string
	// Policy waivers: RULE=REASON or IMAGE:RULE=REASON.
	Waive []string

	// Database the smoke tests start: postgres, mysql, mariadb or none.
	Database string
	// Image of the smoke tests' database.
	DatabaseImage string
	// Name of the smoke tests' database.
	DatabaseName string
	// Image of the smoke tests' redis.
	RedisImage string
	// Extra environment of the app's servers in the smoke tests, NAME=VALUE.
	BackendEnv []string
	// Time limit for each service of the smoke tests to become ready.
	SmokeTimeout string
	// Client-side route the smoke tests open through the front door.
	DeepLink string
	// The health endpoint as reached through the front door.
	ApiHealthPath string
	// Go image the smoke checker is built with.
	GoImage string
	// The module's own source, for building its helper binaries.
	// +private
	ToolSource *dagger.Directory
}

// LabelInfo is what the OCI labels say about the build.
type LabelInfo struct {
	// Repository URL (org.opencontainers.image.source).
	Source string
	// VCS revision (org.opencontainers.image.revision).
	Revision string
	// Version of the application (org.opencontainers.image.version).
	Version string
	// Build time, RFC 3339 (org.opencontainers.image.created).
	Created string
}

// New configures the pipeline for one application. Every setting of the
// app's shape is optional: unset, it comes from the source's stack.yaml,
// then from detection and the HiveMind defaults given below.
func New(
	// The application's source directory; node_modules, build output and VCS
	// data are left out.
	// +defaultPath="/"
	// +ignore=["**/node_modules", "**/dist", "**/build", "**/.next", "**/coverage", "**/.cache", "**/.git", "**/*.log", "**/.env", "**/.env.*", "**/.DS_Store"]
	source *dagger.Directory,
	// The app's config file in the source (default stack.yaml or stack.yml
	// when present; without one, detection and defaults decide).
	// +optional
	config string,
	// Name of the app: images are titled NAME-IMAGE and pushed as
	// REGISTRY/NAME-IMAGE (default: stack.yaml's name, else "app").
	// +optional
	name string,
	// Base image of the build stages and of the node runtimes (default
	// node:20-alpine; any image with node; pin a tag or a digest).
	// +optional
	nodeImage string,
	// Runtime image of the SPA (default nginx:alpine; any image with nginx).
	// +optional
	nginxImage string,
	// package.json script that builds the frontend's SPA (default build:web).
	// +optional
	buildScript string,
	// Directory, relative to the frontend's folder, where the build script
	// writes the SPA (default dist).
	// +optional
	outputDir string,
	// Command that starts the backend (default npm run webui); `npm run X`
	// (and yarn's and pnpm's) is replaced by X's command when it needs no
	// shell, so the app receives signals itself.
	// +optional
	startCommand string,
	// Port the backend listens on (default 8765).
	// +optional
	backendPort int,
	// Path of the backend's own health endpoint (default /health).
	// +optional
	healthPath string,
	// nginx server config of the frontend, in the source (default
	// nginx/default.conf); when absent, the module's own config is used (SPA
	// fallback, /api/ and /socket.io/ proxied to the backend, gzip, cache
	// and security headers).
	// +optional
	nginxConfig string,
	// Keep source maps (*.map) in the SPA image.
	// +optional
	sourceMaps bool,
	// Build the frontend from this Dockerfile (e.g. Dockerfile.frontend)
	// instead of the built-in recipe.
	// +optional
	frontendDockerfile string,
	// Build the backend from this Dockerfile (e.g. Dockerfile.backend)
	// instead of the built-in recipe.
	// +optional
	backendDockerfile string,
	// Repository URL for the org.opencontainers.image.source label.
	// +optional
	sourceUrl string,
	// VCS revision for the org.opencontainers.image.revision label.
	// +optional
	revision string,
	// Application version for the org.opencontainers.image.version label
	// (default "dev").
	// +optional
	version string,
	// Build time for the org.opencontainers.image.created label: RFC 3339 or
	// Unix seconds (SOURCE_DATE_EPOCH); default now.
	// +optional
	created string,
	// Lowest severity that fails the scan gate: LOW, MEDIUM, HIGH or
	// CRITICAL (default: stack.yaml's scan.threshold, else HIGH).
	// +optional
	severity string,
	// Let vulnerabilities without a fixed version pass the scan gate (they
	// are still reported).
	// +optional
	ignoreUnfixed bool,
	// Trivy image the scans run in.
	// +default="aquasec/trivy:0.74.0"
	trivyImage string,
	// Repositories to download Trivy's vulnerability DB from, in order (e.g.
	// an internal mirror of mirror.gcr.io/aquasec/trivy-db:2); default
	// Trivy's own.
	// +optional
	trivyDbRepository []string,
	// A Trivy cache directory that holds db/trivy.db and db/metadata.json
	// (and java-db/ for images with Java archives): the scans use it and
	// download nothing (air-gapped runs).
	// +optional
	trivyDb *dagger.Directory,
	// Time limit of each Trivy run, e.g. 5m.
	// +default="10m"
	scanTimeout string,
	// Size budgets over stack.yaml's (default frontend=64MB, backend=200MB,
	// stack=500MB), NAME=SIZE each; "none" removes one.
	// +optional
	budget []string,
	// The size the budgets apply to: uncompressed (what the image takes on
	// disk) or compressed (what a pull transfers). Default uncompressed.
	// +optional
	budgetMetric string,
	// Waive an image policy rule (non-root, healthcheck, no-secrets,
	// exposes-port) with a reason: RULE=REASON for every image or
	// IMAGE:RULE=REASON for one, besides stack.yaml's waivers. (An nginx
	// image's non-root rule is waived by default: its master process binds
	// port 80 as root and its workers run unprivileged.)
	// +optional
	waive []string,
	// Database the smoke tests start: postgres, mysql, mariadb or none
	// (default: stack.yaml's, else postgres). The app gets its address and
	// credentials in the env names stack.yaml maps (default
	// POSTGRES_HOST/PORT/USER/PASSWORD/DB or MYSQL_…, and DATABASE_URL).
	// +optional
	database string,
	// Image of that database (default postgres:15-alpine, mysql:8.4 or
	// mariadb:11.4).
	// +optional
	databaseImage string,
	// Name of that database (default: the app's name).
	// +optional
	databaseName string,
	// Image of the smoke tests' redis (default redis:7-alpine); the app gets
	// REDIS_HOST/PORT/PASSWORD and REDIS_URL by default.
	// +optional
	redisImage string,
	// Extra environment of the app's servers in the smoke tests, NAME=VALUE.
	// +optional
	backendEnv []string,
	// Time limit for each smoke service to become ready, e.g. 3m.
	// +default="3m"
	smokeTimeout string,
	// A client-side route the smoke tests open through the front door
	// (default /about).
	// +optional
	deepLink string,
	// The health endpoint as reached through the front door (default
	// /api/v1/health).
	// +optional
	apiHealthPath string,
	// Go image the smoke checker (cmd/stack-smoke) is built with.
	// +default="golang:1.26-alpine"
	goImage string,
	// The stack module's own source, for building its helper binaries
	// (default: this module's repository).
	// +defaultPath="/"
	// +ignore=["*", "!go.mod", "!go.sum", "!pipelines/", "!cmd/", "**/testdata", "**/*_test.go"]
	toolSource *dagger.Directory,
) (*Stack, error) {
	m := &Stack{
		Source:             source,
		ConfigFile:         config,
		Name:               name,
		NodeImage:          nodeImage,
		NginxImage:         nginxImage,
		BuildScript:        buildScript,
		OutputDir:          outputDir,
		StartCommand:       startCommand,
		BackendPort:        backendPort,
		HealthPath:         healthPath,
		NginxConfig:        nginxConfig,
		SourceMaps:         sourceMaps,
		FrontendDockerfile: frontendDockerfile,
		BackendDockerfile:  backendDockerfile,
		LabelInfo:          LabelInfo{Source: sourceUrl, Revision: revision, Version: version, Created: created},
		Severity:           severity,
		IgnoreUnfixed:      ignoreUnfixed,
		TrivyImage:         trivyImage,
		TrivyDbRepository:  trivyDbRepository,
		TrivyDb:            trivyDb,
		ScanTimeout:        scanTimeout,
		Budgets:            budget,
		BudgetMetric:       budgetMetric,
		Waive:              waive,
		Database:           database,
		DatabaseImage:      databaseImage,
		DatabaseName:       databaseName,
		RedisImage:         redisImage,
		BackendEnv:         backendEnv,
		SmokeTimeout:       smokeTimeout,
		DeepLink:           deepLink,
		ApiHealthPath:      apiHealthPath,
		GoImage:            goImage,
		ToolSource:         toolSource,
	}
	if err := m.validate(); err != nil {
		return nil, err
	}
	return m, nil
}

// validate checks the arguments that need no source, so that a bad one
// fails before anything is built; the rest is checked with stack.yaml.
func (m *Stack) validate() error {
	if _, err := recipe.ParseCreated(m.LabelInfo.Created, time.Now()); err != nil {
		return fmt.Errorf("--created: %v", err)
	}
	if m.Severity != "" {
		if _, err := scan.ParseSeverity(m.Severity); err != nil {
			return fmt.Errorf("--severity: %v", err)
		}
	}
	if _, err := m.scanOptions(); err != nil {
		return err
	}
	if m.BudgetMetric != "" {
		if _, err := budget.ParseMetric(m.BudgetMetric); err != nil {
			return fmt.Errorf("--budget-metric: %v", err)
		}
	}
	if _, err := budget.ApplySpecs(budget.Budgets{}, m.Budgets); err != nil {
		return fmt.Errorf("--budget: %v", err)
	}
	if _, err := policy.ParseWaiverSpecs(m.Waive); err != nil {
		return fmt.Errorf("--waive: %v", err)
	}
	if m.Database != "" {
		if _, err := smoke.ParseDatabaseKind(m.Database); err != nil {
			return fmt.Errorf("--database: %v", err)
		}
	}
	if _, err := recipe.ParseEnv(m.BackendEnv); err != nil {
		return fmt.Errorf("--backend-env: %v", err)
	}
	for _, img := range []struct{ arg, ref string }{
		{"trivy-image", m.TrivyImage}, {"go-image", m.GoImage}, {"node-image", m.NodeImage}, {"nginx-image", m.NginxImage},
		{"database-image", m.DatabaseImage}, {"redis-image", m.RedisImage},
	} {
		if img.ref == "" {
			continue
		}
		if err := recipe.ValidateImageRef(img.ref); err != nil {
			return fmt.Errorf("--%s: %v", img.arg, err)
		}
	}
	if d, err := time.ParseDuration(m.SmokeTimeout); err != nil || d <= 0 {
		return fmt.Errorf("--smoke-timeout %q: want a positive duration such as 3m", m.SmokeTimeout)
	}
	return nil
}
