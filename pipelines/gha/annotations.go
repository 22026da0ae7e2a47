package gha

import (
	"fmt"
	"strings"

	"github.com/stack-ci/stack/pipelines/report"
)

// Level is an annotation's level.
type Level string

// The annotation levels GitHub knows.
const (
	LevelError   Level = "error"
	LevelWarning Level = "warning"
	LevelNotice  Level = "notice"
)

// Annotation is one workflow annotation.
type Annotation struct {
	// Level is error, warning or notice.
	Level Level
	// Title is shown in bold above the message.
	Title string
	// Message may span lines.
	Message string
}

// Annotations returns the annotations of r (see the package documentation):
// errors first, then warnings, then notices, at most limit of each level
// (limit < 1 means MaxAnnotations); when a level has more, its last
// annotation says how many were left out.
func Annotations(r *report.Report, limit int) []Annotation {
	if limit < 1 {
		limit = MaxAnnotations
	}
	var errs, findings, warnings, notices []Annotation
	e := func(title, format string, args ...any) {
		errs = append(errs, Annotation{LevelError, title, strings.TrimSpace(fmt.Sprintf(format, args...))})
	}
	for _, s := range r.Stages {
		before := len(errs)
		switch {
		case s.Status == report.StatusError:
			e(s.Name+" could not run", "%s", nonEmpty(s.Error, s.Summary))
			continue
		case s.Status != report.StatusFailed:
			continue
		}
		switch s.Name {
		case report.StageBuild:
			for _, im := range r.Images {
				if im.Error != "" {
					e(im.Name+" did not build", "%s", im.Error)
				}
			}
		case report.StageBudget:
			if r.Budget != nil {
				for _, br := range append(append([]report.BudgetResult{}, r.Budget.Images...), r.Budget.Stack) {
					if !br.Passed {
						e(br.Name+" is over its size budget", "%s", br.Message)
					}
				}
			}
		case report.StagePolicy:
			if r.Policy != nil {
				for _, im := range r.Policy.Images {
					for _, rule := range im.Rules {
						if !rule.OK() {
							msg := rule.Detail
							if len(rule.Findings) > 0 {
								msg += "\n- " + strings.Join(rule.Findings, "\n- ")
							}
							e(fmt.Sprintf("%s breaks policy %s", im.Image, rule.Rule), "%s", msg)
						}
					}
				}
			}
		case report.StageSmoke:
			for _, c := range r.Smoke {
				if !c.Passed {
					e("smoke check "+c.Name+" failed", "%s", nonEmpty(c.Detail, "no detail"))
				}
			}
		case report.StagePublish:
			if r.Publish != nil {
				for _, p := range r.Publish.Images {
					if p.Error != "" {
						e(p.Image+" was not pushed", "%s", p.Error)
					}
				}
			}
		case report.StageScan:
			if r.Scan != nil && len(r.Scan.Blocking) > 0 {
				before = -1 // the findings come after the other errors
			}
		}
		if len(errs) == before {
			e(s.Name+" failed", "%s", nonEmpty(s.Error, s.Summary))
		}
	}
	if r.Scan != nil {
		for _, f := range r.Scan.Blocking {
			findings = append(findings, findingAnnotation(f))
		}
		for _, ig := range r.Scan.ExpiredIgnores {
			msg := fmt.Sprintf("%s expired on %s", nonEmpty(ig.Location, "an ignore entry"), ig.Expires)
			if ig.Comment != "" {
				msg += " (" + ig.Comment + ")"
			}
			msg += fmt.Sprintf(": it no longer ignores %s. Fix the finding, or give the entry a new date with a reason.", ig.ID)
			warnings = append(warnings, Annotation{LevelWarning, "expired ignore entry " + ig.ID, msg})
		}
	}
	if r.Policy != nil {
		for _, im := range r.Policy.Images {
			for _, rule := range im.Rules {
				if rule.Waived && !rule.Passed {
					notices = append(notices, Annotation{LevelNotice, fmt.Sprintf("%s policy %s waived", im.Image, rule.Rule),
						fmt.Sprintf("%s (%s)", rule.WaiverReason, rule.Detail)})
				}
			}
		}
	}
	for _, n := range r.Notes {
		notices = append(notices, Annotation{LevelNotice, "note", n})
	}
	var out []Annotation
	out = append(out, capped(append(errs, findings...), limit, LevelError, "more errors")...)
	out = append(out, capped(warnings, limit, LevelWarning, "more warnings")...)
	out = append(out, capped(notices, limit, LevelNotice, "more notices")...)
	return out
}

// findingAnnotation says what blocks and what to do.
func findingAnnotation(f report.Finding) Annotation {
	var title, msg string
	switch f.Kind {
	case "vulnerability":
		title = fmt.Sprintf("%s %s in %s (%s)", f.Severity, f.ID, f.Package, f.Artifact)
		msg = fmt.Sprintf("%s %s", f.Package, f.Installed)
		if f.Title != "" {
			msg += ": " + f.Title
		}
		if f.Fixed != "" {
			msg += fmt.Sprintf("\nFixed in %s: upgrade it (or the base image that ships it).", f.Fixed)
		} else {
			msg += "\nNo fixed version yet: remove the package, or accept it in .trivyignore with a reason and a date."
		}
	case "secret":
		where := f.Target
		if f.Line > 0 {
			where = fmt.Sprintf("%s line %d", f.Target, f.Line)
		}
		title = fmt.Sprintf("%s secret %s in %s (%s)", f.Severity, f.ID, f.Artifact, where)
		msg = nonEmpty(f.Title, f.ID) + " found in " + where + ": remove it from the image and rotate it."
	default:
		title = fmt.Sprintf("%s %s in %s (%s)", f.Severity, f.ID, nonEmpty(f.Target, f.Artifact), f.Artifact)
		msg = nonEmpty(f.Title, f.ID)
		if f.Detail != "" {
			msg += ": " + f.Detail
		}
	}
	if f.ExpiredIgnore != nil {
		msg += fmt.Sprintf("\nIt was accepted by %s until %s.", nonEmpty(f.ExpiredIgnore.Location, "an ignore entry"), f.ExpiredIgnore.Expires)
	}
	if f.URL != "" {
		msg += "\n" + f.URL
	}
	return Annotation{LevelError, title, msg}
}

// capped keeps at most limit annotations, the last saying how many more
// there were.
func capped(as []Annotation, limit int, level Level, more string) []Annotation {
	if len(as) <= limit {
		return as
	}
	left := len(as) - (limit - 1)
	return append(as[:limit-1:limit-1], Annotation{level, fmt.Sprintf("… and %d %s", left, more),
		fmt.Sprintf("%d more not shown as annotations; the job summary and report.md list them all.", left)})
}

func nonEmpty(s, otherwise string) string {
	if strings.TrimSpace(s) == "" {
		return otherwise
	}
	return s
}
