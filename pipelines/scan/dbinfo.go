package scan

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// DBInfo describes the vulnerability DB in a Trivy cache, as
// `trivy version --format json` reports it.
type DBInfo struct {
	// Version is the DB schema version (2 for Trivy v0.74.0).
	Version int `json:"Version"`
	// UpdatedAt is when the DB was built: it identifies the DB's content.
	UpdatedAt time.Time `json:"UpdatedAt"`
	// NextUpdate is when a newer DB is expected.
	NextUpdate time.Time `json:"NextUpdate"`
	// DownloadedAt is when this copy was downloaded.
	DownloadedAt time.Time `json:"DownloadedAt"`
}

// ErrNoDB means the cache holds no vulnerability DB.
var ErrNoDB = errors.New("the Trivy cache holds no vulnerability DB")

// VersionArgs returns the arguments that report Trivy's version and the DB
// in its cache as JSON (read it with ParseDBInfo).
func VersionArgs(o Options) []string {
	return append([]string{"version", "--format", "json"}, globalFlags(o)...)
}

// ParseDBInfo reads the output of VersionArgs. A cache without a DB is
// ErrNoDB.
func ParseDBInfo(out []byte) (DBInfo, error) {
	var v struct {
		Version         string  `json:"Version"`
		VulnerabilityDB *DBInfo `json:"VulnerabilityDB"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		return DBInfo{}, fmt.Errorf("reading `trivy version` output %q: %w", snippet(out), err)
	}
	if v.Version == "" {
		return DBInfo{}, fmt.Errorf("reading `trivy version` output %q: no Version: not Trivy's version report", snippet(out))
	}
	if v.VulnerabilityDB == nil || v.VulnerabilityDB.UpdatedAt.IsZero() {
		return DBInfo{}, ErrNoDB
	}
	return *v.VulnerabilityDB, nil
}

// snippet quotes at most 120 bytes of out for an error message.
func snippet(out []byte) string {
	if len(out) > 120 {
		return string(out[:120]) + "…"
	}
	return string(out)
}
