package scan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// SchemaVersion is the version of Trivy's JSON report this package reads
// (Trivy has written schema 2 since v0.20; v0.74.0 writes 2).
const SchemaVersion = 2

// ErrNotReport is wrapped by the errors ParseReport returns for a document
// that is not a Trivy JSON report.
var ErrNotReport = errors.New("not a Trivy JSON report (produce one with --format json)")

// ErrUnsupportedSchema is wrapped by the error ParseReport returns for a
// Trivy report whose SchemaVersion is not SchemaVersion.
var ErrUnsupportedSchema = errors.New("unsupported Trivy report schema")

// Report is the part of Trivy's JSON report (`--format json`, schema 2) the
// gate reads. Missing keys are zero values: a clean target has no
// Vulnerabilities key and a clean artifact may have no Results.
type Report struct {
	// SchemaVersion is the report format version; always SchemaVersion.
	SchemaVersion int
	// ArtifactName is what was scanned, e.g. the --input path or the
	// scanned directory.
	ArtifactName string
	// ArtifactType is e.g. "container_image", "filesystem" or
	// "repository".
	ArtifactType string `json:",omitempty"`
	// Results has one entry per scanned target; nil for a clean artifact.
	Results []Result `json:",omitempty"`

	// Name labels the artifact in a Verdict (e.g. "frontend image"); it is
	// not part of Trivy's report. Empty means ArtifactName.
	Name string `json:"-"`
}

// Result is one scanned target: an OS package database, a lock file, a
// configuration file, or a file with secrets.
type Result struct {
	// Target is e.g. "Node.js", "app/package-lock.json" or "Dockerfile".
	Target string
	// Class is e.g. "os-pkgs", "lang-pkgs", "config" or "secret".
	Class string `json:",omitempty"`
	// Type is e.g. "node-pkg", "npm", "alpine" or "dockerfile".
	Type string `json:",omitempty"`
	// Vulnerabilities are the vulnerable packages; nil when none.
	Vulnerabilities []Vulnerability `json:",omitempty"`
	// Secrets are the secrets found in the target file; nil when none.
	Secrets []Secret `json:",omitempty"`
	// Misconfigurations are the configuration checks run on the target
	// file (failed ones only, unless --include-non-failures).
	Misconfigurations []Misconfiguration `json:",omitempty"`
}

// Vulnerability is a vulnerable package version.
type Vulnerability struct {
	// VulnerabilityID is e.g. "CVE-2024-1234" or "GHSA-xxxx-xxxx-xxxx".
	VulnerabilityID string
	// PkgName is the package, e.g. "lodash".
	PkgName string
	// PkgPath is the file the package was found in, when Trivy knows it.
	PkgPath string `json:",omitempty"`
	// InstalledVersion is the version found.
	InstalledVersion string
	// FixedVersion lists the versions that fix it; empty when there is no
	// fix.
	FixedVersion string `json:",omitempty"`
	// Status is e.g. "fixed", "affected", "will_not_fix".
	Status string `json:",omitempty"`
	// Severity is the severity Trivy selected for the package's ecosystem.
	Severity Severity
	// Title is a one-line description.
	Title string `json:",omitempty"`
	// PrimaryURL points to details.
	PrimaryURL string `json:",omitempty"`
}

// HasFix reports whether a fixed version exists, as Trivy's
// --ignore-unfixed decides it (status "fixed", which Trivy sets whenever it
// knows a fixed version).
func (v Vulnerability) HasFix() bool { return v.FixedVersion != "" || v.Status == "fixed" }

// Secret is a secret found in a file (Result.Target).
type Secret struct {
	// RuleID is the detection rule, e.g. "aws-access-key-id".
	RuleID string
	// Category is e.g. "AWS".
	Category string `json:",omitempty"`
	// Severity is the rule's severity.
	Severity Severity
	// Title names the rule, e.g. "AWS Access Key ID".
	Title string `json:",omitempty"`
	// StartLine is the first line of the secret in the file.
	StartLine int `json:",omitempty"`
	// Match is the matching line with the secret masked by Trivy.
	Match string `json:",omitempty"`
}

// Misconfiguration is the outcome of one configuration check on a file
// (Result.Target).
type Misconfiguration struct {
	// ID is the check ID, e.g. "DS-0002" (older Trivy: "DS002").
	ID string
	// AVDID is the Aqua vulnerability database ID, e.g. "AVD-DS-0002";
	// Trivy v0.74.0 no longer fills it.
	AVDID string `json:",omitempty"`
	// Title names the check, e.g. "Image user should not be 'root'".
	Title string `json:",omitempty"`
	// Severity is the check's severity.
	Severity Severity
	// Status is "FAIL", "PASS" or "EXCEPTION"; only FAIL is a finding.
	Status string `json:",omitempty"`
	// Message says what to change in the file.
	Message string `json:",omitempty"`
	// PrimaryURL points to the check's documentation.
	PrimaryURL string `json:",omitempty"`
}

// Failed reports whether the check failed (Status FAIL).
func (m Misconfiguration) Failed() bool { return m.Status == "FAIL" }

// ParseReport parses a Trivy JSON report. A document that is not JSON, has
// no SchemaVersion or ArtifactName, or has trailing data gives an error
// wrapping ErrNotReport; another schema version gives one wrapping
// ErrUnsupportedSchema. Severities missing or empty are UNKNOWN, as in
// Trivy; an unrecognised severity is an error.
func ParseReport(data []byte) (*Report, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, fmt.Errorf("parsing trivy report: empty document: %w", ErrNotReport)
	}
	if trimmed[0] != '{' {
		return nil, fmt.Errorf("parsing trivy report: document is not a JSON object: %w", ErrNotReport)
	}
	// SchemaVersion is checked before decoding the rest so that a report
	// of another schema is named as such rather than failing on a field.
	var head struct {
		SchemaVersion json.RawMessage
		ArtifactName  json.RawMessage
	}
	if err := json.Unmarshal(trimmed, &head); err != nil {
		return nil, fmt.Errorf("parsing trivy report: %w: %w", ErrNotReport, err)
	}
	if len(head.SchemaVersion) == 0 || string(head.SchemaVersion) == "null" {
		return nil, fmt.Errorf("parsing trivy report: no SchemaVersion: %w", ErrNotReport)
	}
	var version int
	if err := json.Unmarshal(head.SchemaVersion, &version); err != nil {
		return nil, fmt.Errorf("parsing trivy report: SchemaVersion %s is not an integer: %w", head.SchemaVersion, ErrNotReport)
	}
	if version != SchemaVersion {
		return nil, fmt.Errorf("parsing trivy report: SchemaVersion %d (this gate reads %d, written by Trivy v0.20 and later): %w", version, SchemaVersion, ErrUnsupportedSchema)
	}

	var r Report
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("parsing trivy report: %w: %w", ErrNotReport, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("parsing trivy report: data after the JSON object: %w", ErrNotReport)
	}
	if r.ArtifactName == "" {
		return nil, fmt.Errorf("parsing trivy report: no ArtifactName (Kubernetes and cloud reports are not supported): %w", ErrNotReport)
	}
	r.normalize()
	return &r, nil
}

// ReadReportFile reads and parses the Trivy JSON report in file.
func ReadReportFile(file string) (*Report, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("reading trivy report: %w", err)
	}
	r, err := ParseReport(data)
	if err != nil {
		return nil, fmt.Errorf("reading %q: %w", file, err)
	}
	return r, nil
}

// normalize gives findings without a severity UNKNOWN, as Trivy does, and
// makes empty lists nil, so that a missing key and an empty list read the
// same.
func (r *Report) normalize() {
	if len(r.Results) == 0 {
		r.Results = nil
	}
	for i := range r.Results {
		res := &r.Results[i]
		if len(res.Vulnerabilities) == 0 {
			res.Vulnerabilities = nil
		}
		if len(res.Secrets) == 0 {
			res.Secrets = nil
		}
		if len(res.Misconfigurations) == 0 {
			res.Misconfigurations = nil
		}
		for j := range res.Vulnerabilities {
			if res.Vulnerabilities[j].Severity == 0 {
				res.Vulnerabilities[j].Severity = SeverityUnknown
			}
		}
		for j := range res.Secrets {
			if res.Secrets[j].Severity == 0 {
				res.Secrets[j].Severity = SeverityUnknown
			}
		}
		for j := range res.Misconfigurations {
			if res.Misconfigurations[j].Severity == 0 {
				res.Misconfigurations[j].Severity = SeverityUnknown
			}
		}
	}
}

// Label returns Name, or ArtifactName when Name is empty.
func (r *Report) Label() string {
	if r.Name != "" {
		return r.Name
	}
	return r.ArtifactName
}
