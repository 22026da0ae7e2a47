package plan

import (
	"fmt"
	"slices"
	"strings"

	"github.com/stack-ci/stack/pipelines/config"
	"github.com/stack-ci/stack/pipelines/smoke"
)

// RunEnv resolves an image's run-time environment (config.RuntimeEnv: the
// services' env when it consumes them, then its own) with the facts of one
// run. Values that carry a secret go to Secret, the rest to Plain; a
// {secret: NAME} reference is looked up with secret, and when the pipeline
// was not given it, gets a random value for this run (smoke tests need a
// value, not the production one). generated lists those names.
func RunEnv(cfg config.Config, image string, facts config.Facts, secret func(string) (string, bool)) (env smoke.Env, generated []string, err error) {
	env = smoke.Env{Plain: map[string]string{}, Secret: map[string]string{}}
	made := map[string]string{}
	lookup := func(name string) (string, bool) {
		if secret != nil {
			if v, ok := secret(name); ok {
				return v, true
			}
		}
		if v, ok := made[name]; ok {
			return v, true
		}
		made[name] = smoke.NewPassword()
		generated = append(generated, name)
		return made[name], true
	}
	var errs []string
	for name, v := range cfg.RuntimeEnv(image) {
		val, err := v.Resolve(facts, lookup)
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: %v", name, err))
			continue
		}
		if v.IsSecret() {
			env.Secret[name] = val
		} else {
			env.Plain[name] = val
		}
	}
	if len(errs) > 0 {
		slices.Sort(errs)
		return smoke.Env{}, nil, fmt.Errorf("image %s's environment: %s", image, strings.Join(errs, "; "))
	}
	slices.Sort(generated)
	return env, generated, nil
}
