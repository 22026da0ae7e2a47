package report

import (
	"github.com/stack-ci/stack/pipelines/budget"
	"github.com/stack-ci/stack/pipelines/policy"
	"github.com/stack-ci/stack/pipelines/scan"
	"github.com/stack-ci/stack/pipelines/tags"
)

// expiryLayout is how ignore entries' dates are written, as in .trivyignore.
const expiryLayout = "2006-01-02"

// Scan is the Trivy gate's verdict as the report keeps it: the counts, the
// blocking findings in full, the others counted.
type Scan struct {
	// Passed is true when nothing blocks.
	Passed bool `json:"passed"`
	// Threshold is the lowest blocking severity, e.g. "HIGH".
	Threshold string `json:"threshold"`
	// IgnoreUnfixed is true when vulnerabilities without a fix do not
	// block.
	IgnoreUnfixed bool `json:"ignore_unfixed"`
	// Artifacts has one row per scanned artifact (each image, the source).
	Artifacts []ScanArtifact `json:"artifacts"`
	// Blocking are the findings that fail the gate, most severe first.
	Blocking []Finding `json:"blocking"`
	// NonBlocking counts the findings that did not block, and why.
	NonBlocking NonBlocking `json:"non_blocking"`
	// ExpiredIgnores are .trivyignore entries whose date has passed.
	ExpiredIgnores []Ignore `json:"expired_ignores,omitempty"`
	// UnusedIgnores are entries in force that matched nothing.
	UnusedIgnores []Ignore `json:"unused_ignores,omitempty"`
}

// Counts holds a number of findings per severity.
type Counts struct {
	// Critical, High, Medium, Low and Unknown count the findings of each
	// severity.
	Critical int `json:"critical"`
	High     int `json:"high"`
	Medium   int `json:"medium"`
	Low      int `json:"low"`
	Unknown  int `json:"unknown"`
}

// Total is the sum over the severities.
func (c Counts) Total() int { return c.Critical + c.High + c.Medium + c.Low + c.Unknown }

func (c *Counts) add(o Counts) {
	c.Critical += o.Critical
	c.High += o.High
	c.Medium += o.Medium
	c.Low += o.Low
	c.Unknown += o.Unknown
}

func (c *Counts) count(severity string) {
	switch severity {
	case "CRITICAL":
		c.Critical++
	case "HIGH":
		c.High++
	case "MEDIUM":
		c.Medium++
	case "LOW":
		c.Low++
	default:
		c.Unknown++
	}
}

// ScanArtifact is one scanned artifact's row.
type ScanArtifact struct {
	// Name is e.g. "frontend image"; Type e.g. "container_image".
	Name string `json:"name"`
	Type string `json:"type,omitempty"`
	// Counts counts every finding by severity, whatever the gate decided.
	Counts Counts `json:"counts"`
	// Vulnerabilities, Secrets and Misconfigurations count findings by kind.
	Vulnerabilities   int `json:"vulnerabilities"`
	Secrets           int `json:"secrets"`
	Misconfigurations int `json:"misconfigurations"`
	// Blocking and Ignored count findings with those dispositions.
	Blocking int `json:"blocking"`
	Ignored  int `json:"ignored"`
}

// Finding is a blocking finding.
type Finding struct {
	// Artifact is where it was found, e.g. "backend image"; Target the
	// scanned target in it ("Node.js", "Dockerfile", a file with a secret).
	Artifact string `json:"artifact"`
	Target   string `json:"target,omitempty"`
	// Kind is "vulnerability", "secret" or "misconfiguration".
	Kind string `json:"kind"`
	// ID is e.g. "CVE-2024-1234", a check ID or a secret rule ID.
	ID string `json:"id"`
	// Package, Installed and Fixed describe a vulnerable package; Fixed is
	// empty when no fix exists.
	Package   string `json:"package,omitempty"`
	Installed string `json:"installed,omitempty"`
	Fixed     string `json:"fixed,omitempty"`
	// Severity is e.g. "HIGH".
	Severity string `json:"severity"`
	// Title is one line; URL points to details.
	Title string `json:"title,omitempty"`
	URL   string `json:"url,omitempty"`
	// Line is where a secret starts in Target.
	Line int `json:"line,omitempty"`
	// Detail is a misconfiguration's message.
	Detail string `json:"detail,omitempty"`
	// ExpiredIgnore is the expired entry that used to accept it, if any.
	ExpiredIgnore *Ignore `json:"expired_ignore,omitempty"`
}

// NonBlocking counts the findings that did not block, by reason and
// severity.
type NonBlocking struct {
	// Total counts them all; BelowThreshold, Ignored and Unfixed by the
	// reason they did not block; BySeverity by severity.
	Total          int    `json:"total"`
	BelowThreshold int    `json:"below_threshold"`
	Ignored        int    `json:"ignored"`
	Unfixed        int    `json:"unfixed"`
	BySeverity     Counts `json:"by_severity"`
}

// Ignore is a .trivyignore entry.
type Ignore struct {
	// ID is the finding ID it names.
	ID string `json:"id"`
	// Expires is its expiry date, YYYY-MM-DD; empty for never.
	Expires string `json:"expires,omitempty"`
	// Comment is why it was accepted.
	Comment string `json:"comment,omitempty"`
	// Location is "file:line".
	Location string `json:"location,omitempty"`
}

// FromVerdict summarises a scan.Verdict for the report.
func FromVerdict(v scan.Verdict) *Scan {
	threshold := v.Threshold
	if !threshold.Valid() {
		threshold = scan.DefaultThreshold
	}
	s := &Scan{
		Passed:        v.Passed,
		Threshold:     threshold.String(),
		IgnoreUnfixed: v.IgnoreUnfixed,
		Artifacts:     []ScanArtifact{},
		Blocking:      []Finding{},
	}
	for _, a := range v.Artifacts {
		s.Artifacts = append(s.Artifacts, ScanArtifact{
			Name: a.Name, Type: a.Type,
			Counts: Counts{
				Critical: a.Counts.Critical, High: a.Counts.High, Medium: a.Counts.Medium,
				Low: a.Counts.Low, Unknown: a.Counts.Unknown,
			},
			Vulnerabilities: a.Vulnerabilities, Secrets: a.Secrets, Misconfigurations: a.Misconfigurations,
			Blocking: a.Blocking, Ignored: a.Ignored,
		})
	}
	for _, f := range v.Blocking {
		bf := Finding{
			Artifact: f.Artifact, Target: f.Target, Kind: string(f.Kind), ID: f.ID,
			Package: f.Package, Installed: f.InstalledVersion, Fixed: f.FixedVersion,
			Severity: severityName(f.Severity), Title: f.Title, URL: f.URL, Line: f.Line, Detail: f.Detail,
		}
		if f.ExpiredIgnore != nil {
			e := fromIgnore(*f.ExpiredIgnore)
			bf.ExpiredIgnore = &e
		}
		s.Blocking = append(s.Blocking, bf)
	}
	for _, f := range v.NonBlocking {
		s.NonBlocking.Total++
		s.NonBlocking.BySeverity.count(severityName(f.Severity))
		switch f.Disposition {
		case scan.BelowThreshold:
			s.NonBlocking.BelowThreshold++
		case scan.Ignored:
			s.NonBlocking.Ignored++
		case scan.Unfixed:
			s.NonBlocking.Unfixed++
		}
	}
	for _, e := range v.ExpiredIgnores {
		s.ExpiredIgnores = append(s.ExpiredIgnores, fromIgnore(e))
	}
	for _, e := range v.UnusedIgnores {
		s.UnusedIgnores = append(s.UnusedIgnores, fromIgnore(e))
	}
	return s
}

// Totals sums the artifacts' counts.
func (s *Scan) Totals() Counts {
	var c Counts
	for _, a := range s.Artifacts {
		c.add(a.Counts)
	}
	return c
}

func severityName(s scan.Severity) string {
	if !s.Valid() {
		return scan.SeverityUnknown.String()
	}
	return s.String()
}

func fromIgnore(e scan.IgnoreEntry) Ignore {
	i := Ignore{ID: e.ID, Comment: e.Comment, Location: e.Location()}
	if !e.Expires.IsZero() {
		i.Expires = e.Expires.UTC().Format(expiryLayout)
	}
	return i
}

// Budget is the size budgets' evaluation.
type Budget struct {
	// Metric is "uncompressed" or "compressed": the figure budgeted.
	Metric string `json:"metric"`
	// Passed is true when every image and the stack are within budget.
	Passed bool `json:"passed"`
	// Images are the per-image results, by name.
	Images []BudgetResult `json:"images"`
	// Stack is the result for the sum of the images.
	Stack BudgetResult `json:"stack"`
	// Breakdowns say where each measured image's bytes are.
	Breakdowns []Breakdown `json:"breakdowns,omitempty"`
}

// BudgetResult is one image, or the stack, held against its budget.
type BudgetResult struct {
	// Name is the image's name, or "stack".
	Name string `json:"name"`
	// Size is the budgeted figure.
	Size budget.Size `json:"size_bytes"`
	// HasBudget is false when there is no budget (the result passes).
	HasBudget bool `json:"has_budget"`
	// Budget is the limit, when HasBudget.
	Budget budget.Size `json:"budget_bytes"`
	// Headroom is Budget - Size: negative is the overage.
	Headroom int64 `json:"headroom_bytes"`
	// HeadroomPercent is Headroom as a percentage of Budget.
	HeadroomPercent float64 `json:"headroom_percent"`
	// Passed is true when Size is within Budget.
	Passed bool `json:"passed"`
	// Message says it in a sentence.
	Message string `json:"message"`
}

// Breakdown is where one image's bytes are.
type Breakdown struct {
	// Image is the image's name.
	Image string `json:"image"`
	// Layers are in application order, base first.
	Layers []Layer `json:"layers"`
	// Wasted is the bytes that ship but are hidden in the final filesystem.
	Wasted budget.Size `json:"wasted_bytes"`
	// Waste lists the biggest groups of wasted bytes (MaxWaste at most).
	Waste []Waste `json:"waste,omitempty"`
	// WasteOmitted counts the groups left out of Waste.
	WasteOmitted int `json:"waste_omitted,omitempty"`
}

// MaxWaste bounds Breakdown.Waste.
const MaxWaste = 5

// Layer is one layer of an image.
type Layer struct {
	// Index is the layer's position, 0 for the base; CreatedBy the history
	// entry that made it, e.g. "COPY dist/ /usr/share/nginx/html # buildkit".
	Index     int    `json:"index"`
	CreatedBy string `json:"created_by,omitempty"`
	// Compressed and Uncompressed are the blob's and the tar's sizes; Files
	// counts its regular files.
	Compressed   budget.Size `json:"compressed_bytes"`
	Uncompressed budget.Size `json:"uncompressed_bytes"`
	Files        int         `json:"files"`
	// Wasted is the bytes of this layer's files that a later one hides.
	Wasted budget.Size `json:"wasted_bytes"`
}

// Waste is a group of files that ship but are hidden.
type Waste struct {
	// Path is what was removed; Kind how ("deleted", "overwritten",
	// "opaque"); AddedIn and RemovedIn the layers that added and hid the
	// files; Files and Bytes how many and how big.
	Path      string      `json:"path"`
	Kind      string      `json:"kind"`
	AddedIn   int         `json:"added_in"`
	RemovedIn int         `json:"removed_in"`
	Files     int         `json:"files"`
	Bytes     budget.Size `json:"bytes"`
}

// FromEvaluation summarises a budget evaluation and the measurements behind
// it (which may be nil, or miss images) for the report.
func FromEvaluation(e budget.Evaluation, measured map[string]*budget.Measurement) *Budget {
	metric := e.Metric
	if metric == "" {
		metric = budget.Uncompressed
	}
	b := &Budget{Metric: string(metric), Passed: e.Passed, Images: []BudgetResult{}, Stack: fromResult(e.Stack)}
	if b.Stack.Name == "" {
		b.Stack.Name = "stack"
	}
	for _, r := range e.Images {
		b.Images = append(b.Images, fromResult(r))
		m := measured[r.Name]
		if m == nil {
			continue
		}
		bd := Breakdown{Image: r.Name, Layers: []Layer{}, Wasted: m.WastedBytes}
		for _, l := range m.Layers {
			bd.Layers = append(bd.Layers, Layer{
				Index: l.Index, CreatedBy: l.CreatedBy, Compressed: l.Compressed,
				Uncompressed: l.Uncompressed, Files: l.Files, Wasted: l.Wasted,
			})
		}
		for i, w := range m.Waste {
			if i == MaxWaste {
				bd.WasteOmitted = len(m.Waste) - i
				break
			}
			bd.Waste = append(bd.Waste, Waste{
				Path: w.Path, Kind: string(w.Kind), AddedIn: w.AddedIn, RemovedIn: w.RemovedIn,
				Files: w.Files, Bytes: w.Bytes,
			})
		}
		bd.WasteOmitted += m.WasteOmitted
		b.Breakdowns = append(b.Breakdowns, bd)
	}
	return b
}

func fromResult(r budget.Result) BudgetResult {
	return BudgetResult{
		Name: r.Name, Size: r.Size, HasBudget: r.HasBudget, Budget: r.Budget,
		Headroom: int64(r.Headroom), HeadroomPercent: r.HeadroomPercent, Passed: r.Passed, Message: r.Message,
	}
}

// Policy is the image policy's outcome.
type Policy struct {
	// Passed is true when every image passed.
	Passed bool `json:"passed"`
	// Images are by name.
	Images []PolicyImage `json:"images"`
}

// PolicyImage is the policy's outcome for one image.
type PolicyImage struct {
	// Image is the image's name; Passed is true when every rule is OK;
	// Rules are in policy.Names order.
	Image  string       `json:"image"`
	Passed bool         `json:"passed"`
	Rules  []PolicyRule `json:"rules"`
}

// PolicyRule is one rule's outcome for one image.
type PolicyRule struct {
	// Rule is the rule's name, e.g. "non-root".
	Rule string `json:"rule"`
	// Passed is the rule's own verdict; Waived says a waiver exempts the
	// image, for WaiverReason.
	Passed       bool   `json:"passed"`
	Waived       bool   `json:"waived"`
	WaiverReason string `json:"waiver_reason,omitempty"`
	// Detail says what was found; Findings lists the problems, values
	// redacted.
	Detail   string   `json:"detail"`
	Findings []string `json:"findings,omitempty"`
}

// OK reports whether the rule does not fail the image: passed or waived.
func (r PolicyRule) OK() bool { return r.Passed || r.Waived }

// FromPolicy summarises the policy reports of the images, keyed by image
// name, for the report.
func FromPolicy(reports map[string]policy.Report) *Policy {
	p := &Policy{Passed: len(reports) > 0, Images: []PolicyImage{}}
	for _, name := range sortedKeys(reports) {
		rep := reports[name]
		pi := PolicyImage{Image: name, Passed: rep.Passed, Rules: []PolicyRule{}}
		for _, r := range rep.Results {
			pi.Rules = append(pi.Rules, PolicyRule{
				Rule: r.Rule, Passed: r.Passed, Waived: r.Waived, WaiverReason: r.WaiverReason,
				Detail: r.Detail, Findings: r.Findings,
			})
		}
		p.Passed = p.Passed && rep.Passed
		p.Images = append(p.Images, pi)
	}
	return p
}

// Publish says what was pushed.
type Publish struct {
	// Tags are the tags every image was pushed with, most specific first.
	Tags []Tag `json:"tags"`
	// Images are the pushes, by image name.
	Images []Pushed `json:"images"`
}

// Tag is one image tag and why it was made.
type Tag struct {
	// Name is the tag, e.g. "1.4.0"; Kind the tags.Kind that made it;
	// Reason the fact behind it.
	Name   string `json:"name"`
	Kind   string `json:"kind,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// Pushed is the push of one image.
type Pushed struct {
	// Image is the image's name in the stack, e.g. "frontend".
	Image string `json:"image"`
	// Digest is the manifest digest pushed.
	Digest string `json:"digest,omitempty"`
	// Refs are the references pushed, e.g.
	// "ghcr.io/acme/hivemind-frontend:1.2.3@sha256:…".
	Refs []string `json:"refs"`
	// Error is why the push failed; empty when it succeeded.
	Error string `json:"error,omitempty"`
}

// FromTags converts computed tags for the report.
func FromTags(t tags.Result) []Tag {
	out := []Tag{}
	for _, tg := range t.Tags {
		out = append(out, Tag{Name: tg.Name, Kind: string(tg.Kind), Reason: tg.Reason})
	}
	return out
}
