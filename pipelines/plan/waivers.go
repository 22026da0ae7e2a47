package plan

import (
	"slices"

	"github.com/stack-ci/stack/pipelines/config"
	"github.com/stack-ci/stack/pipelines/policy"
)

// NginxRootWaiver is the reason an nginx image's root user is accepted by
// default.
const NginxRootWaiver = "nginx's master process binds port 80 as root; its workers run as an unprivileged user"

// Waivers are the policy waivers of image: stack.yaml's, then those given on
// the command line (by image, "" for every image; they win over the file's
// for the same rule), and, for a spa image running as root, a waiver of
// non-root that the file or the command line can replace.
func Waivers(cfg config.Config, image string, cli map[string][]policy.Waiver) []policy.Waiver {
	out := cfg.Policy.For(image)
	for _, w := range policy.WaiversFor(cli, image) {
		out = slices.DeleteFunc(out, func(o policy.Waiver) bool { return o.Rule == w.Rule })
		out = append(out, w)
	}
	img, ok := cfg.Image(image)
	if ok && img.Kind == config.KindSPA && img.User == 0 && !slices.ContainsFunc(out, func(w policy.Waiver) bool { return w.Rule == policy.NonRoot }) {
		out = append(out, policy.Waiver{Rule: policy.NonRoot, Reason: NginxRootWaiver})
	}
	slices.SortFunc(out, func(a, b policy.Waiver) int {
		if a.Rule < b.Rule {
			return -1
		}
		if a.Rule > b.Rule {
			return 1
		}
		return 0
	})
	return out
}
