package recipe

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// LabelInfo is what the OCI labels of an image say.
type LabelInfo struct {
	// Title names the image, e.g. "hivemind-backend".
	Title string
	// Source is the repository URL.
	Source string
	// Revision is the VCS revision the image was built from.
	Revision string
	// Version is the version of the packaged software.
	Version string
	// Created is when the image was built.
	Created time.Time
}

// Labels returns the org.opencontainers.image.* labels, with defaults for
// what is unknown: version "dev" and revision "unknown", so a label is never
// silently missing.
func Labels(info LabelInfo) map[string]string {
	def := func(v, d string) string {
		if strings.TrimSpace(v) == "" {
			return d
		}
		return v
	}
	l := map[string]string{
		"org.opencontainers.image.title":    def(info.Title, "app"),
		"org.opencontainers.image.revision": def(info.Revision, "unknown"),
		"org.opencontainers.image.version":  def(info.Version, "dev"),
		"org.opencontainers.image.created":  info.Created.UTC().Format(time.RFC3339),
	}
	if info.Source != "" {
		l["org.opencontainers.image.source"] = info.Source
	}
	return l
}

// SortedLabels returns the labels' keys in order, for deterministic builds.
func SortedLabels(l map[string]string) []string { return sortedKeys(l) }

// ParseCreated reads the created time: RFC 3339, a Unix timestamp (as
// SOURCE_DATE_EPOCH is written), or empty for now.
func ParseCreated(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return now.UTC().Truncate(time.Second), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	var sec int64
	if _, err := fmt.Sscanf(s, "%d", &sec); err == nil && fmt.Sprint(sec) == s && sec >= 0 {
		return time.Unix(sec, 0).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("created time %q: want RFC 3339 (2026-01-02T15:04:05Z) or Unix seconds", s)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
