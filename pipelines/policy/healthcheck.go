package policy

import (
	"fmt"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// maxCommandInDetail is how much of a healthcheck command a detail shows.
const maxCommandInDetail = 120

// checkHealthcheck passes when the config declares a healthcheck that runs
// a command: Test is ["CMD", args…] or ["CMD-SHELL", command]. It fails when
// there is none, when it is disabled (["NONE"]) and when Test is empty
// (which means "inherit", and there is nothing left to inherit from in a
// final image).
func checkHealthcheck(hc *v1.HealthConfig) Result {
	r := Result{Rule: Healthcheck}
	switch {
	case hc == nil:
		r.Detail = "the image declares no HEALTHCHECK; add one that probes the service (e.g. its /health endpoint)"
	case len(hc.Test) == 0:
		r.Detail = "the HEALTHCHECK has no test; give it a command"
	case hc.Test[0] == "NONE":
		r.Detail = "the HEALTHCHECK is disabled (NONE); give it a command"
	case hc.Test[0] == "CMD" || hc.Test[0] == "CMD-SHELL":
		if len(hc.Test) < 2 || strings.TrimSpace(strings.Join(hc.Test[1:], "")) == "" {
			r.Detail = fmt.Sprintf("the HEALTHCHECK %s has no command", hc.Test[0])
			break
		}
		r.Passed = true
		cmd := redact(strings.Join(hc.Test[1:], " "))
		if len(cmd) > maxCommandInDetail {
			cmd = cmd[:maxCommandInDetail] + "…"
		}
		r.Detail = fmt.Sprintf("HEALTHCHECK %s %s%s", hc.Test[0], cmd, timing(hc))
	default:
		r.Detail = fmt.Sprintf("the HEALTHCHECK test type %q is unknown; use CMD or CMD-SHELL", hc.Test[0])
	}
	return r
}

func timing(hc *v1.HealthConfig) string {
	var parts []string
	if hc.Interval > 0 {
		parts = append(parts, "interval "+hc.Interval.String())
	}
	if hc.Timeout > 0 {
		parts = append(parts, "timeout "+hc.Timeout.String())
	}
	if hc.StartPeriod > 0 {
		parts = append(parts, "start period "+hc.StartPeriod.String())
	}
	if hc.Retries > 0 {
		parts = append(parts, fmt.Sprintf("%d retries", hc.Retries))
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}
