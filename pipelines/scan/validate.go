package scan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
)

// ErrInvalidSARIF is wrapped by the errors ValidateSARIF returns.
var ErrInvalidSARIF = errors.New("invalid SARIF")

// ErrInvalidCycloneDX is wrapped by the errors ValidateCycloneDX returns.
var ErrInvalidCycloneDX = errors.New("invalid CycloneDX")

// SARIFSummary describes a SARIF log that passed ValidateSARIF.
type SARIFSummary struct {
	// Tool is the first run's tool.driver.name, e.g. "Trivy".
	Tool string
	// Runs and Results count the runs and the results over all runs.
	Runs, Results int
}

// ValidateSARIF checks that data is a SARIF 2.1.0 log as code scanning
// expects: a JSON object with version "2.1.0" and at least one run, each
// with tool.driver.name and a results array whose entries have a ruleId and
// a message text.
func ValidateSARIF(data []byte) (SARIFSummary, error) {
	var doc struct {
		Version *string `json:"version"`
		Runs    *[]struct {
			Tool *struct {
				Driver *struct {
					Name string `json:"name"`
				} `json:"driver"`
			} `json:"tool"`
			Results *[]struct {
				RuleID  string `json:"ruleId"`
				Message struct {
					Text string `json:"text"`
				} `json:"message"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := decodeObject(data, &doc); err != nil {
		return SARIFSummary{}, fmt.Errorf("validating SARIF: %w: %w", ErrInvalidSARIF, err)
	}
	bad := func(format string, args ...any) (SARIFSummary, error) {
		return SARIFSummary{}, fmt.Errorf("validating SARIF: %w: %s", ErrInvalidSARIF, fmt.Sprintf(format, args...))
	}
	if doc.Version == nil {
		return bad("no version")
	}
	if *doc.Version != "2.1.0" {
		return bad("version %q, want \"2.1.0\"", *doc.Version)
	}
	if doc.Runs == nil || len(*doc.Runs) == 0 {
		return bad("no runs")
	}
	var sum SARIFSummary
	for i, run := range *doc.Runs {
		if run.Tool == nil || run.Tool.Driver == nil || run.Tool.Driver.Name == "" {
			return bad("runs[%d] has no tool.driver.name", i)
		}
		if run.Results == nil {
			return bad("runs[%d] has no results array", i)
		}
		for j, r := range *run.Results {
			if r.RuleID == "" || r.Message.Text == "" {
				return bad("runs[%d].results[%d] lacks ruleId or message.text", i, j)
			}
		}
		if i == 0 {
			sum.Tool = run.Tool.Driver.Name
		}
		sum.Runs++
		sum.Results += len(*run.Results)
	}
	return sum, nil
}

// CycloneDXSummary describes an SBOM that passed ValidateCycloneDX.
type CycloneDXSummary struct {
	// SpecVersion is the CycloneDX version, e.g. "1.7".
	SpecVersion string
	// Components counts components, nested ones included.
	Components int
	// Vulnerabilities counts the vulnerabilities section's entries.
	Vulnerabilities int
}

var specVersion = regexp.MustCompile(`^1\.[0-9]+$`)

type cdxComponent struct {
	Type       string         `json:"type"`
	Name       string         `json:"name"`
	Components []cdxComponent `json:"components"`
}

// ValidateCycloneDX checks that data is a CycloneDX JSON SBOM: bomFormat
// "CycloneDX", a specVersion 1.x and a components array whose entries have
// a type and a name.
func ValidateCycloneDX(data []byte) (CycloneDXSummary, error) {
	var doc struct {
		BOMFormat       *string          `json:"bomFormat"`
		SpecVersion     *string          `json:"specVersion"`
		Components      *[]cdxComponent  `json:"components"`
		Vulnerabilities []map[string]any `json:"vulnerabilities"`
	}
	if err := decodeObject(data, &doc); err != nil {
		return CycloneDXSummary{}, fmt.Errorf("validating CycloneDX: %w: %w", ErrInvalidCycloneDX, err)
	}
	bad := func(format string, args ...any) (CycloneDXSummary, error) {
		return CycloneDXSummary{}, fmt.Errorf("validating CycloneDX: %w: %s", ErrInvalidCycloneDX, fmt.Sprintf(format, args...))
	}
	if doc.BOMFormat == nil || *doc.BOMFormat != "CycloneDX" {
		return bad("bomFormat is not \"CycloneDX\"")
	}
	if doc.SpecVersion == nil || !specVersion.MatchString(*doc.SpecVersion) {
		return bad("specVersion is not 1.x")
	}
	if doc.Components == nil {
		return bad("no components array")
	}
	n, err := countComponents(*doc.Components, "components", 0)
	if err != nil {
		return bad("%v", err)
	}
	return CycloneDXSummary{SpecVersion: *doc.SpecVersion, Components: n, Vulnerabilities: len(doc.Vulnerabilities)}, nil
}

// maxNesting bounds how deep components nest.
const maxNesting = 64

func countComponents(cs []cdxComponent, path string, depth int) (int, error) {
	if depth > maxNesting {
		return 0, fmt.Errorf("%s nests deeper than %d", path, maxNesting)
	}
	n := 0
	for i, c := range cs {
		p := fmt.Sprintf("%s[%d]", path, i)
		if c.Type == "" || c.Name == "" {
			return 0, fmt.Errorf("%s lacks type or name", p)
		}
		sub, err := countComponents(c.Components, p+".components", depth+1)
		if err != nil {
			return 0, err
		}
		n += 1 + sub
	}
	return n, nil
}

// decodeObject decodes one JSON object with nothing after it.
func decodeObject(data []byte, v any) error {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return errors.New("not a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("data after the JSON object")
	}
	return nil
}
