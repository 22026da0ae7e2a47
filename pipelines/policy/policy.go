// Package policy checks an image's config against the rules a deployable
// image must follow:
//
//   - non-root: the image names a user other than root (see checkNonRoot
//     for how names like "node" are treated);
//   - healthcheck: the image declares a HEALTHCHECK that is not NONE;
//   - no-secrets: no secret-looking value in Env, Labels, the build history,
//     Cmd, Entrypoint or the healthcheck; findings never print the value;
//   - exposes-port: the image exposes the port the stack expects of it.
//
// Check runs every rule on a go-containerregistry v1.ConfigFile (package oci
// reads one from an image tarball). A rule can be waived by name with a
// reason: it still runs and reports, but no longer fails the report.
package policy

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Rule names, as waivers and results spell them.
const (
	NonRoot     = "non-root"
	Healthcheck = "healthcheck"
	NoSecrets   = "no-secrets"
	ExposesPort = "exposes-port"
)

// Names returns the names of all the rules, in the order Check runs them.
func Names() []string {
	return []string{NonRoot, Healthcheck, NoSecrets, ExposesPort}
}

// Waiver exempts an image from one rule, for a stated reason.
type Waiver struct {
	// Rule is the rule's name, one of Names().
	Rule string `json:"rule"`
	// Reason says why, for the report; it may not be empty.
	Reason string `json:"reason"`
}

// Options configure Check.
type Options struct {
	// ExpectedPorts are the ports the image must expose, e.g. "8765/tcp",
	// "80" (tcp when no protocol is given), "53/udp". With none, exposes-port
	// asks for at least one exposed port.
	ExpectedPorts []string `json:"expectedPorts,omitempty"`
	// RequireNumericUser makes non-root fail for a user given by name
	// ("node"), which cannot be proven non-root from the config alone.
	RequireNumericUser bool `json:"requireNumericUser,omitempty"`
	// Waivers exempt the image from rules.
	Waivers []Waiver `json:"waivers,omitempty"`
}

// Result is the outcome of one rule.
type Result struct {
	// Rule is the rule's name.
	Rule string `json:"rule"`
	// Passed is the rule's own verdict, waived or not.
	Passed bool `json:"passed"`
	// Waived is true when a waiver exempts the image from the rule.
	Waived bool `json:"waived"`
	// WaiverReason is the waiver's reason.
	WaiverReason string `json:"waiverReason,omitempty"`
	// Detail says what was found, in a sentence. Secret values are never
	// part of it.
	Detail string `json:"detail"`
	// Findings lists the individual problems (no-secrets), values redacted.
	Findings []string `json:"findings,omitempty"`
}

// OK reports whether the result does not fail the report: passed or waived.
func (r Result) OK() bool { return r.Passed || r.Waived }

// Report is the outcome of all the rules for one image.
type Report struct {
	// Results are in the order of Names().
	Results []Result `json:"results"`
	// Passed is true when every result is OK.
	Passed bool `json:"passed"`
}

// Failed returns the results that fail the report.
func (r Report) Failed() []Result {
	var out []Result
	for _, res := range r.Results {
		if !res.OK() {
			out = append(out, res)
		}
	}
	return out
}

// UnknownRuleError reports a waiver naming a rule that does not exist.
type UnknownRuleError struct {
	// Rule is the name given.
	Rule string
	// Valid lists the rule names.
	Valid []string
}

// Error names the unknown rule and lists the valid ones.
func (e *UnknownRuleError) Error() string {
	return fmt.Sprintf("waiving rule %q: no such rule; the rules are %s", e.Rule, strings.Join(e.Valid, ", "))
}

// Check runs every rule on cfg. It returns an error, and no report, when the
// options are wrong: a waiver of an unknown rule (*UnknownRuleError), without
// a reason or given twice, or an expected port that does not parse.
func Check(cfg *v1.ConfigFile, opts Options) (Report, error) {
	if cfg == nil {
		return Report{}, errors.New("checking image policy: no image config")
	}
	waivers, err := indexWaivers(opts.Waivers)
	if err != nil {
		return Report{}, fmt.Errorf("checking image policy: %w", err)
	}
	var ports []Port
	for _, s := range opts.ExpectedPorts {
		p, err := ParsePort(s)
		if err != nil {
			return Report{}, fmt.Errorf("checking image policy: %w", err)
		}
		ports = append(ports, p)
	}
	results := []Result{
		checkNonRoot(cfg.Config.User, opts.RequireNumericUser),
		checkHealthcheck(cfg.Config.Healthcheck),
		checkNoSecrets(cfg),
		checkExposesPort(cfg.Config.ExposedPorts, ports),
	}
	rep := Report{Passed: true}
	for _, r := range results {
		if w, ok := waivers[r.Rule]; ok {
			r.Waived, r.WaiverReason = true, w.Reason
		}
		rep.Passed = rep.Passed && r.OK()
		rep.Results = append(rep.Results, r)
	}
	return rep, nil
}

func indexWaivers(ws []Waiver) (map[string]Waiver, error) {
	out := map[string]Waiver{}
	for _, w := range ws {
		name := strings.TrimSpace(w.Rule)
		if !slices.Contains(Names(), name) {
			return nil, &UnknownRuleError{Rule: w.Rule, Valid: Names()}
		}
		if strings.TrimSpace(w.Reason) == "" {
			return nil, fmt.Errorf("waiving rule %q: give a reason, it goes into the report", name)
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("waiving rule %q: waived twice, keep one waiver", name)
		}
		w.Rule = name
		out[name] = w
	}
	return out, nil
}
