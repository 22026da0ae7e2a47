package publish_test

import (
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/stack-ci/stack/pipelines/publish"
	"github.com/stack-ci/stack/pipelines/tags"
)

// FuzzPlan feeds Plan the registry prefix, app name, image name and tag a
// person or a workflow gives: it never panics, and what it accepts is
// lowercase, under the prefix, and parses as a reference.
func FuzzPlan(f *testing.F) {
	for _, s := range [][4]string{
		{"ghcr.io/acme", "hivemind", "frontend", "1.2.3"},
		{"127.0.0.1:5000/team", "app", "backend", "sha-abc1234"},
		{"localhost:5000", "App", "Web", "latest"},
		{"[::1]:5000/t", "a", "b", "v1"},
		{"docker.io/acme/", " shop ", "web", "pr-12"},
		{"https://ghcr.io/acme", "app", "web", "1"},
		{"ghcr.io/acme:1", "a", "b", "c"},
		{"acme", "app", "web", "1"},
		{"ghcr.io/a__b/c-d.e", "x_y", "z--w", "A_b.C-d"},
		{"GHCR.IO/ACME", "APP", "WEB", "TAG"},
	} {
		f.Add(s[0], s[1], s[2], s[3])
	}
	f.Fuzz(func(t *testing.T, prefix, app, image, tag string) {
		res := tags.Result{Tags: []tags.Tag{{Name: tag}, {Name: "latest"}}}
		if tag == "latest" {
			res.Tags = res.Tags[:1]
		}
		targets, err := publish.Plan(prefix, app, []string{image}, res)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "planning the push") {
				t.Errorf("error %q does not name the operation", err)
			}
			return
		}
		if len(targets) != 1 {
			t.Fatalf("%d targets for one image", len(targets))
		}
		tg := targets[0]
		if tg.Repository != strings.ToLower(tg.Repository) {
			t.Errorf("repository %q is not lowercase", tg.Repository)
		}
		p := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(prefix)), "/")
		if !strings.HasPrefix(tg.Repository, p+"/") {
			t.Errorf("repository %q is not under the prefix %q", tg.Repository, prefix)
		}
		if len(tg.Refs) != len(res.Tags) || len(tg.Tags) != len(res.Tags) {
			t.Fatalf("%d refs and %d tags for %d tags", len(tg.Refs), len(tg.Tags), len(res.Tags))
		}
		for i, ref := range tg.Refs {
			r, err := name.NewTag(ref, name.StrictValidation)
			if err != nil {
				t.Errorf("Plan accepted %q, which does not parse: %v", ref, err)
				continue
			}
			if r.TagStr() != res.Tags[i].Name {
				t.Errorf("reference %q has tag %q, want %q", ref, r.TagStr(), res.Tags[i].Name)
			}
			if ref != tg.Repository+":"+tg.Tags[i] {
				t.Errorf("reference %q is not %s:%s", ref, tg.Repository, tg.Tags[i])
			}
		}
	})
}
