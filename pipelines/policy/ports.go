package policy

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Port is a port and protocol, as in an image's ExposedPorts ("8765/tcp").
type Port struct {
	// Number is 1 to 65535.
	Number uint16
	// Protocol is "tcp", "udp" or "sctp".
	Protocol string
}

// String writes the port as ExposedPorts keys do, e.g. "8765/tcp".
func (p Port) String() string { return fmt.Sprintf("%d/%s", p.Number, p.Protocol) }

// ParsePort reads "8765/tcp", "53/udp" or "80" (tcp assumed), ignoring case
// and surrounding spaces.
func ParsePort(s string) (Port, error) {
	fail := func(why string) (Port, error) {
		return Port{}, fmt.Errorf("parsing port %q: %s; write a port number 1-65535 with an optional /tcp, /udp or /sctp, e.g. \"8765/tcp\" or \"80\"", s, why)
	}
	num, proto, hasProto := strings.Cut(strings.ToLower(strings.TrimSpace(s)), "/")
	if !hasProto {
		proto = "tcp"
	}
	if !isDigits(num) {
		return fail("not a port number")
	}
	n, err := strconv.ParseUint(num, 10, 16)
	if err != nil || n == 0 {
		return fail("out of range")
	}
	switch proto {
	case "tcp", "udp", "sctp":
	default:
		return fail(fmt.Sprintf("unknown protocol %q", proto))
	}
	return Port{Number: uint16(n), Protocol: proto}, nil
}

// checkExposesPort passes when every expected port is among the exposed
// ones, or, with none expected, when at least one port is exposed.
// Exposed keys that do not parse are ignored (and listed as they are).
func checkExposesPort(exposed map[string]struct{}, expected []Port) Result {
	r := Result{Rule: ExposesPort}
	have := map[Port]bool{}
	var listed []string
	for k := range exposed {
		listed = append(listed, k)
		if p, err := ParsePort(k); err == nil {
			have[p] = true
		}
	}
	slices.Sort(listed)
	shown := "none"
	if len(listed) > 0 {
		shown = strings.Join(listed, ", ")
	}
	if len(expected) == 0 {
		r.Passed = len(have) > 0
		if r.Passed {
			r.Detail = "exposes " + shown
		} else {
			r.Detail = "exposes no port; add EXPOSE for the port the service listens on"
		}
		return r
	}
	var missing, want []string
	for _, p := range expected {
		want = append(want, p.String())
		if !have[p] {
			missing = append(missing, p.String())
		}
	}
	if len(missing) > 0 {
		r.Detail = fmt.Sprintf("does not expose %s (exposes %s); add EXPOSE %s", strings.Join(missing, ", "), shown, strings.Join(missing, " "))
		return r
	}
	r.Passed = true
	r.Detail = fmt.Sprintf("exposes %s as expected", strings.Join(want, ", "))
	return r
}
