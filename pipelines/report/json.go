package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/stack-ci/stack/pipelines/smoke"
)

// MaxSize bounds what Read reads: a real report is a few hundred kilobytes
// at most (blocking findings are listed, the others counted).
const MaxSize = 64 << 20

var (
	// ErrNotReport is wrapped by the errors Read returns for input that is
	// not a report of this package (not JSON, another tool's JSON, no
	// schema_version or stages).
	ErrNotReport = errors.New("not a pipeline report (the report.json that `dagger call check` exports)")
	// ErrUnsupportedSchema is wrapped by the error Read returns for a report
	// of another SchemaVersion.
	ErrUnsupportedSchema = errors.New("unsupported report schema version")
	// ErrInvalid is wrapped by the errors Read returns for a report whose
	// content contradicts itself (an unknown status, a "passed" that its
	// stages deny, a stage or image named twice).
	ErrInvalid = errors.New("invalid report")
)

// reportJSON is Report's JSON form: Passed is written from Report.Passed.
type reportJSON struct {
	SchemaVersion int           `json:"schema_version"`
	ToolVersion   string        `json:"tool_version,omitempty"`
	Passed        bool          `json:"passed"`
	Source        Source        `json:"source"`
	Started       time.Time     `json:"started"`
	Finished      time.Time     `json:"finished"`
	DurationMS    int64         `json:"duration_ms"`
	Images        []Image       `json:"images"`
	Stages        []Stage       `json:"stages"`
	Scan          *Scan         `json:"scan,omitempty"`
	Budget        *Budget       `json:"budget,omitempty"`
	Policy        *Policy       `json:"policy,omitempty"`
	Smoke         smoke.Results `json:"smoke,omitempty"`
	Publish       *Publish      `json:"publish,omitempty"`
	Notes         []string      `json:"notes,omitempty"`
}

// MarshalJSON writes the report with snake_case names, "passed" derived
// from the stages and the schema version always SchemaVersion.
func (r Report) MarshalJSON() ([]byte, error) {
	j := reportJSON{
		SchemaVersion: SchemaVersion,
		ToolVersion:   r.ToolVersion,
		Passed:        r.Passed(),
		Source:        r.Source,
		Started:       r.Started,
		Finished:      r.Finished,
		DurationMS:    r.Duration().Milliseconds(),
		Images:        r.Images,
		Stages:        r.Stages,
		Scan:          r.Scan,
		Budget:        r.Budget,
		Policy:        r.Policy,
		Smoke:         r.Smoke,
		Publish:       r.Publish,
		Notes:         r.Notes,
	}
	if j.Images == nil {
		j.Images = []Image{}
	}
	if j.Stages == nil {
		j.Stages = []Stage{}
	}
	return marshal(j)
}

// marshal is json.Marshal without HTML escaping: report.json is read by
// people and programs, never embedded in HTML, and "<cache-dir>" reads
// better than "\u003ccache-dir\u003e".
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// UnmarshalJSON reads what MarshalJSON writes. It does not check the
// content; Read does.
func (r *Report) UnmarshalJSON(b []byte) error {
	var j reportJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*r = Report{
		SchemaVersion: j.SchemaVersion, ToolVersion: j.ToolVersion, Source: j.Source,
		Started: j.Started, Finished: j.Finished, Images: j.Images, Stages: j.Stages,
		Scan: j.Scan, Budget: j.Budget, Policy: j.Policy, Smoke: j.Smoke, Publish: j.Publish, Notes: j.Notes,
	}
	return nil
}

type stageJSON struct {
	Name       string   `json:"name"`
	Status     Status   `json:"status"`
	DurationMS int64    `json:"duration_ms"`
	Summary    string   `json:"summary"`
	Error      string   `json:"error,omitempty"`
	BlockedBy  []string `json:"blocked_by,omitempty"`
}

// MarshalJSON writes the duration in whole milliseconds (duration_ms).
func (s Stage) MarshalJSON() ([]byte, error) {
	return marshal(stageJSON{s.Name, s.Status, s.Duration.Milliseconds(), s.Summary, s.Error, s.BlockedBy})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (s *Stage) UnmarshalJSON(b []byte) error {
	var j stageJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	if j.DurationMS < 0 || j.DurationMS > int64(time.Duration(1<<63-1)/time.Millisecond) {
		return fmt.Errorf("stage %q: duration_ms %d is out of range", j.Name, j.DurationMS)
	}
	*s = Stage{Name: j.Name, Status: j.Status, Duration: time.Duration(j.DurationMS) * time.Millisecond,
		Summary: j.Summary, Error: j.Error, BlockedBy: j.BlockedBy}
	if len(s.BlockedBy) == 0 {
		s.BlockedBy = nil // "blocked_by": [] is not blocked, as when it is left out
	}
	return nil
}

// WriteJSON writes the report as indented JSON with a final newline: the
// content of report.json.
func (r *Report) WriteJSON(w io.Writer) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("encoding report: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("writing report: %w", err)
	}
	return nil
}

// probe is what Read checks before decoding the whole report.
type probe struct {
	SchemaVersion *int            `json:"schema_version"`
	Passed        *bool           `json:"passed"`
	Stages        json.RawMessage `json:"stages"`
}

// Read reads a report written by WriteJSON. Input that is not one (not a
// JSON object, no schema_version or stages: a Trivy report, say) gives an
// error wrapping ErrNotReport; another schema version one wrapping
// ErrUnsupportedSchema; a report that contradicts itself one wrapping
// ErrInvalid. Unknown fields are ignored (a newer writer may add some).
func Read(rd io.Reader) (*Report, error) {
	r, err := read(rd)
	if err != nil {
		return nil, fmt.Errorf("reading report: %w", err)
	}
	return r, nil
}

// ReadFile reads the report in the file at path.
func ReadFile(path string) (*Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading report: %w", err)
	}
	defer f.Close()
	r, err := read(f)
	if err != nil {
		return nil, fmt.Errorf("reading report %q: %w", path, err)
	}
	return r, nil
}

func read(rd io.Reader) (*Report, error) {
	data, err := io.ReadAll(io.LimitReader(rd, MaxSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxSize {
		return nil, fmt.Errorf("larger than %d MiB: %w", MaxSize>>20, ErrNotReport)
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, fmt.Errorf("empty input: %w", ErrNotReport)
	}
	if trimmed[0] != '{' {
		return nil, fmt.Errorf("not a JSON object: %w", ErrNotReport)
	}
	var p probe
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("%v: %w", err, ErrNotReport)
	}
	if p.SchemaVersion == nil || p.Stages == nil {
		return nil, fmt.Errorf("no schema_version or stages field: %w", ErrNotReport)
	}
	if *p.SchemaVersion != SchemaVersion {
		return nil, fmt.Errorf("schema_version %d, this tool reads %d (use the stack-gha of the pipeline version that wrote it): %w",
			*p.SchemaVersion, SchemaVersion, ErrUnsupportedSchema)
	}
	var r Report
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%v: %w", err, ErrInvalid)
	}
	if err := r.check(); err != nil {
		return nil, err
	}
	if p.Passed != nil && *p.Passed != r.Passed() {
		return nil, fmt.Errorf("it says passed=%v but its stages say %v (%s): %w",
			*p.Passed, r.Passed(), r.Tally(), ErrInvalid)
	}
	return &r, nil
}

// check validates what Read cannot leave to the decoder.
func (r *Report) check() error {
	stages := map[string]bool{}
	for i, s := range r.Stages {
		if s.Name == "" {
			return fmt.Errorf("stage %d has no name: %w", i+1, ErrInvalid)
		}
		if stages[s.Name] {
			return fmt.Errorf("stage %q appears twice: %w", s.Name, ErrInvalid)
		}
		stages[s.Name] = true
		if !s.Status.Valid() {
			return fmt.Errorf("stage %q has status %q, want passed, failed, error or skipped: %w", s.Name, s.Status, ErrInvalid)
		}
		if len(s.BlockedBy) > 0 && s.Status != StatusSkipped {
			return fmt.Errorf("stage %q is %s but blocked by %v: %w", s.Name, s.Status, s.BlockedBy, ErrInvalid)
		}
	}
	images := map[string]bool{}
	for i, im := range r.Images {
		if im.Name == "" {
			return fmt.Errorf("image %d has no name: %w", i+1, ErrInvalid)
		}
		if images[im.Name] {
			return fmt.Errorf("image %q appears twice: %w", im.Name, ErrInvalid)
		}
		images[im.Name] = true
	}
	return nil
}
