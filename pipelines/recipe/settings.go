// Package recipe holds the small decisions behind the image builds: the
// HiveMind defaults, image reference validation, the OCI labels, the
// build-context ignore lists, how a server is started (and its command
// line split), its healthcheck, the module's default nginx config, and how
// a failed build step is explained. pipelines/plan assembles them into an
// image's plan.
package recipe

import (
	"errors"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// Default settings, shaped like HiveMind: the defaults of stack.yaml's
// images (pipelines/config) and of the module's arguments.
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
