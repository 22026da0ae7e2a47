// Stack is the CI/CD pipeline of a full-stack web application: a React (or
// any) SPA served by nginx, a Node API with WebSockets, PostgreSQL and Redis.
//
// It builds a multi-stage frontend image (node build → nginx) and backend
// image (production dependencies → slim, non-root runtime), gates them (Trivy,
// size budgets, image policy), smoke-tests them against ephemeral postgres
// and redis services, and only then tags and pushes them.
//
// The defaults fit the HiveMind layout: one package.json, `npm run build:web`
// writes the SPA to dist/, `npm run webui` starts the API on port 8765 with
// health at /health, and nginx/default.conf proxies /api/ and /socket.io/.
// Every default is an argument of the constructor:
//
//	dagger call --source=examples/hivemind build
package main

import (
	"fmt"
	"time"

	"dagger/stack/internal/dagger"

	"github.com/stack-ci/stack/pipelines/recipe"
	"github.com/stack-ci/stack/pipelines/smoke"
)

// Stack is the pipeline of one application.
type Stack struct {
	// The application's source directory.
	Source *dagger.Directory
	// Base image of the build stages and the backend runtime.
	NodeImage string
	// Base image of the frontend runtime.
	NginxImage string
	// package.json script that builds the SPA.
	BuildScript string
	// Directory the build script writes the SPA to.
	OutputDir string
	// Command that starts the backend.
	StartCommand string
	// Port the backend listens on.
	BackendPort int
	// Path of the backend's health endpoint.
	HealthPath string
	// Path of the nginx server config in the source.
	NginxConfig string
	// Keep source maps in the frontend image.
	SourceMaps bool
	// Dockerfile for the frontend instead of the built-in recipe.
	FrontendDockerfile string
	// Dockerfile for the backend instead of the built-in recipe.
	BackendDockerfile string
	// Name prefix of the images (their OCI title is PREFIX-frontend, PREFIX-backend).
	Name string
	// OCI labels shared by both images.
	// +private
	LabelInfo LabelInfo

	// Lowest severity that fails the scan gate.
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
	// Size budgets, NAME=SIZE, over the defaults.
	Budgets []string
	// The size the budgets apply to: uncompressed or compressed.
	BudgetMetric string
	// Policy waivers: RULE=REASON or IMAGE:RULE=REASON.
	Waive []string

	// Database the smoke tests start: postgres, mysql, mariadb or none.
	Database string
	// Image of the smoke tests' database (default by kind).
	DatabaseImage string
	// Name of the smoke tests' database.
	DatabaseName string
	// Image of the smoke tests' redis.
	RedisImage string
	// Extra environment of the backend in the smoke tests, NAME=VALUE.
	BackendEnv []string
	// Time limit for each service of the smoke tests to become ready.
	SmokeTimeout string
	// Client-side route the smoke tests open through nginx.
	DeepLink string
	// The backend's health endpoint as proxied by the frontend.
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

// New configures the pipeline for one application.
func New(
	// The application's source directory; node_modules, build output and VCS
	// data are left out.
	// +defaultPath="/"
	// +ignore=["**/node_modules", "**/dist", "**/build", "**/.next", "**/coverage", "**/.cache", "**/.git", "**/*.log", "**/.env", "**/.env.*", "**/.DS_Store"]
	source *dagger.Directory,
	// Base image of the build stages and of the backend runtime (any image
	// with node and npm; pin a tag or a digest).
	// +default="node:20-alpine"
	nodeImage string,
	// Base image of the frontend runtime (any image with nginx).
	// +default="nginx:alpine"
	nginxImage string,
	// package.json script that builds the SPA.
	// +default="build:web"
	buildScript string,
	// Directory, relative to the source, where the build script writes the SPA.
	// +default="dist"
	outputDir string,
	// Command that starts the backend; `npm run X` is replaced by X's command
	// when it needs no shell, so the app receives signals directly.
	// +default="npm run webui"
	startCommand string,
	// Port the backend listens on.
	// +default=8765
	backendPort int,
	// Path of the backend's health endpoint.
	// +default="/health"
	healthPath string,
	// Path of the nginx server config in the source; when absent, the module's
	// own config is used (SPA fallback, /api/ and /socket.io/ proxied to
	// backend:PORT, gzip, cache and security headers).
	// +default="nginx/default.conf"
	nginxConfig string,
	// Keep source maps (*.map) in the frontend image.
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
	// Name prefix of the images: their titles are NAME-frontend and NAME-backend.
	// +default="app"
	name string,
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
	// Lowest severity that fails the scan gate: LOW, MEDIUM, HIGH or CRITICAL.
	// +default="HIGH"
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
	// A Trivy cache directory that holds db/trivy.db and db/metadata.json:
	// the scans use it and download nothing (air-gapped runs).
	// +optional
	trivyDb *dagger.Directory,
	// Time limit of each Trivy run, e.g. 5m.
	// +default="10m"
	scanTimeout string,
	// Size budgets over the defaults, NAME=SIZE each: frontend=64MB,
	// backend=200MB, stack=500MB; "none" removes one.
	// +optional
	budget []string,
	// The size the budgets apply to: uncompressed (what the image takes on
	// disk) or compressed (what a pull transfers).
	// +default="uncompressed"
	budgetMetric string,
	// Waive an image policy rule (non-root, healthcheck, no-secrets,
	// exposes-port) with a reason: RULE=REASON for every image or
	// IMAGE:RULE=REASON for one. The default accepts nginx's root master
	// process; giving waivers replaces it.
	// +default=["frontend:non-root=nginx's master process binds port 80 as root; its workers run as an unprivileged user"]
	waive []string,
	// Database the smoke tests start for the backend: postgres, mysql,
	// mariadb or none. The backend gets its address and credentials as
	// POSTGRES_HOST/PORT/USER/PASSWORD/DB (or MYSQL_HOST/…/DATABASE) and
	// DATABASE_URL.
	// +default="postgres"
	database string,
	// Image of that database (default postgres:15-alpine, mysql:8.4 or
	// mariadb:11.4).
	// +optional
	databaseImage string,
	// Name of that database.
	// +default="hivemind"
	databaseName string,
	// Image of the smoke tests' redis; the backend gets
	// REDIS_HOST/PORT/PASSWORD and REDIS_URL.
	// +default="redis:7-alpine"
	redisImage string,
	// Extra environment of the backend in the smoke tests, NAME=VALUE each.
	// +optional
	backendEnv []string,
	// Time limit for each smoke service to become ready, e.g. 3m.
	// +default="3m"
	smokeTimeout string,
	// A client-side route the smoke tests open through nginx (it must be
	// served by the SPA fallback).
	// +default="/about"
	deepLink string,
	// The backend's health endpoint as proxied by the frontend.
	// +default="/api/v1/health"
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
	s := recipe.Settings{
		NodeImage:    nodeImage,
		NginxImage:   nginxImage,
		BuildScript:  buildScript,
		OutputDir:    outputDir,
		StartCommand: startCommand,
		BackendPort:  backendPort,
		HealthPath:   healthPath,
		NginxConfig:  nginxConfig,
		SourceMaps:   sourceMaps,
	}
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("invalid arguments:\n%v", err)
	}
	if _, err := recipe.ParseCreated(created, time.Now()); err != nil {
		return nil, fmt.Errorf("--created: %v", err)
	}
	m := &Stack{
		Source:             source,
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
		Name:               name,
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
	if err := m.validateGates(); err != nil {
		return nil, err
	}
	return m, nil
}

// validateGates checks the gate settings at construction, so a bad argument
// fails before anything is built.
func (m *Stack) validateGates() error {
	if _, err := m.scanPolicy(nil); err != nil {
		return err
	}
	if _, err := m.scanOptions(); err != nil {
		return err
	}
	if err := recipe.ValidateImageRef(m.TrivyImage); err != nil {
		return fmt.Errorf("--trivy-image: %v", err)
	}
	if _, err := m.budgets(); err != nil {
		return err
	}
	if _, err := m.waivers(); err != nil {
		return err
	}
	if _, err := smoke.ParseDatabaseKind(m.Database); err != nil {
		return fmt.Errorf("--database: %v", err)
	}
	if _, err := recipe.ParseEnv(m.BackendEnv); err != nil {
		return fmt.Errorf("--backend-env: %v", err)
	}
	for _, img := range []struct{ arg, ref string }{{"database-image", m.DatabaseImage}, {"redis-image", m.RedisImage}, {"go-image", m.GoImage}} {
		if img.ref == "" && img.arg == "database-image" {
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

// settings returns the recipe settings.
func (m *Stack) settings() recipe.Settings {
	return recipe.Settings{
		NodeImage:    m.NodeImage,
		NginxImage:   m.NginxImage,
		BuildScript:  m.BuildScript,
		OutputDir:    m.OutputDir,
		StartCommand: m.StartCommand,
		BackendPort:  m.BackendPort,
		HealthPath:   m.HealthPath,
		NginxConfig:  m.NginxConfig,
		SourceMaps:   m.SourceMaps,
	}
}
