// Package trivydb builds fixtures for running the real Trivy offline in
// tests: a small vulnerability database written into a Trivy cache
// directory, the same database packaged as the OCI artifact a DB mirror
// serves, image tarballs in the layout Dagger's Container.AsTarball exports,
// and the location of the Trivy binary.
//
// The database is written with github.com/aquasecurity/trivy-db's own db
// package, at the version Trivy v0.74.0 depends on, with the bucket layout
// Trivy's language detectors read:
//
//	data-source/"npm::GitHub Security Advisory npm"  → {ID: ghsa, Name, URL}
//	"npm::GitHub Security Advisory npm"/<package>/<ID> → {VulnerableVersions, PatchedVersions}
//	vulnerability/<ID>                                → {Title, Severity, VendorSeverity{ghsa}}
//
// next to a metadata.json whose NextUpdate lies far in the future, so
// `trivy --skip-db-update` accepts it.
package trivydb

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/aquasecurity/trivy-db/pkg/db"
	"github.com/aquasecurity/trivy-db/pkg/metadata"
	"github.com/aquasecurity/trivy-db/pkg/types"
	bolt "go.etcd.io/bbolt"
)

// Ecosystem names the package ecosystem an advisory applies to.
type Ecosystem string

// Npm is the npm ecosystem (packages found in node_modules/*/package.json
// and package-lock.json).
const Npm Ecosystem = "npm"

// ghsaSource is the trivy-db source ID of the GitHub Security Advisory
// database, whose severities Trivy prefers for language packages.
const ghsaSource types.SourceID = "ghsa"

// ecosystems maps a supported ecosystem to the name trivy-db's GHSA source
// gives it (bucket "<ecosystem>::GitHub Security Advisory <name>").
var ecosystems = map[Ecosystem]string{
	Npm: "npm",
}

// Advisory declares one vulnerability of one package.
type Advisory struct {
	// Ecosystem is the package ecosystem; empty means npm.
	Ecosystem Ecosystem
	// Package is the package name as the ecosystem spells it, e.g. "lodash".
	Package string
	// VulnerableVersions are version constraints in the ecosystem's syntax,
	// any of which makes a version vulnerable, e.g. "<4.17.21" or
	// ">=1.0.0, <=1.2.3".
	VulnerableVersions []string
	// PatchedVersions are the versions that fix the vulnerability; Trivy
	// reports them as the fixed version. Empty means no fix exists.
	PatchedVersions []string
	// ID is the vulnerability ID, e.g. "CVE-2099-0001".
	ID string
	// Severity is UNKNOWN, LOW, MEDIUM, HIGH or CRITICAL.
	Severity string
	// Title is the one-line description Trivy reports.
	Title string
	// Description is the longer text; optional.
	Description string
}

// Fixture is a vulnerability database to write.
type Fixture struct {
	// Advisories are the vulnerabilities the database knows.
	Advisories []Advisory
	// SchemaVersion goes into metadata.json; zero means the schema this
	// trivy-db writes (2). Another value makes Trivy refuse the database,
	// which tests of failure explanations need.
	SchemaVersion int
	// UpdatedAt goes into metadata.json; zero means now.
	UpdatedAt time.Time
	// NextUpdate goes into metadata.json; zero means ten years after
	// UpdatedAt, so Trivy never considers the database stale.
	NextUpdate time.Time
}

// dbMu serialises writers: trivy-db's db package keeps the open database in
// a package variable.
var dbMu sync.Mutex

// Write writes a database holding advisories into cacheDir, the directory
// Trivy's --cache-dir names (files cacheDir/db/trivy.db and
// cacheDir/db/metadata.json).
func Write(cacheDir string, advisories ...Advisory) error {
	return Fixture{Advisories: advisories}.Write(cacheDir)
}

// Write writes the database into cacheDir, the directory Trivy's
// --cache-dir names (files cacheDir/db/trivy.db and cacheDir/db/metadata.json),
// replacing any database already there.
func (f Fixture) Write(cacheDir string) error {
	if cacheDir == "" {
		return errors.New("writing trivy db: empty cache directory")
	}
	vulns, err := f.check()
	if err != nil {
		return fmt.Errorf("writing trivy db in %q: %w", cacheDir, err)
	}
	dbDir := filepath.Join(cacheDir, "db")
	if err := os.MkdirAll(dbDir, 0o755); err != nil {
		return fmt.Errorf("writing trivy db: %w", err)
	}
	if err := os.Remove(db.Path(dbDir)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("writing trivy db: removing the old database: %w", err)
	}
	if err := f.writeBolt(dbDir, vulns); err != nil {
		return fmt.Errorf("writing trivy db in %q: %w", dbDir, err)
	}

	updated := f.UpdatedAt
	if updated.IsZero() {
		updated = time.Now()
	}
	next := f.NextUpdate
	if next.IsZero() {
		next = updated.AddDate(10, 0, 0)
	}
	version := f.SchemaVersion
	if version == 0 {
		version = db.SchemaVersion
	}
	meta := metadata.Metadata{Version: version, UpdatedAt: updated.UTC(), NextUpdate: next.UTC()}
	if err := metadata.NewClient(dbDir).Update(meta); err != nil {
		return fmt.Errorf("writing trivy db metadata in %q: %w", dbDir, err)
	}
	return nil
}

// check validates the advisories and returns the vulnerability details to
// store, one per ID.
func (f Fixture) check() (map[string]types.Vulnerability, error) {
	vulns := make(map[string]types.Vulnerability)
	for i, a := range f.Advisories {
		if err := a.check(); err != nil {
			return nil, fmt.Errorf("advisory %d (%q): %w", i, a.ID, err)
		}
		sev, _ := types.NewSeverity(strings.ToUpper(a.Severity)) // checked above
		v := types.Vulnerability{
			Title:          a.Title,
			Description:    a.Description,
			Severity:       sev.String(),
			VendorSeverity: types.VendorSeverity{ghsaSource: sev},
		}
		if old, ok := vulns[a.ID]; ok && (old.Title != v.Title || old.Severity != v.Severity || old.Description != v.Description) {
			return nil, fmt.Errorf("advisory %d (%q): the same ID was declared before with another title, description or severity", i, a.ID)
		}
		vulns[a.ID] = v
	}
	return vulns, nil
}

func (a Advisory) check() error {
	if _, ok := ecosystems[a.ecosystem()]; !ok {
		return fmt.Errorf("unsupported ecosystem %q (supported: %s)", a.Ecosystem, Npm)
	}
	if a.ID == "" || strings.ContainsAny(a.ID, " \t\n") {
		return errors.New("the ID must be non-empty and contain no spaces")
	}
	if a.Package == "" {
		return errors.New("empty package name")
	}
	if len(a.VulnerableVersions) == 0 {
		return errors.New("no vulnerable versions: Trivy would never report it")
	}
	if _, err := types.NewSeverity(strings.ToUpper(a.Severity)); err != nil {
		return fmt.Errorf("severity %q is not one of UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL", a.Severity)
	}
	if len(a.PatchedVersions) == 0 {
		// Trivy infers a fixed version from a "<X" bound when no patched
		// version is given (detector/library.createFixedVersions).
		for _, r := range a.VulnerableVersions {
			for c := range strings.SplitSeq(r, ",") {
				c = strings.TrimSpace(c)
				if strings.HasPrefix(c, "<") && !strings.HasPrefix(c, "<=") {
					return fmt.Errorf("no patched version, but range %q makes Trivy report %q as fixed; use \"<=\" for an unfixed vulnerability", r, strings.TrimSpace(c[1:]))
				}
			}
		}
	}
	return nil
}

func (a Advisory) ecosystem() Ecosystem {
	if a.Ecosystem == "" {
		return Npm
	}
	return a.Ecosystem
}

// dataSource returns the bucket name and data source of an ecosystem's GHSA
// advisories, as trivy-db's ghsa source names them.
func dataSource(e Ecosystem) (string, types.DataSource) {
	name := ecosystems[e]
	src := types.DataSource{
		ID:   ghsaSource,
		Name: "GitHub Security Advisory " + name,
		URL:  "https://github.com/advisories?query=type%3Areviewed+ecosystem%3A" + strings.ToLower(name),
	}
	return string(e) + "::" + src.Name, src
}

func (f Fixture) writeBolt(dbDir string, vulns map[string]types.Vulnerability) (err error) {
	dbMu.Lock()
	defer dbMu.Unlock()
	if err := db.Init(dbDir); err != nil {
		return fmt.Errorf("opening: %w", err)
	}
	defer func() {
		if cerr := db.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("closing: %w", cerr)
		}
	}()
	dbc := db.Config{}
	err = dbc.BatchUpdate(func(tx *bolt.Tx) error {
		for _, a := range f.Advisories {
			bucket, src := dataSource(a.ecosystem())
			if err := dbc.PutDataSource(tx, bucket, src); err != nil {
				return err
			}
			adv := types.Advisory{
				VulnerableVersions: a.VulnerableVersions,
				PatchedVersions:    a.PatchedVersions,
			}
			if err := dbc.PutAdvisoryDetail(tx, a.ID, a.Package, []string{bucket}, adv); err != nil {
				return err
			}
		}
		for id, v := range vulns {
			if err := dbc.PutVulnerability(tx, id, v); err != nil {
				return err
			}
			if err := dbc.PutVulnerabilityID(tx, id); err != nil {
				return err
			}
			// Copy advisory-detail/<ID>/<bucket>/<package> into
			// <bucket>/<package>/<ID>, as trivy-db's build does.
			if err := dbc.SaveAdvisoryDetails(tx, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("storing advisories: %w", err)
	}
	if len(f.Advisories) > 0 {
		if err := dbc.DeleteAdvisoryDetailBucket(); err != nil {
			return fmt.Errorf("dropping the advisory-detail bucket: %w", err)
		}
	}
	return nil
}
