// Package recipe holds the decisions behind the image builds: the settings
// of the pipeline with their HiveMind defaults and validation, the OCI
// labels, the build-context ignore lists, how the backend is started, its
// healthcheck, and how a failed build step is explained. ci/ turns these
// into Dagger containers.
package recipe

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// Default settings, shaped like HiveMind. Each is an overridable argument of
// the module's New().
const (
	DefaultNodeImage       = "node:20-alpine"
	DefaultNginxImage      = "nginx:alpine"
	DefaultBuildScript     = "build:web"
	DefaultOutputDir       = "dist"
	DefaultStartCommand    = "npm run webui"
	DefaultBackendPort     = 8765
	DefaultHealthPath      = "/health"
	DefaultNginxConfigPath = "nginx/default.conf"
	// BackendUID is the numeric, non-root user the backend runs as.
	BackendUID = 1001
)

// Settings are the build settings of one application.
type Settings struct {
	// NodeImage is the base of the build stages and of the backend runtime.
	NodeImage string
	// NginxImage is the base of the frontend runtime.
	NginxImage string
	// BuildScript is the package.json script that builds the SPA.
	BuildScript string
	// OutputDir is where BuildScript writes the SPA, relative to the source.
	OutputDir string
	// StartCommand starts the backend.
	StartCommand string
	// BackendPort is the port the backend listens on.
	BackendPort int
	// HealthPath is the backend's health endpoint.
	HealthPath string
	// NginxConfig is the path of the nginx server config in the source.
	NginxConfig string
	// SourceMaps keeps *.map files in the frontend image.
	SourceMaps bool
}

// Defaults returns the HiveMind defaults.
func Defaults() Settings {
	return Settings{
		NodeImage:    DefaultNodeImage,
		NginxImage:   DefaultNginxImage,
		BuildScript:  DefaultBuildScript,
		OutputDir:    DefaultOutputDir,
		StartCommand: DefaultStartCommand,
		BackendPort:  DefaultBackendPort,
		HealthPath:   DefaultHealthPath,
		NginxConfig:  DefaultNginxConfigPath,
	}
}

// scriptRE is what npm accepts in practice as a script name we can pass on a
// command line without quoting.
var scriptRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9:._-]*$`)

// Validate checks every setting and returns all problems at once, each naming
// the argument and what to do.
func (s Settings) Validate() error {
	var errs []error
	for _, img := range []struct{ arg, ref string }{{"node-image", s.NodeImage}, {"nginx-image", s.NginxImage}} {
		if err := ValidateImageRef(img.ref); err != nil {
			errs = append(errs, fmt.Errorf("--%s: %w", img.arg, err))
		}
	}
	if !scriptRE.MatchString(s.BuildScript) {
		errs = append(errs, fmt.Errorf("--build-script %q: want a package.json script name such as %q", s.BuildScript, DefaultBuildScript))
	}
	if err := validateRelPath(s.OutputDir); err != nil {
		errs = append(errs, fmt.Errorf("--output-dir: %w", err))
	}
	if err := validateRelPath(s.NginxConfig); err != nil {
		errs = append(errs, fmt.Errorf("--nginx-config: %w", err))
	}
	if _, err := SplitCommand(s.StartCommand); err != nil {
		errs = append(errs, fmt.Errorf("--start-command: %w", err))
	}
	if s.BackendPort < 1 || s.BackendPort > 65535 {
		errs = append(errs, fmt.Errorf("--backend-port %d: want a TCP port from 1 to 65535", s.BackendPort))
	}
	if !strings.HasPrefix(s.HealthPath, "/") || strings.ContainsAny(s.HealthPath, " \t\n\"'") {
		errs = append(errs, fmt.Errorf("--health-path %q: want an absolute URL path such as %q", s.HealthPath, DefaultHealthPath))
	}
	return errors.Join(errs...)
}

// ValidateImageRef checks that ref is a valid image reference pinned to a tag
// other than "latest", or to a digest.
func ValidateImageRef(ref string) error {
	if ref == "" {
		return errors.New("empty image reference")
	}
	r, err := name.ParseReference(ref)
	if err != nil {
		return fmt.Errorf("image %q: %w (want e.g. node:20-alpine or repo/name@sha256:…)", ref, err)
	}
	t, ok := r.(name.Tag)
	if !ok {
		return nil // pinned by digest
	}
	if !strings.Contains(ref[strings.LastIndexByte(ref, '/')+1:], ":") || t.TagStr() == "latest" {
		return fmt.Errorf("image %q: the tag %q moves; pin a version tag or a digest", ref, "latest")
	}
	return nil
}

// validateRelPath accepts a clean, relative path inside the source.
func validateRelPath(p string) error {
	switch {
	case p == "":
		return errors.New("empty path")
	case path.IsAbs(p):
		return fmt.Errorf("%q is absolute; want a path relative to the source directory", p)
	case path.Clean(p) != strings.TrimSuffix(p, "/") || p == "." || strings.HasPrefix(p, ".."):
		return fmt.Errorf("%q: want a clean path inside the source directory (no ., .. or //)", p)
	}
	return nil
}
