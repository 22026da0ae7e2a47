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
		return nil, fmt.Errorf("invalid arguments:\n%w", err)
	}
	if _, err := recipe.ParseCreated(created, time.Now()); err != nil {
		return nil, fmt.Errorf("--created: %w", err)
	}
	return &Stack{
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
	}, nil
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
