// Package scan decides the Trivy gate in Go. The ci/ code runs Trivy
// v0.74.0 (the aquasec/trivy image) with argument lists built here, and
// hands its JSON reports back to be judged:
//
//   - ImageArgs, RootfsArgs and FSArgs build scans that always write a
//     complete JSON report and exit 0 on findings: every severity, no
//     ignore file and no trivy.yaml (both pinned to NullFile), all packages
//     listed. Filtering inside Trivy would hide what the gate must report
//     (findings below the threshold, ignored and expired entries, unfixed
//     vulnerabilities), so Evaluate applies the Policy itself.
//   - ConvertArgs turns a JSON report into SARIF or a CycloneDX SBOM, where
//     the .trivyignore and a severity filter may apply; ValidateSARIF and
//     ValidateCycloneDX check the outputs are sane.
//   - ParseReport reads a report; ParseIgnore reads a .trivyignore with
//     expiry dates; Evaluate gives a Verdict (pass or fail, blocking and
//     non-blocking findings in a deterministic order, counts per artifact
//     and severity) that Verdict.WriteMarkdown renders.
//   - Explain turns a failed Trivy run (exit status and stderr) into a
//     *Failure that says what to do, e.g. mount an offline DB or set a
//     mirror.
package scan
