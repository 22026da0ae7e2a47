package scan_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/stack-ci/stack/pipelines/scan"
)

func ExampleEvaluate() {
	report, err := scan.ParseReport([]byte(`{
	  "SchemaVersion": 2, "ArtifactName": "backend.tar", "ArtifactType": "container_image",
	  "Results": [{"Target": "Node.js", "Class": "lang-pkgs", "Type": "node-pkg", "Vulnerabilities": [
	    {"VulnerabilityID": "CVE-2099-0001", "PkgName": "lodash", "InstalledVersion": "4.17.20",
	     "FixedVersion": "4.17.21", "Status": "fixed", "Severity": "HIGH", "Title": "prototype pollution"},
	    {"VulnerabilityID": "CVE-2099-0002", "PkgName": "lodash", "InstalledVersion": "4.17.20",
	     "Status": "affected", "Severity": "HIGH", "Title": "ReDoS"},
	    {"VulnerabilityID": "CVE-2099-0003", "PkgName": "ms", "InstalledVersion": "2.0.0",
	     "FixedVersion": "2.1.0", "Status": "fixed", "Severity": "LOW"}]}]}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	report.Name = "backend image"
	ignore, err := scan.ParseIgnore(strings.NewReader("CVE-2099-0001 exp:2027-01-01 # fixed in the next release\n"), ".trivyignore")
	if err != nil {
		fmt.Println(err)
		return
	}
	v, err := scan.Evaluate(scan.Policy{
		Threshold: scan.SeverityHigh,
		Ignore:    ignore,
		Now:       time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
	}, report)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("passed:", v.Passed)
	for _, f := range v.Blocking {
		fmt.Println("blocking:", f.Severity, f.ID, f.Package, f.InstalledVersion, "fixed:", f.FixedVersion != "")
	}
	for _, f := range v.NonBlocking {
		fmt.Println("allowed:", f.Severity, f.ID, "-", f.Reason())
	}
	fmt.Printf("%s: %+v\n", v.Artifacts[0].Name, v.Artifacts[0].Counts)
	// Output:
	// passed: false
	// blocking: HIGH CVE-2099-0002 lodash 4.17.20 fixed: false
	// allowed: HIGH CVE-2099-0001 - ignored by .trivyignore:1 until 2027-01-01: fixed in the next release
	// allowed: LOW CVE-2099-0003 - below the threshold
	// backend image: {Critical:0 High:2 Medium:0 Low:1 Unknown:0}
}

func ExampleParseIgnore() {
	list, err := scan.ParseIgnore(strings.NewReader(`# accepted risks
CVE-2099-0001
DS-0002 exp:2027-06-30 # nginx master runs as root
aws-access-key-id exp:2025-01-01
`), ".trivyignore")
	if err != nil {
		fmt.Println(err)
		return
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, e := range list {
		fmt.Printf("%s  expired=%v  comment=%q\n", e.Location(), e.Expired(now), e.Comment)
	}
	_, err = scan.ParseIgnore(strings.NewReader("CVE-1 exp:31/12/2026\n"), ".trivyignore")
	fmt.Println(err)
	// Output:
	// .trivyignore:2  expired=false  comment=""
	// .trivyignore:3  expired=false  comment="nginx master runs as root"
	// .trivyignore:4  expired=true  comment=""
	// parsing .trivyignore line 1 "CVE-1 exp:31/12/2026": bad expiry date "31/12/2026": want exp:YYYY-MM-DD: parsing time "31/12/2026" as "2006-01-02": cannot parse "31/12/2026" as "2006"
}

func ExampleImageArgs() {
	args := scan.ImageArgs("/work/frontend.tar", "/work/frontend.json", scan.Options{
		CacheDir: "/cache/trivy",
		Offline:  true,
	})
	fmt.Println(append([]string{"trivy"}, args...))
	// Output:
	// [trivy image --input /work/frontend.tar --scanners vuln,secret --cache-backend memory --format json --output /work/frontend.json --severity UNKNOWN,LOW,MEDIUM,HIGH,CRITICAL --ignorefile /dev/null --list-all-pkgs --exit-code 0 --skip-db-update --skip-java-db-update --skip-check-update --offline-scan --no-progress --skip-version-check --disable-telemetry --config /dev/null --cache-dir /cache/trivy]
}
