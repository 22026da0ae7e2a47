package tags

import (
	"fmt"
	"regexp"
	"strings"
)

// maxNameLength is the distribution spec's limit on a repository name.
const maxNameLength = 255

var (
	// domainRe is a registry host: DNS labels or an IPv6 literal, optional port.
	domainRe = regexp.MustCompile(`^(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?$`)
	// pathComponentRe is one path component of a repository name.
	pathComponentRe = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$`)
)

// NormalizeImage lowercases an image name, as metadata-action does, and
// checks it against the distribution reference grammar: an optional registry
// host (with a "." or ":" or "localhost") and "/"-separated path components
// of lowercase letters and digits joined by ".", "_", "__" or dashes. A tag
// or digest in the name is an error: Compute decides the tags.
func NormalizeImage(image string) (string, error) {
	name := strings.ToLower(strings.TrimSpace(image))
	bad := func(reason string) (string, error) {
		return "", fmt.Errorf("checking image name %q: %s", image, reason)
	}
	if name == "" {
		return bad("empty; want e.g. ghcr.io/owner/frontend")
	}
	if len(name) > maxNameLength {
		return bad(fmt.Sprintf("%d characters, the limit is %d", len(name), maxNameLength))
	}
	if strings.Contains(name, "@") {
		return bad(`contains a digest ("@"): give the name only`)
	}
	comps := strings.Split(name, "/")
	first := 0
	if len(comps) > 1 && (strings.ContainsAny(comps[0], ".:") || comps[0] == "localhost") {
		if !domainRe.MatchString(comps[0]) {
			return bad(fmt.Sprintf("registry host %q is not a host name with an optional :port", comps[0]))
		}
		first = 1
	}
	for _, comp := range comps[first:] {
		if strings.Contains(comp, ":") {
			return bad(`contains a tag (":"): give the name only, the tags are computed`)
		}
		if !pathComponentRe.MatchString(comp) {
			return bad(fmt.Sprintf("path component %q must be lowercase letters and digits, joined by '.', '_', '__' or '-'", comp))
		}
	}
	return name, nil
}

// References returns every image:tag pair, image by image in the order
// given and tags in Result order (metadata-action's `tags` output), e.g.
// registry/ns/frontend:1.2.3. Image names are normalised by NormalizeImage;
// a name given twice (after lowercasing) is used once.
func (r Result) References(images ...string) ([]string, error) {
	if len(images) == 0 {
		return nil, fmt.Errorf("building image references: no image name given")
	}
	var refs []string
	seen := map[string]bool{}
	for _, img := range images {
		name, err := NormalizeImage(img)
		if err != nil {
			return nil, fmt.Errorf("building image references: %w", err)
		}
		if seen[name] {
			continue
		}
		seen[name] = true
		for _, t := range r.Tags {
			if err := CheckTag(t.Name); err != nil {
				return nil, fmt.Errorf("building image references for %q: %w", name, err)
			}
			refs = append(refs, name+":"+t.Name)
		}
	}
	return refs, nil
}
