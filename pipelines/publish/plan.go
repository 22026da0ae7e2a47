package publish

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/stack-ci/stack/pipelines/tags"
)

// ErrNoTags is wrapped by the error Plan returns when the tags computed for
// the run are empty (a push to a branch that no tag kind covers): there is
// nothing to publish, which a caller may want to report as skipped.
var ErrNoTags = errors.New("no tags to publish")

// Target is where one image goes: a repository and the tags to give it.
type Target struct {
	// Image is the image's name in the stack as given to Plan, e.g.
	// "frontend": the key of its tarball in Push's map.
	Image string
	// Repository is "<prefix>/<app>-<image>", lowercase, e.g.
	// "ghcr.io/acme/hivemind-frontend".
	Repository string
	// Tags are the tags in the order computed, most specific first; the
	// image is pushed under the first and the others are added to it.
	Tags []string
	// Refs are Repository:tag for each tag, in the same order.
	Refs []string
}

// componentRe is one path component of a repository name in the
// distribution grammar: lowercase letters and digits, joined by ".", "_",
// "__" or dashes.
var componentRe = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$`)

// Plan decides where each image is pushed: to the repository
// "<prefix>/<app>-<image>" under every tag of t, in t's order.
//
// The prefix is the registry host and the namespace, e.g. "ghcr.io/acme" or
// "127.0.0.1:5000/team"; it must start with a registry host (a name with a
// "." or a ":port", or "localhost") so that nothing goes to Docker Hub by
// default: write "docker.io/acme" for Docker Hub. The prefix, the app name
// and the image names are lowercased (registries refuse uppercase
// repositories; ghcr.io owners are often written "Acme"); surrounding
// spaces and a trailing "/" of the prefix are dropped. The app and image
// names must be single path components: letters, digits, and ".", "_" or
// "-" between them. So the app "HiveMind" and the image "frontend" under
// "ghcr.io/Acme" give "ghcr.io/acme/hivemind-frontend".
//
// An empty tag list is an error wrapping ErrNoTags; an image named twice,
// an invalid tag or a reference go-containerregistry cannot parse is an
// error naming the input.
func Plan(prefix, app string, images []string, t tags.Result) ([]Target, error) {
	p, err := normalizePrefix(prefix)
	if err != nil {
		return nil, fmt.Errorf("planning the push: %w", err)
	}
	a, err := normalizeComponent("app name", app)
	if err != nil {
		return nil, fmt.Errorf("planning the push: %w", err)
	}
	if len(images) == 0 {
		return nil, errors.New("planning the push: no image names given; want e.g. frontend and backend")
	}
	names := t.Names()
	if len(names) == 0 {
		why := "no tag kind applies to this run"
		if len(t.Notes) > 0 {
			why = strings.Join(t.Notes, "; ")
		}
		return nil, fmt.Errorf("planning the push: %w: the tags computed for this run are empty (%s)", ErrNoTags, why)
	}
	seenTag := map[string]bool{}
	for _, tag := range names {
		if err := tags.CheckTag(tag); err != nil {
			return nil, fmt.Errorf("planning the push: %w", err)
		}
		if seenTag[tag] {
			return nil, fmt.Errorf("planning the push: tag %q is listed twice", tag)
		}
		seenTag[tag] = true
	}
	var targets []Target
	seen := map[string]string{}
	for _, image := range images {
		img, err := normalizeComponent("image name", image)
		if err != nil {
			return nil, fmt.Errorf("planning the push: %w", err)
		}
		if prev, ok := seen[img]; ok {
			return nil, fmt.Errorf("planning the push: image %q is given twice (as %q and %q)", img, prev, image)
		}
		seen[img] = image
		repo := p + "/" + a + "-" + img
		if _, err := tags.NormalizeImage(repo); err != nil {
			return nil, fmt.Errorf("planning the push of %s: %w", image, err)
		}
		if _, err := name.NewRepository(repo, name.StrictValidation); err != nil {
			return nil, fmt.Errorf("planning the push of %s: repository %q: %w", image, repo, err)
		}
		tg := Target{Image: strings.TrimSpace(image), Repository: repo}
		for _, tag := range names {
			ref := repo + ":" + tag
			if _, err := name.NewTag(ref, name.StrictValidation); err != nil {
				return nil, fmt.Errorf("planning the push of %s: reference %q: %w", image, ref, err)
			}
			tg.Tags = append(tg.Tags, tag)
			tg.Refs = append(tg.Refs, ref)
		}
		targets = append(targets, tg)
	}
	return targets, nil
}

// normalizePrefix lowercases and checks a registry prefix.
func normalizePrefix(prefix string) (string, error) {
	p := strings.ToLower(strings.TrimSpace(prefix))
	p = strings.TrimSuffix(p, "/")
	bad := func(reason string) (string, error) {
		return "", fmt.Errorf("registry prefix %q: %s", prefix, reason)
	}
	switch {
	case p == "":
		return bad("empty; want the registry host and namespace, e.g. ghcr.io/acme or 127.0.0.1:5000/team")
	case strings.Contains(p, "://"):
		return bad("give the registry without a scheme, e.g. ghcr.io/acme rather than https://ghcr.io/acme (plain HTTP is the insecure option)")
	case strings.Contains(p, "@"):
		return bad(`contains a digest ("@"): give the registry and namespace only`)
	case strings.ContainsAny(p, " \t\r\n"):
		return bad("contains a space")
	}
	comps := strings.Split(p, "/")
	host := comps[0]
	if !strings.ContainsAny(host, ".:") && host != "localhost" {
		return bad(fmt.Sprintf("does not start with a registry host (%q has no \".\" or \":port\"): write the registry in full, e.g. docker.io/%s or ghcr.io/%s", host, host, host))
	}
	if _, err := name.NewRegistry(host, name.StrictValidation); err != nil {
		return bad(fmt.Sprintf("registry host %q is not a host name with an optional :port", host))
	}
	// A registry of the prefix alone ("127.0.0.1:5000") is fine: the
	// repository is then "<host>/<app>-<image>".
	for _, c := range comps[1:] {
		if strings.Contains(c, ":") {
			return bad(fmt.Sprintf(`path component %q contains a tag (":"): give the registry and namespace only, the tags are computed`, c))
		}
		if !componentRe.MatchString(c) {
			return bad(fmt.Sprintf("path component %q must be letters and digits joined by '.', '_', '__' or '-'", c))
		}
	}
	if _, err := tags.NormalizeImage(p + "/x"); err != nil {
		return bad(err.Error())
	}
	return p, nil
}

// normalizeComponent lowercases and checks the app or an image name, which
// become one path component together.
func normalizeComponent(what, s string) (string, error) {
	c := strings.ToLower(strings.TrimSpace(s))
	switch {
	case c == "":
		return "", fmt.Errorf("%s %q is empty", what, s)
	case strings.Contains(c, "/"):
		return "", fmt.Errorf("%s %q contains a \"/\": it is one part of the repository name (<prefix>/<app>-<image>); put namespaces in the registry prefix", what, s)
	case !componentRe.MatchString(c):
		return "", fmt.Errorf("%s %q must be letters and digits, with '.', '_' or '-' between them", what, s)
	}
	return c, nil
}
