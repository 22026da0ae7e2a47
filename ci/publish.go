package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"dagger/stack/internal/dagger"

	"github.com/stack-ci/stack/pipelines/publish"
	"github.com/stack-ci/stack/pipelines/recipe"
	"github.com/stack-ci/stack/pipelines/report"
	"github.com/stack-ci/stack/pipelines/tags"
)

// Publish runs the whole pipeline, as Check does, and only when every stage
// passed pushes each image once to the registry and applies every tag
// computed from the git context (docker/metadata-action's rules: sha-<short>,
// the branch, pr-<n>, semver tags for a version tag, latest). A registry
// that refuses gets a clear error, and nothing is reported as published
// that was not. The report lists the pushed references with their digests.
//
//	dagger call --source=. --revision=$(git rev-parse HEAD) publish \
//	  --registry=ghcr.io/acme --registry-username=me --registry-password=env://TOKEN \
//	  --ref=refs/heads/main assert
//
// +cache="never"
func (m *Stack) Publish(
	ctx context.Context,
	// Registry and namespace to push to, e.g. ghcr.io/acme; images are
	// pushed as REGISTRY/APP-IMAGE (default: stack.yaml's registry).
	// +optional
	registry string,
	// Registry user (anonymous when empty).
	// +optional
	registryUsername string,
	// Registry password or token.
	// +optional
	registryPassword *dagger.Secret,
	// The registry speaks plain HTTP (a local or internal registry).
	// +optional
	registryInsecure bool,
	// The git ref being published: refs/heads/BRANCH, refs/tags/vX.Y.Z or
	// refs/pull/N/merge.
	// +default="refs/heads/main"
	ref string,
	// The event, as GitHub names it: push, pull_request, schedule…
	// +default="push"
	event string,
	// On a pull_request event, the head commit of the pull request (the
	// revision is the merge commit GitHub made).
	// +optional
	prHeadSha string,
	// The repository's default branch (it gets the edge tag).
	// +default="main"
	defaultBranch string,
) (*CheckReport, error) {
	return m.publish(ctx, publishArgs{registry, registryUsername, registryPassword, registryInsecure, ref, event, prHeadSha, defaultBranch})
}

// Release publishes a version: it checks that version is v followed by a
// semantic version (v1.2.3, v2.0.0-rc.1; no build metadata), runs the whole
// pipeline with the version in the images' labels, and only when every
// stage passed pushes the images with the release tags (1.2.3, 1.2, 1 and
// latest; a pre-release gets only its own version) and sha-<short>.
// +cache="never"
func (m *Stack) Release(
	ctx context.Context,
	// The version to release, e.g. v1.2.3.
	version string,
	// Registry and namespace to push to, e.g. ghcr.io/acme (default:
	// stack.yaml's registry).
	// +optional
	registry string,
	// Registry user (anonymous when empty).
	// +optional
	registryUsername string,
	// Registry password or token.
	// +optional
	registryPassword *dagger.Secret,
	// The registry speaks plain HTTP.
	// +optional
	registryInsecure bool,
	// The repository's default branch.
	// +default="main"
	defaultBranch string,
) (*CheckReport, error) {
	v, err := tags.Release(version)
	if err != nil {
		return nil, fmt.Errorf("--version: %v", err)
	}
	rel := *m
	rel.LabelInfo.Version = v.String()
	return rel.publish(ctx, publishArgs{registry, registryUsername, registryPassword, registryInsecure, "refs/tags/" + version, "push", "", defaultBranch})
}

type publishArgs struct {
	registry      string
	username      string
	password      *dagger.Secret
	insecure      bool
	ref           string
	event         string
	prHeadSha     string
	defaultBranch string
}

func (m *Stack) publish(ctx context.Context, p publishArgs) (*CheckReport, error) {
	if m.LabelInfo.Revision == "" {
		return nil, errors.New("--revision is required to publish: the commit being published (git rev-parse HEAD); it names the sha tag and the revision label")
	}
	run := m.check(ctx, report.Source{Revision: m.LabelInfo.Revision, Ref: p.ref})
	defer run.close()
	start := time.Now()
	if err := m.push(ctx, run, p); err != nil {
		run.b.AddError(report.StagePublish, err, time.Since(start))
	}
	return run.finish()
}

// push computes the tags and pushes the images if the run passed; it
// reports the publish stage itself, and returns only an error that kept it
// from doing so.
func (m *Stack) push(ctx context.Context, run *checkRun, p publishArgs) error {
	if run.a == nil || run.imgs == nil {
		run.b.Block(report.StagePublish, report.StageBuild)
		return nil
	}
	cfg := run.a.Config
	registry := p.registry
	if registry == "" {
		registry = cfg.Registry
	}
	if registry == "" {
		return errors.New("no registry: give --registry (e.g. ghcr.io/acme) or set registry in stack.yaml")
	}
	created, err := recipe.ParseCreated(m.LabelInfo.Created, time.Now())
	if err != nil {
		return fmt.Errorf("--created: %v", err)
	}
	tc := cfg.Tags.Config()
	tc.DefaultBranch = p.defaultBranch
	result, err := tags.Compute(tags.Context{EventName: p.event, Ref: p.ref, SHA: m.LabelInfo.Revision, PRHeadSHA: p.prHeadSha, DefaultBranch: p.defaultBranch}, tc, created)
	if err != nil {
		return fmt.Errorf("computing the tags: %v", err)
	}
	targets, err := publish.Plan(registry, cfg.Name, run.imgs.Names, result)
	if err != nil {
		return fmt.Errorf("planning the push: %v", err)
	}
	opts := []publish.Option{publish.WithInsecure(p.insecure)}
	if p.password != nil {
		password, err := p.password.Plaintext(ctx)
		if err != nil {
			return fmt.Errorf("reading --registry-password: %v", err)
		}
		opts = append(opts, publish.WithBasicAuth(p.username, password))
	} else if p.username != "" {
		return errors.New("--registry-username needs --registry-password")
	}
	start := time.Now()
	res, err := publish.Publish(ctx, run.b.Report(), targets, run.tars.paths, opts...)
	var gate *publish.GateError
	switch {
	case errors.As(err, &gate):
		run.b.Block(report.StagePublish, gate.Names()...)
	case res == nil && err != nil:
		return err
	default:
		run.b.AddPublish(result, res.Pushed(), time.Since(start))
		if err != nil {
			run.b.Note("publish: " + strings.TrimSpace(err.Error()))
		}
	}
	return nil
}
