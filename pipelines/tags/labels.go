package tags

import (
	"sort"
	"time"
)

// The OCI image annotation keys Compute sets, as metadata-action does.
const (
	LabelTitle       = "org.opencontainers.image.title"
	LabelDescription = "org.opencontainers.image.description"
	LabelURL         = "org.opencontainers.image.url"
	LabelSource      = "org.opencontainers.image.source"
	LabelVersion     = "org.opencontainers.image.version"
	LabelCreated     = "org.opencontainers.image.created"
	LabelRevision    = "org.opencontainers.image.revision"
	LabelLicenses    = "org.opencontainers.image.licenses"
)

// CreatedLayout is how the created label is written: JavaScript's
// Date.toISOString (UTC, milliseconds, "Z"), which metadata-action uses. It is
// RFC 3339.
const CreatedLayout = "2006-01-02T15:04:05.000Z07:00"

// Label is one OCI label (also usable as an annotation).
type Label struct {
	Key, Value string
}

// String renders the label as key=value, metadata-action's output form.
func (l Label) String() string { return l.Key + "=" + l.Value }

// labels builds the eight OCI labels of metadata-action's getLabels, sorted
// by key. Empty values are kept (key=), as metadata-action keeps them.
func labels(repo Repo, version, sha string, created time.Time) []Label {
	ls := []Label{
		{LabelTitle, repo.Name},
		{LabelDescription, repo.Description},
		{LabelURL, repo.URL},
		{LabelSource, repo.URL},
		{LabelVersion, version},
		{LabelCreated, created.UTC().Format(CreatedLayout)},
		{LabelRevision, sha},
		{LabelLicenses, repo.License},
	}
	sort.Slice(ls, func(i, j int) bool { return ls[i].Key < ls[j].Key })
	return ls
}

// LabelMap returns the labels as a map, for APIs that take one (Dagger's
// WithLabel, a bake file).
func (r Result) LabelMap() map[string]string {
	m := make(map[string]string, len(r.Labels))
	for _, l := range r.Labels {
		m[l.Key] = l.Value
	}
	return m
}
