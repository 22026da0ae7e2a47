// Package report is the one record of a pipeline run: what each stage did
// (build, scan, budget, policy, smoke, publish), with the numbers, and
// whether the run passed.
//
// ci/ builds it while the stages run, concurrently:
//
//	b := report.New(report.Source{App: "hivemind", Revision: sha, Ref: ref},
//		report.WithToolVersion("stack v0.4.0"))
//	// in each stage's goroutine, when it ends:
//	b.AddScan(verdict, time.Since(start))            // or
//	b.AddError(report.StageScan, err, time.Since(start)) // the stage could not run
//	b.Block(report.StageSmoke, report.StageBuild)     // not run because build failed
//	b.Skip(report.StagePublish, "check does not publish")
//	r := b.Report()
//
// and exports it with WriteJSON (report.json) and WriteMarkdown (report.md,
// the GitHub job summary). WriteText renders aligned tables for terminals.
// Read and ReadFile read report.json back, refusing what is not a report or
// is another schema version (SchemaVersion).
//
// Whether the run passed is never stored apart from what decides it:
// Report.Passed derives it from the stages, each of whose status the Builder
// derives from the stage's result (a scan passed when its verdict passed).
// A stage skipped because another failed (Block) counts as not passed; one
// skipped because it was not asked for (Skip) does not count against the run.
// A stage that New expected (WithStages) and that never reported is an error.
//
// The JSON names are snake_case and stable within a schema version;
// durations are milliseconds (duration_ms), sizes bytes (…_bytes), times RFC
// 3339. The scan, budget and policy results are carried as summary types of
// this package rather than the scan, budget and policy types themselves:
// those are not all snake_case (policy.Result's waiverReason, scan.Verdict has
// no JSON tags at all and its zero Threshold does not marshal), and a scan's
// full list of non-blocking findings (hundreds of LOW base-image findings) is
// counted, not copied. Smoke results are smoke.Results as they are.
package report
