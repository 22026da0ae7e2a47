package trivydb

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	javadb "github.com/aquasecurity/trivy-java-db/pkg/db"
	_ "modernc.org/sqlite" // the SQL driver trivy-java-db opens its database with
)

// WriteJavaDB writes an empty Java index database into cacheDir/java-db, as
// an air-gapped cache must hold for Trivy to scan images that contain Java
// archives (a jar in a base image is enough): Trivy finds no Java package
// in it and reports none, instead of failing.
func WriteJavaDB(cacheDir string) error {
	dir := filepath.Join(cacheDir, "java-db")
	db, err := javadb.New(dir)
	if err != nil {
		return fmt.Errorf("creating the Java DB in %s: %w", dir, err)
	}
	if err := db.Init(); err != nil {
		return fmt.Errorf("creating the Java DB in %s: %w", dir, err)
	}
	if err := db.Close(); err != nil {
		return fmt.Errorf("closing the Java DB in %s: %w", dir, err)
	}
	now := time.Now().UTC()
	meta, err := json.Marshal(javadb.Metadata{Version: javadb.SchemaVersion, UpdatedAt: now, DownloadedAt: now, NextUpdate: now.AddDate(10, 0, 0)})
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "metadata.json"), meta, 0o644); err != nil {
		return fmt.Errorf("writing the Java DB metadata: %w", err)
	}
	return nil
}
