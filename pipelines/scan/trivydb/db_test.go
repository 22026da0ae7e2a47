package trivydb

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

var lodash = Advisory{
	Package: "lodash", VulnerableVersions: []string{"<4.17.21"}, PatchedVersions: []string{"4.17.21"},
	ID: "CVE-2099-0001", Severity: "high", Title: "lodash: prototype pollution",
}

func TestWriteLayout(t *testing.T) {
	t.Parallel()
	cache := t.TempDir()
	before := time.Now().Add(-time.Second)
	if err := Write(cache, lodash); err != nil {
		t.Fatal(err)
	}
	// metadata.json as Trivy reads it.
	b, err := os.ReadFile(filepath.Join(cache, "db", "metadata.json"))
	if err != nil {
		t.Fatal(err)
	}
	var meta struct {
		Version               int
		NextUpdate, UpdatedAt time.Time
	}
	if err := json.Unmarshal(b, &meta); err != nil {
		t.Fatal(err)
	}
	if meta.Version != 2 || meta.UpdatedAt.Before(before) || meta.NextUpdate.Before(time.Now().AddDate(5, 0, 0)) {
		t.Errorf("metadata = %+v, want version 2, updated now, next update years ahead", meta)
	}

	// The buckets Trivy's npm detector reads.
	db, err := bolt.Open(filepath.Join(cache, "db", "trivy.db"), 0o444, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(func(tx *bolt.Tx) error {
		const bucket = "npm::GitHub Security Advisory npm"
		adv := tx.Bucket([]byte(bucket))
		if adv == nil {
			t.Fatalf("no %q bucket", bucket)
		}
		raw := adv.Bucket([]byte("lodash")).Get([]byte("CVE-2099-0001"))
		var got struct{ VulnerableVersions, PatchedVersions []string }
		if err := json.Unmarshal(raw, &got); err != nil || !slices.Equal(got.VulnerableVersions, []string{"<4.17.21"}) || !slices.Equal(got.PatchedVersions, []string{"4.17.21"}) {
			t.Errorf("advisory = %s (%v)", raw, err)
		}
		src := string(tx.Bucket([]byte("data-source")).Get([]byte(bucket)))
		if !strings.Contains(src, `"ID":"ghsa"`) {
			t.Errorf("data source = %s", src)
		}
		vuln := string(tx.Bucket([]byte("vulnerability")).Get([]byte("CVE-2099-0001")))
		if !strings.Contains(vuln, `"Severity":"HIGH"`) || !strings.Contains(vuln, `"VendorSeverity":{"ghsa":3}`) {
			t.Errorf("vulnerability = %s", vuln)
		}
		if tx.Bucket([]byte("advisory-detail")) != nil {
			t.Error("the advisory-detail build bucket was left behind")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestFixtureOptions(t *testing.T) {
	t.Parallel()
	cache := t.TempDir()
	updated := time.Date(2020, 1, 2, 0, 0, 0, 0, time.UTC)
	f := Fixture{SchemaVersion: 1, UpdatedAt: updated, NextUpdate: updated.Add(time.Hour)}
	if err := f.Write(cache); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(cache, "db", "metadata.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"Version":1,"NextUpdate":"2020-01-02T01:00:00Z","UpdatedAt":"2020-01-02T00:00:00Z"`) {
		t.Errorf("metadata = %s", b)
	}
	// Writing again replaces the database.
	if err := Write(cache, lodash); err != nil {
		t.Fatalf("rewriting: %v", err)
	}
}

func TestWriteRejectsBadAdvisories(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		adv  []Advisory
		want string
	}{
		{"no ID", []Advisory{{Package: "a", VulnerableVersions: []string{"<1"}, Severity: "LOW"}}, "ID must be non-empty"},
		{"no package", []Advisory{{ID: "CVE-1", VulnerableVersions: []string{"<1"}, Severity: "LOW"}}, "empty package"},
		{"no range", []Advisory{{ID: "CVE-1", Package: "a", Severity: "LOW"}}, "no vulnerable versions"},
		{"bad severity", []Advisory{{ID: "CVE-1", Package: "a", VulnerableVersions: []string{"<1"}, Severity: "SEVERE"}}, `severity "SEVERE"`},
		{"other ecosystem", []Advisory{{Ecosystem: "pip", ID: "CVE-1", Package: "a", VulnerableVersions: []string{"<1"}, Severity: "LOW"}}, `unsupported ecosystem "pip"`},
		{"unfixed with a strict bound", []Advisory{{ID: "CVE-1", Package: "a", VulnerableVersions: []string{">=1.0.0, <2.0.0"}, Severity: "LOW"}}, `report "2.0.0" as fixed`},
		{"conflicting duplicate", []Advisory{
			{ID: "CVE-1", Package: "a", VulnerableVersions: []string{"<1"}, PatchedVersions: []string{"1"}, Severity: "LOW"},
			{ID: "CVE-1", Package: "b", VulnerableVersions: []string{"<1"}, PatchedVersions: []string{"1"}, Severity: "HIGH"}}, "declared before"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cache := t.TempDir()
			err := Write(cache, tt.adv...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Write error = %v, want one containing %q", err, tt.want)
			}
			if _, err := os.Stat(filepath.Join(cache, "db", "trivy.db")); err == nil {
				t.Error("a database was written despite the error")
			}
		})
	}
	if err := Write(""); err == nil {
		t.Error("Write with no cache dir succeeded")
	}
}
