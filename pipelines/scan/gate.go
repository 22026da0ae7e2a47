package scan

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// DefaultThreshold is the severity from which findings block when a Policy
// leaves Threshold zero.
const DefaultThreshold = SeverityHigh

// Policy decides which findings fail the gate.
type Policy struct {
	// Threshold is the lowest severity that blocks; zero means HIGH.
	Threshold Severity
	// IgnoreUnfixed lets vulnerabilities with no fixed version pass (they
	// are still reported). It does not apply to secrets and
	// misconfigurations.
	IgnoreUnfixed bool
	// Ignore lists accepted findings (.trivyignore). An entry matches a
	// vulnerability ID, a misconfiguration's ID or AVD ID, or a secret's
	// rule ID; an expired entry matches nothing and is reported.
	Ignore IgnoreList
	// Now is the time expiry dates are compared with; zero means
	// time.Now().
	Now time.Time
}

// Kind is the scanner a finding comes from.
type Kind string

// The kinds of finding.
const (
	KindVulnerability    Kind = "vulnerability"
	KindSecret           Kind = "secret"
	KindMisconfiguration Kind = "misconfiguration"
)

// Disposition is what the gate decided about a finding.
type Disposition string

// The dispositions, checked in this order: a finding below the threshold
// is BelowThreshold even if an ignore entry also names it.
const (
	// Blocking findings fail the gate.
	Blocking Disposition = "blocking"
	// BelowThreshold findings are less severe than Policy.Threshold.
	BelowThreshold Disposition = "below-threshold"
	// Ignored findings are named by an ignore entry in force.
	Ignored Disposition = "ignored"
	// Unfixed vulnerabilities have no fix and Policy.IgnoreUnfixed is set.
	Unfixed Disposition = "unfixed"
)

// Finding is one vulnerability, secret or failed misconfiguration check,
// with the gate's decision.
type Finding struct {
	// Artifact is the report's Label, e.g. "frontend image".
	Artifact string
	// Target is the scanned target, e.g. "Node.js", "Dockerfile" or the
	// file holding a secret.
	Target string
	// Kind is the scanner the finding comes from.
	Kind Kind
	// ID is the vulnerability ID, check ID or secret rule ID.
	ID string
	// AliasID is another ID an ignore entry may use (a misconfiguration's
	// AVD ID), or empty.
	AliasID string
	// Package, InstalledVersion, FixedVersion and Status describe a
	// vulnerable package; FixedVersion is empty when there is no fix.
	Package          string
	InstalledVersion string
	FixedVersion     string
	Status           string
	// Severity and Title are as Trivy reports them.
	Severity Severity
	Title    string
	// URL points to details about a vulnerability or check.
	URL string
	// Line is where a secret starts in Target.
	Line int
	// Detail is a misconfiguration's message (what to change), or empty.
	Detail string
	// Disposition is the gate's decision; Reason explains it.
	Disposition Disposition
	// Ignore is the entry that ignored the finding (Disposition Ignored).
	Ignore *IgnoreEntry
	// ExpiredIgnore is an expired entry naming the finding, if any: the
	// reason a finding that used to be accepted now counts again.
	ExpiredIgnore *IgnoreEntry
}

// Reason explains the disposition in a few words, e.g. "ignored by
// .trivyignore:3 until 2027-01-01: waiting for upstream".
func (f Finding) Reason() string {
	switch f.Disposition {
	case BelowThreshold:
		return "below the threshold"
	case Unfixed:
		return "no fixed version (ignore-unfixed)"
	case Ignored:
		if f.Ignore == nil {
			return "ignored"
		}
		s := "ignored by " + f.Ignore.Location()
		if !f.Ignore.Expires.IsZero() {
			s += " until " + f.Ignore.Expires.Format(expiryLayout)
		}
		if f.Ignore.Comment != "" {
			s += ": " + f.Ignore.Comment
		}
		return s
	case Blocking:
		if f.ExpiredIgnore != nil {
			return fmt.Sprintf("blocking: its ignore entry (%s) expired on %s",
				f.ExpiredIgnore.Location(), f.ExpiredIgnore.Expires.Format(expiryLayout))
		}
		return "blocking"
	}
	return string(f.Disposition)
}

// Counts holds a number of findings per severity.
type Counts struct {
	// Critical, High, Medium, Low and Unknown count the findings of each
	// severity.
	Critical, High, Medium, Low, Unknown int
}

// Of returns the count for s (zero for an invalid severity).
func (c Counts) Of(s Severity) int {
	switch s {
	case SeverityCritical:
		return c.Critical
	case SeverityHigh:
		return c.High
	case SeverityMedium:
		return c.Medium
	case SeverityLow:
		return c.Low
	case SeverityUnknown:
		return c.Unknown
	}
	return 0
}

// Total returns the sum over all severities.
func (c Counts) Total() int { return c.Critical + c.High + c.Medium + c.Low + c.Unknown }

func (c *Counts) add(s Severity) {
	switch s {
	case SeverityCritical:
		c.Critical++
	case SeverityHigh:
		c.High++
	case SeverityMedium:
		c.Medium++
	case SeverityLow:
		c.Low++
	default:
		c.Unknown++
	}
}

func (c *Counts) plus(o Counts) {
	c.Critical += o.Critical
	c.High += o.High
	c.Medium += o.Medium
	c.Low += o.Low
	c.Unknown += o.Unknown
}

// ArtifactSummary is one row of the gate's table.
type ArtifactSummary struct {
	// Name is the report's Label; Type its ArtifactType.
	Name, Type string
	// Counts counts every finding (vulnerabilities, secrets, failed
	// misconfiguration checks) by severity, whatever the disposition.
	Counts Counts
	// Vulnerabilities, Secrets and Misconfigurations count findings by
	// kind.
	Vulnerabilities, Secrets, Misconfigurations int
	// Blocking and Ignored count findings with those dispositions.
	Blocking, Ignored int
}

// Verdict is the gate's decision over every report.
type Verdict struct {
	// Passed is true when no finding blocks.
	Passed bool
	// Threshold, IgnoreUnfixed and Now are the policy as applied.
	Threshold     Severity
	IgnoreUnfixed bool
	Now           time.Time
	// Blocking lists the findings that fail the gate; NonBlocking the rest.
	// Both are ordered by severity (highest first), then ID, package,
	// artifact and target.
	Blocking    []Finding
	NonBlocking []Finding
	// Artifacts has one row per report, in the order given.
	Artifacts []ArtifactSummary
	// ExpiredIgnores are ignore entries whose date has passed: they no
	// longer ignore anything.
	ExpiredIgnores IgnoreList
	// UnusedIgnores are entries in force that matched no finding (candidates
	// for removal).
	UnusedIgnores IgnoreList
}

// Totals sums the artifacts' counts.
func (v Verdict) Totals() Counts {
	var c Counts
	for _, a := range v.Artifacts {
		c.plus(a.Counts)
	}
	return c
}

// Evaluate applies the policy to the reports (one per image, plus the
// source scan) and returns the verdict. Reports are told apart by their
// Label, which must be unique.
func Evaluate(p Policy, reports ...*Report) (Verdict, error) {
	threshold := p.Threshold
	if threshold == 0 {
		threshold = DefaultThreshold
	}
	if !threshold.Valid() {
		return Verdict{}, fmt.Errorf("evaluating scan gate: threshold %v: %w", threshold, ErrUnknownSeverity)
	}
	if len(reports) == 0 {
		return Verdict{}, errors.New("evaluating scan gate: no reports (a gate that scanned nothing cannot pass)")
	}
	now := p.Now
	if now.IsZero() {
		now = time.Now()
	}
	v := Verdict{Threshold: threshold, IgnoreUnfixed: p.IgnoreUnfixed, Now: now}
	used := make(map[*IgnoreEntry]bool)
	seen := make(map[string]bool)
	for i, r := range reports {
		if r == nil {
			return Verdict{}, fmt.Errorf("evaluating scan gate: report %d is nil", i)
		}
		label := r.Label()
		if seen[label] {
			return Verdict{}, fmt.Errorf("evaluating scan gate: two reports are labelled %q; set Report.Name to tell them apart", label)
		}
		seen[label] = true
		sum := ArtifactSummary{Name: label, Type: r.ArtifactType}
		for _, f := range findings(r) {
			if !f.Severity.Valid() {
				f.Severity = SeverityUnknown // a report built in code
			}
			active, expired := p.Ignore.Match(f.ID, now)
			if f.AliasID != "" {
				aliasActive, aliasExpired := p.Ignore.Match(f.AliasID, now)
				active = cmp.Or(active, aliasActive)
				expired = cmp.Or(expired, aliasExpired)
			}
			if active != nil {
				used[active] = true
			}
			if expired != nil {
				entry := *expired
				f.ExpiredIgnore = &entry
			}
			switch {
			case f.Severity < threshold:
				f.Disposition = BelowThreshold
			case active != nil:
				f.Disposition = Ignored
				entry := *active
				f.Ignore = &entry
				f.ExpiredIgnore = nil
			case p.IgnoreUnfixed && f.Kind == KindVulnerability && f.FixedVersion == "" && f.Status != "fixed":
				f.Disposition = Unfixed
			default:
				f.Disposition = Blocking
			}
			sum.Counts.add(f.Severity)
			switch f.Kind {
			case KindVulnerability:
				sum.Vulnerabilities++
			case KindSecret:
				sum.Secrets++
			case KindMisconfiguration:
				sum.Misconfigurations++
			}
			switch f.Disposition {
			case Blocking:
				sum.Blocking++
				v.Blocking = append(v.Blocking, f)
			case Ignored:
				sum.Ignored++
				v.NonBlocking = append(v.NonBlocking, f)
			default:
				v.NonBlocking = append(v.NonBlocking, f)
			}
		}
		v.Artifacts = append(v.Artifacts, sum)
	}
	for i := range p.Ignore {
		e := &p.Ignore[i]
		switch {
		case e.Expired(now):
			v.ExpiredIgnores = append(v.ExpiredIgnores, *e)
		case !used[e]:
			v.UnusedIgnores = append(v.UnusedIgnores, *e)
		}
	}
	sortFindings(v.Blocking)
	sortFindings(v.NonBlocking)
	v.Passed = len(v.Blocking) == 0
	return v, nil
}

// findings flattens a report into findings: every vulnerability and secret,
// and the misconfiguration checks that failed.
func findings(r *Report) []Finding {
	n := 0
	for _, res := range r.Results {
		n += len(res.Vulnerabilities) + len(res.Secrets) + len(res.Misconfigurations)
	}
	out := make([]Finding, 0, n)
	label := r.Label()
	for _, res := range r.Results {
		for _, vu := range res.Vulnerabilities {
			out = append(out, Finding{
				Artifact: label, Target: res.Target, Kind: KindVulnerability,
				ID: vu.VulnerabilityID, Package: vu.PkgName,
				InstalledVersion: vu.InstalledVersion, FixedVersion: vu.FixedVersion, Status: vu.Status,
				Severity: vu.Severity, Title: vu.Title, URL: vu.PrimaryURL,
			})
		}
		for _, s := range res.Secrets {
			out = append(out, Finding{
				Artifact: label, Target: res.Target, Kind: KindSecret,
				ID: s.RuleID, Severity: s.Severity, Title: s.Title, Line: s.StartLine,
			})
		}
		for _, m := range res.Misconfigurations {
			if !m.Failed() {
				continue
			}
			alias := m.AVDID
			if alias == m.ID {
				alias = ""
			}
			out = append(out, Finding{
				Artifact: label, Target: res.Target, Kind: KindMisconfiguration,
				ID: m.ID, AliasID: alias, Severity: m.Severity, Title: m.Title, Status: m.Status,
				URL: m.PrimaryURL, Detail: m.Message,
			})
		}
	}
	return out
}

// sortFindings orders by severity (highest first), then ID, package,
// artifact, target, installed version, kind and line.
// Findings are large, so an index is sorted rather than the findings.
func sortFindings(fs []Finding) {
	idx := make([]int, len(fs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(i, j int) int { return compareFindings(&fs[i], &fs[j]) })
	sorted := make([]Finding, len(fs))
	for to, from := range idx {
		sorted[to] = fs[from]
	}
	copy(fs, sorted)
}

// compareFindings compares lazily: most pairs differ in severity or ID.
func compareFindings(a, b *Finding) int {
	if c := cmp.Compare(b.Severity, a.Severity); c != 0 {
		return c
	}
	if c := strings.Compare(a.ID, b.ID); c != 0 {
		return c
	}
	if c := strings.Compare(a.Package, b.Package); c != 0 {
		return c
	}
	if c := strings.Compare(a.Artifact, b.Artifact); c != 0 {
		return c
	}
	if c := strings.Compare(a.Target, b.Target); c != 0 {
		return c
	}
	if c := strings.Compare(a.InstalledVersion, b.InstalledVersion); c != 0 {
		return c
	}
	if c := strings.Compare(string(a.Kind), string(b.Kind)); c != 0 {
		return c
	}
	return cmp.Compare(a.Line, b.Line)
}
