package config

import (
	"github.com/stack-ci/stack/pipelines/budget"
	"github.com/stack-ci/stack/pipelines/scan"
	"github.com/stack-ci/stack/pipelines/tags"
)

// Version is the only version of the stack.yaml format.
const Version = 1

// Config is an application's stack.yaml: the shape of the app (its images,
// services and smoke checks) and how the pipeline gates and tags it. Every
// key is optional; an absent key takes the HiveMind default (see Defaults).
type Config struct {
	// Version of the file format. Only 1 exists; absent means 1.
	Version int `yaml:"version,omitempty" jsonschema:"enum=1"`
	// Name of the application: images are titled NAME-IMAGE (e.g.
	// hivemind-backend) and pushed as REGISTRY/NAME-IMAGE. Lowercase letters,
	// digits and single '.', '_' or '-' separators. Default "app".
	Name string `yaml:"name,omitempty" jsonschema:"pattern=^[a-z0-9]+([._-][a-z0-9]+)*$,maxLength=100"`
	// Registry is where publish pushes by default: a registry host and an
	// optional namespace, e.g. "ghcr.io/acme" or "registry.example.com:5000".
	Registry string `yaml:"registry,omitempty"`
	// Images are the container images the app is made of. Default: the
	// HiveMind pair, a "frontend" spa and a "backend" node image, both built
	// from the source root.
	Images []Image `yaml:"images,omitempty"`
	// Services are the ephemeral backing services of the smoke tests and how
	// the app finds them.
	Services Services `yaml:"services,omitempty"`
	// Smoke says how the stack is smoke-tested through its front door.
	Smoke Smoke `yaml:"smoke,omitempty"`
	// Budgets are the image size budgets.
	Budgets Budgets `yaml:"budgets,omitempty"`
	// Scan is the vulnerability scan gate.
	Scan Scan `yaml:"scan,omitempty"`
	// Policy holds waivers of the image policy rules.
	Policy Policy `yaml:"policy,omitempty"`
	// Tags says which image tags are computed from the git context.
	Tags Tags `yaml:"tags,omitempty"`

	// src records where each key was written, for error positions; set by
	// Parse, nil for a Config built in Go.
	src *source
}

// Kind is how an image is built.
type Kind string

// The kinds of image.
const (
	// KindSPA is a static single-page app: built with the package manager on
	// the base image, its output directory served by nginx on the runtime
	// image with the app's nginx config (or the module's).
	KindSPA Kind = "spa"
	// KindNode is a Node server: dependencies installed frozen, an optional
	// build step (e.g. TypeScript into dist/) before dev dependencies are
	// pruned, then the app on the runtime image as a non-root user.
	KindNode Kind = "node"
	// KindNextJS is a Next.js app built with output: 'standalone': one image
	// with the standalone server, .next/static and public/, non-root.
	KindNextJS Kind = "nextjs"
	// KindDockerfile builds the image from the app's own Dockerfile.
	KindDockerfile Kind = "dockerfile"
)

// Kinds lists the kinds of image.
func Kinds() []Kind { return []Kind{KindSPA, KindNode, KindNextJS, KindDockerfile} }

// PackageManager is the package manager an image is built with.
type PackageManager string

// The package managers.
const (
	// PackageManagerAuto lets the pipeline decide from the lockfile and the
	// packageManager field of package.json (see package detect).
	PackageManagerAuto PackageManager = "auto"
	// PackageManagerNPM is npm, which node ships.
	PackageManagerNPM PackageManager = "npm"
	// PackageManagerYarn is yarn, classic (1.x) or berry (2+), obtained
	// through corepack.
	PackageManagerYarn PackageManager = "yarn"
	// PackageManagerPNPM is pnpm, obtained through corepack.
	PackageManagerPNPM PackageManager = "pnpm"
)

// PackageManagers lists the package manager choices.
func PackageManagers() []PackageManager {
	return []PackageManager{PackageManagerAuto, PackageManagerNPM, PackageManagerYarn, PackageManagerPNPM}
}

// Image is one container image of the app.
type Image struct {
	// Name of the image, e.g. frontend, backend, web: lowercase letters,
	// digits and '-'. Unique; "source" and "stack" are reserved (the scan
	// and budget reports use them).
	Name string `yaml:"name" jsonschema:"required,pattern=^[a-z0-9]+(-[a-z0-9]+)*$,maxLength=63"`
	// Path of the image's folder (its package.json, or its Docker build
	// context), relative to the source root. Default ".".
	Path string `yaml:"path,omitempty"`
	// Kind is how the image is built: spa, node, nextjs or dockerfile.
	// Absent, the pipeline detects it from the folder's package.json.
	Kind Kind `yaml:"kind,omitempty" jsonschema:"enum=spa,enum=node,enum=nextjs,enum=dockerfile"`
	// PackageManager is auto (the lockfile decides), npm, yarn or pnpm.
	// Default auto. Not for dockerfile images.
	PackageManager PackageManager `yaml:"package_manager,omitempty" jsonschema:"enum=auto,enum=npm,enum=yarn,enum=pnpm"`
	// BuildScript is the package.json script that builds the image: the SPA
	// (spa, default "build:web"), the server's compile step (node, e.g.
	// "build" for TypeScript; default none) or next build (nextjs, default
	// "build").
	BuildScript string `yaml:"build_script,omitempty"`
	// OutputDir is where BuildScript writes, relative to Path: the SPA
	// (spa, default "dist"), the compiled server (node, default "dist" when
	// there is a build script) or Next.js's distDir (nextjs, default ".next").
	OutputDir string `yaml:"output_dir,omitempty"`
	// Start is the command that starts the server, run without a shell
	// (node default "npm run webui", nextjs default "node server.js"; for a
	// dockerfile image it replaces the image's CMD).
	Start string `yaml:"start,omitempty"`
	// Migrate is a command run once in the image, with its environment and
	// services, before the app starts (e.g. "npx prisma migrate deploy").
	Migrate string `yaml:"migrate,omitempty"`
	// Port the image listens on (spa 80, node 8765, nextjs 3000; a
	// dockerfile image that is not the front door must say).
	Port int `yaml:"port,omitempty" jsonschema:"minimum=1,maximum=65535"`
	// HealthPath is the image's own health endpoint, for its healthcheck
	// (node "/health", others "/").
	HealthPath string `yaml:"health_path,omitempty" jsonschema:"pattern=^/"`
	// NginxConfig is the app's nginx server config (spa only), relative to
	// the source root; when the file is absent the module's config is used
	// (SPA fallback, /api/ and /socket.io/ proxied to the backend). Default
	// "nginx/default.conf".
	NginxConfig string `yaml:"nginx_config,omitempty"`
	// SourceMaps keeps *.map files in a spa image.
	SourceMaps bool `yaml:"source_maps,omitempty"`
	// BaseImage is the node image the build runs on (default
	// node:20-alpine). Not for dockerfile images.
	BaseImage string `yaml:"base_image,omitempty"`
	// RuntimeImage is the image the result runs on: nginx for spa (default
	// nginx:alpine), node for node and nextjs (default BaseImage).
	RuntimeImage string `yaml:"runtime_image,omitempty"`
	// User is the numeric uid (and gid) the image runs as: default 1001 for
	// node and nextjs; for spa and dockerfile images, absent keeps the
	// image's own user.
	User int `yaml:"user,omitempty" jsonschema:"minimum=1,maximum=2147483647"`
	// Dockerfile is the Dockerfile's path, relative to Path (dockerfile
	// images only, required there).
	Dockerfile string `yaml:"dockerfile,omitempty"`
	// Target is the Dockerfile stage to build (dockerfile only).
	Target string `yaml:"target,omitempty"`
	// BuildArgs are the Dockerfile's build arguments (dockerfile only).
	// Literal values only, never secrets: build arguments stay in the
	// image's history. Use build_secrets.
	BuildArgs map[string]string `yaml:"build_args,omitempty"`
	// BuildSecrets map a Dockerfile secret id (RUN --mount=type=secret,id=ID)
	// to the name of a secret given to the pipeline (dockerfile only).
	BuildSecrets map[string]string `yaml:"build_secrets,omitempty"`
	// BuildEnv are environment variables of the build step, e.g.
	// VITE_API_URL. Not for dockerfile images (use build_args). In a spa
	// image they end up in public JavaScript, so secrets are refused there.
	BuildEnv Env `yaml:"build_env,omitempty"`
	// Env are the image's runtime environment variables: literal values,
	// templates of service facts ("{{database.url}}") or references
	// ({secret: NAME}, {from_service: database.url}). A literal value for a
	// secret-looking name (PASSWORD, TOKEN, SECRET, KEY…) is refused.
	Env Env `yaml:"env,omitempty"`
}

// Services are the backing services the pipeline starts for the smoke tests.
// Credentials are generated per run; the app receives them through
// environment variables named by the services' env maps.
type Services struct {
	// Database is the SQL database.
	Database Database `yaml:"database,omitempty"`
	// Redis is the Redis server.
	Redis Redis `yaml:"redis,omitempty"`
	// Consumers are the images that receive the services' env. Default:
	// every image but spa images and the front door (unless it is the only
	// image). [] gives the env to no image.
	Consumers []string `yaml:"consumers"`
}

// DatabaseKind is the kind of SQL database.
type DatabaseKind string

// The kinds of database.
const (
	DatabasePostgres DatabaseKind = "postgres"
	DatabaseMySQL    DatabaseKind = "mysql"
	DatabaseMariaDB  DatabaseKind = "mariadb"
	// DatabaseNone starts no database.
	DatabaseNone DatabaseKind = "none"
)

// DatabaseKinds lists the kinds of database.
func DatabaseKinds() []DatabaseKind {
	return []DatabaseKind{DatabasePostgres, DatabaseMySQL, DatabaseMariaDB, DatabaseNone}
}

// Database is the SQL database service.
type Database struct {
	// Kind is postgres (default), mysql, mariadb or none.
	Kind DatabaseKind `yaml:"kind,omitempty" jsonschema:"enum=postgres,enum=mysql,enum=mariadb,enum=none"`
	// Image of the service (postgres:15-alpine, mysql:8.4, mariadb:11.4).
	Image string `yaml:"image,omitempty"`
	// Name of the database the app uses. Default: the app's name, with
	// '-' and '.' turned into '_'.
	Name string `yaml:"name,omitempty" jsonschema:"pattern=^[A-Za-z_][A-Za-z0-9_]*$,maxLength=63"`
	// User the app connects as. Default "app".
	User string `yaml:"user,omitempty" jsonschema:"pattern=^[A-Za-z_][A-Za-z0-9_]*$,maxLength=32"`
	// Env maps the consumers' environment variable names to templates of
	// the database's facts: {{database.host}}, .port, .name, .user,
	// .password and .url (postgresql://… or mysql://…). Default: DATABASE_URL
	// and POSTGRES_HOST/PORT/USER/PASSWORD/DB (MYSQL_HOST/PORT/USER/
	// PASSWORD/DATABASE for mysql and mariadb). {} gives none.
	Env map[string]string `yaml:"env"`
}

// Redis is the Redis service.
type Redis struct {
	// Enabled starts Redis. Default true.
	Enabled *bool `yaml:"enabled,omitempty"`
	// Image of the service. Default redis:7-alpine.
	Image string `yaml:"image,omitempty"`
	// Env maps the consumers' environment variable names to templates of
	// Redis's facts: {{redis.host}}, .port, .password and .url
	// (redis://:password@host:port). Default: REDIS_URL and
	// REDIS_HOST/PORT/PASSWORD. {} gives none.
	Env map[string]string `yaml:"env"`
}

// On reports whether Redis is enabled (absent means enabled).
func (r Redis) On() bool { return r.Enabled == nil || *r.Enabled }

// Scan is the vulnerability scan gate.
type Scan struct {
	// Threshold is the lowest severity that fails the gate: UNKNOWN, LOW,
	// MEDIUM, HIGH (default) or CRITICAL, any case.
	Threshold scan.Severity `yaml:"threshold,omitempty"`
	// IgnoreUnfixed lets vulnerabilities without a fixed version pass (they
	// are still reported).
	IgnoreUnfixed bool `yaml:"ignore_unfixed,omitempty"`
	// IgnoreFile is the .trivyignore file, relative to the source root, read
	// when present. Default ".trivyignore".
	IgnoreFile string `yaml:"ignore_file,omitempty"`
}

// Policy holds waivers of the image policy rules (non-root, healthcheck,
// no-secrets, exposes-port): a waived rule still runs and reports, but no
// longer fails the gate.
type Policy struct {
	// Waivers map a rule to the reason it is waived, for every image.
	Waivers map[string]string `yaml:"waivers,omitempty"`
	// Images map an image's name to waivers for that image alone.
	Images map[string]map[string]string `yaml:"images,omitempty"`
}

// Tags says which image tags are computed from the git context (see package
// tags, which reproduces docker/metadata-action).
type Tags struct {
	// Kinds of tags: schedule, semver, semver-minor, semver-major, edge,
	// branch, tag, pr, default-branch-latest, sha, sha-long. Default: semver,
	// semver-minor, semver-major, edge, branch, pr, sha.
	Kinds []tags.Kind `yaml:"kinds,omitempty"`
	// Latest is auto (default: a stable release gets latest), true or false.
	Latest tags.LatestMode `yaml:"latest,omitempty"`
	// Prefix is added to every tag but pr-, sha- and latest.
	Prefix string `yaml:"prefix,omitempty"`
	// Suffix is added to every tag but latest.
	Suffix string `yaml:"suffix,omitempty"`
	// PrefixLatest adds the prefix to latest too.
	PrefixLatest bool `yaml:"prefix_latest,omitempty"`
	// SuffixLatest adds the suffix to latest too.
	SuffixLatest bool `yaml:"suffix_latest,omitempty"`
	// ShaLength is the length of the short sha. Default 7, at least 4.
	ShaLength int `yaml:"sha_length,omitempty" jsonschema:"minimum=4,maximum=40"`
	// DefaultBranch overrides the repository's default branch (edge and
	// default-branch-latest).
	DefaultBranch string `yaml:"default_branch,omitempty"`
	// MajorZero emits the major tag "0" for 0.y.z versions.
	MajorZero bool `yaml:"major_zero,omitempty"`
	// PRHeadSHA tags pull request builds with the head commit's sha instead
	// of the merge commit's.
	PRHeadSHA bool `yaml:"pr_head_sha,omitempty"`
}

// Budgets are the image size budgets. Sizes are written as people write
// them: "64MB" (powers of 1000), "1.5GiB" (powers of 1024), a number of
// bytes, or "none" for no budget.
type Budgets struct {
	// Metric is uncompressed (default, the size `docker images` shows) or
	// compressed (what a pull transfers).
	Metric budget.Metric `yaml:"metric,omitempty"`
	// Stack caps the sum over all images. Default 500MB (200MB compressed).
	Stack Limit `yaml:"stack,omitempty"`
	// Images cap each image by name. Default: 64MB for spa images, 200MB for
	// the others (28MB and 64MB compressed).
	Images map[string]Limit `yaml:"images,omitempty"`
}
