package trivydb

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	ggcrtypes "github.com/google/go-containerregistry/pkg/v1/types"
)

// The media types and file name of the trivy-db OCI artifact, as Trivy
// v0.74.0 downloads it (pkg/db, pkg/oci).
const (
	dbLayerMediaType  ggcrtypes.MediaType = "application/vnd.aquasec.trivy.db.layer.v1.tar+gzip"
	dbConfigMediaType ggcrtypes.MediaType = "application/vnd.aquasec.trivy.config.v1+json"
	dbArtifactFile                        = "db.tar.gz"
)

// Artifact packages the database as the OCI artifact a DB repository
// (--db-repository) serves: one layer of media type
// application/vnd.aquasec.trivy.db.layer.v1.tar+gzip, titled db.tar.gz,
// holding trivy.db and metadata.json.
func (f Fixture) Artifact() (v1.Image, error) {
	dir, err := os.MkdirTemp("", "stack-trivydb-*")
	if err != nil {
		return nil, fmt.Errorf("packaging trivy db: %w", err)
	}
	defer os.RemoveAll(dir)
	if err := f.Write(dir); err != nil {
		return nil, fmt.Errorf("packaging trivy db: %w", err)
	}
	tgz, err := tarGz(filepath.Join(dir, "db"), "trivy.db", "metadata.json")
	if err != nil {
		return nil, fmt.Errorf("packaging trivy db: %w", err)
	}
	base := mutate.MediaType(empty.Image, ggcrtypes.OCIManifestSchema1)
	base = mutate.ConfigMediaType(base, dbConfigMediaType)
	img, err := mutate.Append(base, mutate.Addendum{
		Layer:       static.NewLayer(tgz, dbLayerMediaType),
		MediaType:   dbLayerMediaType,
		Annotations: map[string]string{"org.opencontainers.image.title": dbArtifactFile},
	})
	if err != nil {
		return nil, fmt.Errorf("packaging trivy db: %w", err)
	}
	return img, nil
}

// Push uploads the database artifact to ref, e.g.
// "127.0.0.1:5000/aquasec/trivy-db:2" on a loopback registry (plain HTTP).
func (f Fixture) Push(ref string) error {
	r, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		return fmt.Errorf("pushing trivy db to %q: %w", ref, err)
	}
	img, err := f.Artifact()
	if err != nil {
		return fmt.Errorf("pushing trivy db to %q: %w", ref, err)
	}
	if err := remote.Write(r, img); err != nil {
		return fmt.Errorf("pushing trivy db to %q: %w", ref, err)
	}
	return nil
}

// tarGz makes a gzipped tar of the named files of dir, at its root.
func tarGz(dir string, names ...string) ([]byte, error) {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, n := range names {
		if err := addFile(tw, filepath.Join(dir, n), n); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func addFile(tw *tar.Writer, path, name string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: st.Size(), ModTime: st.ModTime()}); err != nil {
		return err
	}
	_, err = io.Copy(tw, f)
	return err
}
