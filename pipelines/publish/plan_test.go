package publish_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/stack-ci/stack/pipelines/publish"
	"github.com/stack-ci/stack/pipelines/tags"
)

func TestPlan(t *testing.T) {
	t.Parallel()
	rel := releaseTags(t)
	for _, tc := range []struct {
		name, prefix, app string
		images            []string
		repos             []string
	}{
		{"ghcr", "ghcr.io/acme", "hivemind", []string{"frontend", "backend"}, []string{"ghcr.io/acme/hivemind-frontend", "ghcr.io/acme/hivemind-backend"}},
		{"lowercased", " ghcr.io/Acme/ ", "HiveMind", []string{"Frontend"}, []string{"ghcr.io/acme/hivemind-frontend"}},
		{"loopback with port", "127.0.0.1:5000/team", "app", []string{"api"}, []string{"127.0.0.1:5000/team/app-api"}},
		{"registry alone", "localhost:5000", "app", []string{"web"}, []string{"localhost:5000/app-web"}},
		{"localhost without port", "localhost/ns", "app", []string{"web"}, []string{"localhost/ns/app-web"}},
		{"docker hub written in full", "docker.io/acme", "shop", []string{"web"}, []string{"docker.io/acme/shop-web"}},
		{"nested namespace", "registry.example.com/org/team", "my_app.v2", []string{"back-end"}, []string{"registry.example.com/org/team/my_app.v2-back-end"}},
		{"ipv6", "[::1]:5000/t", "a", []string{"b"}, []string{"[::1]:5000/t/a-b"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			targets, err := publish.Plan(tc.prefix, tc.app, tc.images, rel)
			if err != nil {
				t.Fatalf("Plan: %v", err)
			}
			if len(targets) != len(tc.repos) {
				t.Fatalf("%d targets, want %d", len(targets), len(tc.repos))
			}
			for i, tg := range targets {
				if tg.Image != tc.images[i] || tg.Repository != tc.repos[i] {
					t.Errorf("target %d is %s → %s, want %s → %s", i, tg.Image, tg.Repository, tc.images[i], tc.repos[i])
				}
				if !slices.Equal(tg.Tags, rel.Names()) {
					t.Errorf("tags %v, want %v", tg.Tags, rel.Names())
				}
				want, err := rel.References(tc.repos[i])
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(tg.Refs, want) {
					t.Errorf("refs %v, want tags.Result.References' %v", tg.Refs, want)
				}
			}
		})
	}
}

func TestPlanErrors(t *testing.T) {
	t.Parallel()
	rel := releaseTags(t)
	long := strings.Repeat("a", 250)
	for _, tc := range []struct {
		name, prefix, app string
		images            []string
		tags              tags.Result
		say               string
	}{
		{"empty prefix", "", "app", []string{"web"}, rel, `registry prefix "": empty; want the registry host and namespace`},
		{"no registry host", "acme", "app", []string{"web"}, rel, `registry prefix "acme": does not start with a registry host ("acme" has no "." or ":port"): write the registry in full, e.g. docker.io/acme or ghcr.io/acme`},
		{"scheme", "https://ghcr.io/acme", "app", []string{"web"}, rel, "give the registry without a scheme"},
		{"tag in prefix", "ghcr.io/acme:1.0", "app", []string{"web"}, rel, `path component "acme:1.0" contains a tag`},
		{"digest in prefix", "ghcr.io/acme@sha256:00", "app", []string{"web"}, rel, `contains a digest`},
		{"bad port", "ghcr.io:port/acme", "app", []string{"web"}, rel, `registry host "ghcr.io:port" is not a host name`},
		{"space in prefix", "ghcr.io/my team", "app", []string{"web"}, rel, "contains a space"},
		{"bad namespace", "ghcr.io/-acme", "app", []string{"web"}, rel, `path component "-acme" must be letters and digits`},
		{"empty app", "ghcr.io/acme", " ", []string{"web"}, rel, `app name " " is empty`},
		{"app with slash", "ghcr.io/acme", "a/b", []string{"web"}, rel, `app name "a/b" contains a "/"`},
		{"app with space", "ghcr.io/acme", "my app", []string{"web"}, rel, `app name "my app" must be letters and digits`},
		{"scoped npm name", "ghcr.io/acme", "@acme/app", []string{"web"}, rel, `app name "@acme/app"`},
		{"no images", "ghcr.io/acme", "app", nil, rel, "no image names given"},
		{"empty image", "ghcr.io/acme", "app", []string{""}, rel, `image name "" is empty`},
		{"image twice", "ghcr.io/acme", "app", []string{"web", "Web"}, rel, `image "web" is given twice (as "web" and "Web")`},
		{"too long", "ghcr.io/" + long, "app", []string{"web"}, rel, "characters, the limit is 255"},
		{"no tags", "ghcr.io/acme", "app", []string{"web"}, tags.Result{Notes: []string{`no tag applies to this event (ref "", sha "")`}}, `no tags to publish: the tags computed for this run are empty (no tag applies to this event (ref "", sha ""))`},
		{"invalid tag", "ghcr.io/acme", "app", []string{"web"}, tags.Result{Tags: []tags.Tag{{Name: "-bad"}}}, `checking tag "-bad"`},
		{"tag twice", "ghcr.io/acme", "app", []string{"web"}, tags.Result{Tags: []tags.Tag{{Name: "1"}, {Name: "1"}}}, `tag "1" is listed twice`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			targets, err := publish.Plan(tc.prefix, tc.app, tc.images, tc.tags)
			if err == nil {
				t.Fatalf("Plan succeeded: %+v", targets)
			}
			if !strings.Contains(err.Error(), tc.say) {
				t.Errorf("error %q does not say %q", err, tc.say)
			}
			if !strings.HasPrefix(err.Error(), "planning the push") {
				t.Errorf("error %q does not name the operation", err)
			}
		})
	}
	_, err := publish.Plan("ghcr.io/acme", "app", []string{"web"}, tags.Result{})
	if !errors.Is(err, publish.ErrNoTags) {
		t.Errorf("no tags: error %v does not wrap ErrNoTags", err)
	}
}
