package scan

import (
	"errors"
	"strings"
	"testing"
)

func TestValidateSARIF(t *testing.T) {
	t.Parallel()
	good := `{"version":"2.1.0","$schema":"https://json.schemastore.org/sarif-2.1.0.json","runs":[{"tool":{"driver":{"name":"Trivy","rules":[]}},"results":[{"ruleId":"CVE-1","level":"error","message":{"text":"x"}}]},{"tool":{"driver":{"name":"Trivy"}},"results":[]}]}`
	sum, err := ValidateSARIF([]byte(good))
	if err != nil || sum != (SARIFSummary{Tool: "Trivy", Runs: 2, Results: 1}) {
		t.Fatalf("ValidateSARIF(good) = %+v, %v", sum, err)
	}
	bad := []struct{ name, doc, want string }{
		{"not JSON", `<sarif/>`, "not a JSON object"},
		{"truncated", `{"version":"2.1.0","runs":[`, "unexpected EOF"},
		{"trailing", `{"version":"2.1.0","runs":[]} x`, "data after"},
		{"no version", `{"runs":[]}`, "no version"},
		{"old version", `{"version":"1.0.0","runs":[{"tool":{"driver":{"name":"T"}},"results":[]}]}`, `version "1.0.0"`},
		{"no runs", `{"version":"2.1.0"}`, "no runs"},
		{"empty runs", `{"version":"2.1.0","runs":[]}`, "no runs"},
		{"no driver name", `{"version":"2.1.0","runs":[{"tool":{"driver":{}},"results":[]}]}`, "tool.driver.name"},
		{"no results", `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"T"}}}]}`, "no results array"},
		{"result without rule", `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"T"}},"results":[{"message":{"text":"x"}}]}]}`, "results[0] lacks ruleId"},
		{"runs wrong type", `{"version":"2.1.0","runs":{}}`, "cannot unmarshal"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ValidateSARIF([]byte(tt.doc))
			if !errors.Is(err, ErrInvalidSARIF) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want ErrInvalidSARIF mentioning %q", err, tt.want)
			}
		})
	}
}

func TestValidateCycloneDX(t *testing.T) {
	t.Parallel()
	good := `{"bomFormat":"CycloneDX","specVersion":"1.7","components":[{"type":"application","name":"Node.js","components":[{"type":"library","name":"lodash"}]},{"type":"library","name":"qs"}],"vulnerabilities":[{"id":"CVE-1"}]}`
	sum, err := ValidateCycloneDX([]byte(good))
	if err != nil || sum != (CycloneDXSummary{SpecVersion: "1.7", Components: 3, Vulnerabilities: 1}) {
		t.Fatalf("ValidateCycloneDX(good) = %+v, %v", sum, err)
	}
	deep := `{"bomFormat":"CycloneDX","specVersion":"1.6","components":` + strings.Repeat(`[{"type":"t","name":"n","components":`, 70) + `[]` + strings.Repeat(`}]`, 70) + `}`
	bad := []struct{ name, doc, want string }{
		{"not JSON", `bomFormat: CycloneDX`, "not a JSON object"},
		{"SPDX", `{"spdxVersion":"SPDX-2.3"}`, "bomFormat"},
		{"wrong bomFormat", `{"bomFormat":"cyclonedx","specVersion":"1.6","components":[]}`, "bomFormat"},
		{"no specVersion", `{"bomFormat":"CycloneDX","components":[]}`, "specVersion"},
		{"specVersion 2", `{"bomFormat":"CycloneDX","specVersion":"2.0","components":[]}`, "specVersion"},
		{"no components", `{"bomFormat":"CycloneDX","specVersion":"1.6"}`, "no components"},
		{"nameless component", `{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"type":"library"}]}`, "components[0] lacks"},
		{"nested nameless", `{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"type":"a","name":"b","components":[{"name":"c"}]}]}`, "components[0].components[0] lacks"},
		{"too deep", deep, "nests deeper"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ValidateCycloneDX([]byte(tt.doc))
			if !errors.Is(err, ErrInvalidCycloneDX) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want ErrInvalidCycloneDX mentioning %q", err, tt.want)
			}
		})
	}
}

func FuzzValidateSARIF(f *testing.F) {
	f.Add([]byte(`{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"Trivy"}},"results":[{"ruleId":"a","message":{"text":"b"}}]}]}`))
	f.Add([]byte(`{"version":"2.1.0","runs":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		sum, err := ValidateSARIF(data)
		if err != nil {
			if !errors.Is(err, ErrInvalidSARIF) {
				t.Fatalf("error without ErrInvalidSARIF: %v", err)
			}
			return
		}
		if sum.Runs < 1 || sum.Tool == "" || sum.Results < 0 {
			t.Fatalf("accepted with summary %+v", sum)
		}
	})
}

func FuzzValidateCycloneDX(f *testing.F) {
	f.Add([]byte(`{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"type":"library","name":"x","components":[]}]}`))
	f.Add([]byte(`{"bomFormat":"CycloneDX"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		sum, err := ValidateCycloneDX(data)
		if err != nil {
			if !errors.Is(err, ErrInvalidCycloneDX) {
				t.Fatalf("error without ErrInvalidCycloneDX: %v", err)
			}
			return
		}
		if !strings.HasPrefix(sum.SpecVersion, "1.") || sum.Components < 0 {
			t.Fatalf("accepted with summary %+v", sum)
		}
	})
}
