package config

import (
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/stack-ci/stack/pipelines/budget"
	"github.com/stack-ci/stack/pipelines/policy"
	"github.com/stack-ci/stack/pipelines/scan"
	"github.com/stack-ci/stack/pipelines/tags"
)

// Config returns the tags.Config the tags section describes.
func (t Tags) Config() tags.Config {
	return tags.Config{
		Kinds:         slices.Clone(t.Kinds),
		Latest:        t.Latest,
		Prefix:        t.Prefix,
		Suffix:        t.Suffix,
		PrefixLatest:  t.PrefixLatest,
		SuffixLatest:  t.SuffixLatest,
		ShaLength:     t.ShaLength,
		DefaultBranch: t.DefaultBranch,
		MajorZero:     t.MajorZero,
		UsePRHeadSHA:  t.PRHeadSHA,
	}
}

// For returns the waivers that apply to image: those for every image, and
// the image's own (which win), sorted by rule.
func (p Policy) For(image string) []policy.Waiver {
	m := maps.Clone(p.Waivers)
	if m == nil {
		m = map[string]string{}
	}
	maps.Copy(m, p.Images[image])
	out := make([]policy.Waiver, 0, len(m))
	for _, r := range slices.Sorted(maps.Keys(m)) {
		out = append(out, policy.Waiver{Rule: r, Reason: m[r]})
	}
	return out
}

// Budgets returns the budget.Budgets the section describes: "none" becomes
// no budget (a stack cap of 0, an image without an entry).
func (b Budgets) Budgets() budget.Budgets {
	out := budget.Budgets{Metric: b.Metric, Images: map[string]budget.Size{}}
	if s, ok := b.Stack.Size(); ok {
		out.Stack = s
	}
	for n, l := range b.Images {
		if s, ok := l.Size(); ok {
			out.Images[n] = s
		}
	}
	return out
}

// Policy returns the scan.Policy of the section, without the ignore list
// (ci/ reads IgnoreFile from the source and adds it).
func (s Scan) Policy() scan.Policy {
	return scan.Policy{Threshold: s.Threshold, IgnoreUnfixed: s.IgnoreUnfixed}
}

// Title returns the OCI title of an image: NAME-IMAGE, e.g.
// "hivemind-backend".
func (c Config) Title(image string) string { return c.Name + "-" + image }

// Repository returns where publish pushes an image: REGISTRY/NAME-IMAGE, or
// "" without a registry.
func (c Config) Repository(image string) string {
	if c.Registry == "" {
		return ""
	}
	return strings.TrimSuffix(c.Registry, "/") + "/" + c.Title(image)
}

// File returns the path, from the source root, of a file named relative to
// the image's folder (its OutputDir, NginxConfig, Dockerfile…).
func (i Image) File(rel string) string { return path.Join(i.Path, rel) }

// IsConsumer reports whether the image receives the services' env.
func (c Config) IsConsumer(image string) bool { return slices.Contains(c.Services.Consumers, image) }

// RuntimeEnv returns the environment of an image at run time: the services'
// env when it is a consumer, then its own env, which wins on a shared name.
// Values are still templates and references: resolve each with
// EnvValue.Resolve, and pass those that IsSecret as secrets.
func (c Config) RuntimeEnv(image string) Env {
	out := Env{}
	img, ok := c.Image(image)
	if !ok {
		return out
	}
	if c.IsConsumer(image) {
		if c.Services.Database.Kind != DatabaseNone {
			for k, v := range c.Services.Database.Env {
				out[k] = Literal(v)
			}
		}
		if c.Services.Redis.On() {
			for k, v := range c.Services.Redis.Env {
				out[k] = Literal(v)
			}
		}
	}
	maps.Copy(out, img.Env)
	return out
}

// SecretNames returns the names of the pipeline secrets the configuration
// refers to (env, build_env and build_secrets), sorted, so ci/ can check
// they were all given before building anything.
func (c Config) SecretNames() []string {
	set := map[string]bool{}
	for _, img := range c.Images {
		for _, e := range []Env{img.Env, img.BuildEnv} {
			for _, v := range e {
				if v.Secret != "" {
					set[v.Secret] = true
				}
			}
		}
		for _, s := range img.BuildSecrets {
			set[s] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}
