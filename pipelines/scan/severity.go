package scan

import (
	"errors"
	"fmt"
	"strings"
)

// Severity is Trivy's severity scale, ordered UNKNOWN < LOW < MEDIUM < HIGH
// < CRITICAL. The zero value is not a severity: a Policy reads it as "use
// the default" (HIGH).
type Severity int

// The severities, in ascending order.
const (
	SeverityUnknown Severity = iota + 1
	SeverityLow
	SeverityMedium
	SeverityHigh
	SeverityCritical
)

var severityNames = [...]string{
	SeverityUnknown:  "UNKNOWN",
	SeverityLow:      "LOW",
	SeverityMedium:   "MEDIUM",
	SeverityHigh:     "HIGH",
	SeverityCritical: "CRITICAL",
}

// ErrUnknownSeverity is wrapped by the error ParseSeverity returns for a
// name that is not a severity.
var ErrUnknownSeverity = errors.New("want one of UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL")

// Severities returns every severity, in ascending order.
func Severities() []Severity {
	return []Severity{SeverityUnknown, SeverityLow, SeverityMedium, SeverityHigh, SeverityCritical}
}

// Valid reports whether s is one of the five severities.
func (s Severity) Valid() bool { return s >= SeverityUnknown && s <= SeverityCritical }

// String returns the upper-case name Trivy uses, e.g. "HIGH".
func (s Severity) String() string {
	if !s.Valid() {
		return fmt.Sprintf("Severity(%d)", int(s))
	}
	return severityNames[s]
}

// AtLeast returns the severities from s up to CRITICAL, ascending.
func (s Severity) AtLeast() []Severity {
	var out []Severity
	for _, v := range Severities() {
		if v >= s {
			out = append(out, v)
		}
	}
	return out
}

// ParseSeverity parses a severity name, ignoring case and surrounding
// spaces: "high", "High" and "HIGH" all give SeverityHigh.
func ParseSeverity(name string) (Severity, error) {
	n := strings.ToUpper(strings.TrimSpace(name))
	for s := SeverityUnknown; s <= SeverityCritical; s++ {
		if severityNames[s] == n {
			return s, nil
		}
	}
	return 0, fmt.Errorf("parsing severity %q: %w", name, ErrUnknownSeverity)
}

// MarshalText encodes a valid severity as its name.
func (s Severity) MarshalText() ([]byte, error) {
	if !s.Valid() {
		return nil, fmt.Errorf("encoding severity: %d is not a severity", int(s))
	}
	return []byte(s.String()), nil
}

// UnmarshalText decodes a severity name as ParseSeverity does, except that
// an empty name is UNKNOWN, as Trivy treats a finding with no severity.
func (s *Severity) UnmarshalText(b []byte) error {
	if len(strings.TrimSpace(string(b))) == 0 {
		*s = SeverityUnknown
		return nil
	}
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}
