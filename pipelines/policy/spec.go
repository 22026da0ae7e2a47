package policy

import (
	"fmt"
	"slices"
	"strings"
)

// ParseWaiverSpecs reads waivers given on a command line, one per spec:
// "RULE=REASON" waives the rule for every image, "IMAGE:RULE=REASON" for one
// image. It returns the waivers by image name, "" holding those for all.
func ParseWaiverSpecs(specs []string) (map[string][]Waiver, error) {
	out := map[string][]Waiver{}
	for _, spec := range specs {
		target, reason, ok := strings.Cut(spec, "=")
		reason = strings.TrimSpace(reason)
		if !ok || reason == "" {
			return nil, fmt.Errorf("waiver %q: want RULE=REASON or IMAGE:RULE=REASON, e.g. frontend:healthcheck=\"checked by the load balancer\"", spec)
		}
		image, rule, scoped := strings.Cut(target, ":")
		if !scoped {
			image, rule = "", target
		}
		image, rule = strings.TrimSpace(image), strings.TrimSpace(rule)
		if scoped && image == "" {
			return nil, fmt.Errorf("waiver %q: empty image name before %q", spec, ":")
		}
		if !slices.Contains(Names(), rule) {
			return nil, fmt.Errorf("waiver %q: %w", spec, &UnknownRuleError{Rule: rule, Valid: Names()})
		}
		out[image] = append(out[image], Waiver{Rule: rule, Reason: reason})
	}
	return out, nil
}

// WaiversFor returns the waivers that apply to image: its own, then those for
// every image (an image's own waiver of a rule wins).
func WaiversFor(all map[string][]Waiver, image string) []Waiver {
	out := slices.Clone(all[image])
	for _, w := range all[""] {
		if !slices.ContainsFunc(out, func(o Waiver) bool { return o.Rule == w.Rule }) {
			out = append(out, w)
		}
	}
	return out
}
