package oci_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/compression"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/stack-ci/stack/pipelines/oci"
	"github.com/stack-ci/stack/pipelines/oci/ocitest"
)

// testImage is two gzip layers and a config with history.
func testImage(t *testing.T) v1.Image {
	t.Helper()
	return ocitest.Image(t, v1.Config{User: "1000", Env: []string{"PATH=/usr/bin"}},
		ocitest.Step{Layer: ocitest.Layer(t, ocitest.Dir("etc"), ocitest.Text("etc/os-release", "ID=test\n"), ocitest.File("bin/sh", 3000)), CreatedBy: "ADD rootfs.tar /"},
		ocitest.Step{Layer: ocitest.Layer(t, ocitest.File("app/main.js", 1234)), CreatedBy: "COPY . /app"},
	)
}

// memberNames reads a layer through Open and returns its tar member names
// and the stats.
func memberNames(t *testing.T, l *oci.Layer) ([]string, oci.LayerStats) {
	t.Helper()
	lr, err := l.Open()
	if err != nil {
		t.Fatalf("opening layer %d: %v", l.Index, err)
	}
	var names []string
	tr := tar.NewReader(lr)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("reading layer %d: %v", l.Index, err)
		}
		names = append(names, hdr.Name)
	}
	st, err := lr.Finish()
	if err != nil {
		t.Fatalf("finishing layer %d: %v", l.Index, err)
	}
	return names, st
}

func TestOpenFormats(t *testing.T) {
	t.Parallel()
	img := testImage(t)
	wantDigest, _ := img.Digest()
	wantConfig, _ := img.ConfigName()
	layers, _ := img.Layers()
	dir := t.TempDir()

	tests := []struct {
		name       string
		write      func(path string)
		format     oci.Format
		hasDigest  bool
		hasManifst bool
	}{
		{"oci layout", func(p string) { ocitest.WriteOCILayout(t, p, img) }, oci.FormatOCILayout, true, true},
		{"oci layout with dot-slash names", func(p string) { ocitest.WriteOCILayout(t, p, img, ocitest.WithDotSlash()) }, oci.FormatOCILayout, true, true},
		{"oci layout with manifest.json", func(p string) { ocitest.WriteOCILayout(t, p, img, ocitest.WithManifestJSON()) }, oci.FormatOCILayout, true, true},
		{"docker archive", func(p string) { ocitest.WriteDockerArchive(t, p, img) }, oci.FormatDockerArchive, false, false},
	}
	for _, tt := range tests {
		p := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".tar")
		tt.write(p)
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := oci.Open(p)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer got.Close()
			if got.Format != tt.format {
				t.Errorf("Format = %q, want %q", got.Format, tt.format)
			}
			if tt.hasDigest && got.Digest != wantDigest {
				t.Errorf("Digest = %s, want %s", got.Digest, wantDigest)
			}
			if !tt.hasDigest && got.Digest != (v1.Hash{}) {
				t.Errorf("Digest = %s, want zero for a docker-archive", got.Digest)
			}
			if (got.Manifest != nil) != tt.hasManifst {
				t.Errorf("Manifest present = %v, want %v", got.Manifest != nil, tt.hasManifst)
			}
			if got.ConfigDigest != wantConfig {
				t.Errorf("ConfigDigest = %s, want %s", got.ConfigDigest, wantConfig)
			}
			if got.Platform() != "linux/amd64" {
				t.Errorf("Platform = %q, want linux/amd64", got.Platform())
			}
			if got.Config.Config.User != "1000" {
				t.Errorf("Config.User = %q, want 1000", got.Config.Config.User)
			}
			if len(got.Layers) != len(layers) {
				t.Fatalf("%d layers, want %d", len(got.Layers), len(layers))
			}
			for j, l := range got.Layers {
				wantD, _ := layers[j].Digest()
				wantDiff, _ := layers[j].DiffID()
				wantSize, _ := layers[j].Size()
				names, st := memberNames(t, l)
				if st.Digest != wantD || l.Digest != wantD {
					t.Errorf("layer %d digest = %s (stats %s), want %s", j, l.Digest, st.Digest, wantD)
				}
				if st.DiffID != wantDiff {
					t.Errorf("layer %d diffID = %s, want %s", j, st.DiffID, wantDiff)
				}
				if st.Compressed != wantSize || l.Size != wantSize {
					t.Errorf("layer %d compressed = %d (size %d), want %d", j, st.Compressed, l.Size, wantSize)
				}
				if st.Compression != oci.Gzip {
					t.Errorf("layer %d compression = %q, want gzip", j, st.Compression)
				}
				if len(names) == 0 {
					t.Errorf("layer %d has no members", j)
				}
			}
		})
	}
}

func TestOpenZstdLayers(t *testing.T) {
	t.Parallel()
	img := ocitest.Image(t, v1.Config{},
		ocitest.Step{Layer: ocitest.LayerWith(t, compression.ZStd, ocitest.File("a", 5000), ocitest.Text("b", "hello"))})
	p := filepath.Join(t.TempDir(), "zstd.tar")
	ocitest.WriteOCILayout(t, p, img)
	got, err := oci.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer got.Close()
	if got.Layers[0].MediaType != types.OCILayerZStd {
		t.Errorf("media type = %q, want %q", got.Layers[0].MediaType, types.OCILayerZStd)
	}
	names, st := memberNames(t, got.Layers[0])
	if st.Compression != oci.Zstd {
		t.Errorf("compression = %q, want zstd", st.Compression)
	}
	if !reflect.DeepEqual(names, []string{"a", "b"}) {
		t.Errorf("members = %q, want [a b]", names)
	}
}

// dockerSave writes an old-style `docker save` archive: uncompressed
// <id>/layer.tar members, the second layer a symlink to the first (docker
// links identical layers), and a <config digest>.json config.
func dockerSave(t *testing.T, p string, layer []byte) {
	t.Helper()
	sum := sha256.Sum256(layer)
	diffID := "sha256:" + hex.EncodeToString(sum[:])
	cfg, _ := json.Marshal(map[string]any{
		"os": "linux", "architecture": "amd64",
		"config": map[string]any{"User": "node"},
		"rootfs": map[string]any{"type": "layers", "diff_ids": []string{diffID, diffID}},
	})
	cfgSum := sha256.Sum256(cfg)
	cfgName := hex.EncodeToString(cfgSum[:]) + ".json"
	id1, id2 := strings.Repeat("a", 64), strings.Repeat("b", 64)
	manifest, _ := json.Marshal([]map[string]any{{
		"Config": cfgName, "RepoTags": []string{"stack/test:latest"},
		"Layers": []string{id1 + "/layer.tar", id2 + "/layer.tar"},
	}})
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	tw := tar.NewWriter(f)
	add := func(name string, b []byte) {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(b)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	add(id1+"/layer.tar", layer)
	if err := tw.WriteHeader(&tar.Header{Name: id2 + "/layer.tar", Typeflag: tar.TypeSymlink, Linkname: "../" + id1 + "/layer.tar"}); err != nil {
		t.Fatal(err)
	}
	add(cfgName, cfg)
	add("manifest.json", manifest)
	add("repositories", []byte(`{}`))
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestOpenDockerSaveUncompressed(t *testing.T) {
	t.Parallel()
	layer := ocitest.TarBytes(t, ocitest.File("usr/lib/libx.so", 10000))
	p := filepath.Join(t.TempDir(), "save.tar")
	dockerSave(t, p, layer)
	img, err := oci.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	if img.Format != oci.FormatDockerArchive || len(img.Layers) != 2 {
		t.Fatalf("format %q with %d layers, want docker-archive with 2", img.Format, len(img.Layers))
	}
	for _, l := range img.Layers {
		if l.Digest != (v1.Hash{}) {
			t.Errorf("layer %d digest = %s, want zero (not in the member name)", l.Index, l.Digest)
		}
		_, st := memberNames(t, l)
		if st.Compression != oci.Uncompressed {
			t.Errorf("layer %d compression = %q, want none", l.Index, st.Compression)
		}
		if st.Compressed != int64(len(layer)) || st.Uncompressed != int64(len(layer)) {
			t.Errorf("layer %d sizes = %d/%d, want %d both", l.Index, st.Compressed, st.Uncompressed, len(layer))
		}
		if st.Digest != st.DiffID {
			t.Errorf("layer %d: digest %s != diffID %s for an uncompressed blob", l.Index, st.Digest, st.DiffID)
		}
	}
}

func TestOpenCorruptLayer(t *testing.T) {
	t.Parallel()
	layer := ocitest.TarBytes(t, ocitest.Text("etc/motd", "hello, world"))
	p := filepath.Join(t.TempDir(), "save.tar")
	dockerSave(t, p, layer)
	// Change one byte of the file content in place: the tar stays valid but
	// its digest no longer matches the config's diff_id.
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(b, []byte("hello, world"))
	if i < 0 {
		t.Fatal("content not found in tarball")
	}
	b[i] = 'j'
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	img, err := oci.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	lr, err := img.Layers[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	_, err = lr.Finish()
	var dm *oci.DigestMismatchError
	if !errors.As(err, &dm) {
		t.Fatalf("Finish error = %v, want a *DigestMismatchError", err)
	}
	if !strings.Contains(err.Error(), "uncompressed") {
		t.Errorf("error %q does not say which digest", err)
	}
}

func TestOpenPlatforms(t *testing.T) {
	t.Parallel()
	amd := ocitest.PlatformImage(t, v1.Platform{OS: "linux", Architecture: "amd64"}, v1.Config{}, ocitest.Step{Layer: ocitest.Layer(t, ocitest.File("amd", 10))})
	arm := ocitest.PlatformImage(t, v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}, v1.Config{}, ocitest.Step{Layer: ocitest.Layer(t, ocitest.File("arm", 20))})
	armDigest, _ := arm.Digest()
	amdDigest, _ := amd.Digest()
	// An attestation manifest, as BuildKit adds: never a candidate.
	att := ocitest.PlatformImage(t, v1.Platform{OS: "unknown", Architecture: "unknown"}, v1.Config{}, ocitest.Step{Layer: ocitest.Layer(t, ocitest.Text("sbom.json", "{}"))})
	withAtt := mutate.AppendManifests(ocitest.Index(t, amd), mutate.IndexAddendum{Add: att, Descriptor: v1.Descriptor{
		Platform:    &v1.Platform{OS: "unknown", Architecture: "unknown"},
		Annotations: map[string]string{"vnd.docker.reference.type": "attestation-manifest"},
	}})

	dir := t.TempDir()
	flat := filepath.Join(dir, "flat.tar")
	nested := filepath.Join(dir, "nested.tar")
	attest := filepath.Join(dir, "attest.tar")
	ocitest.WriteOCIIndex(t, flat, ocitest.Index(t, amd, arm))
	ocitest.WriteOCIIndex(t, nested, ocitest.Index(t, amd, arm), ocitest.Nested())
	ocitest.WriteOCIIndex(t, attest, withAtt)

	tests := []struct {
		name     string
		path     string
		platform *v1.Platform
		want     v1.Hash
		wantErr  string
	}{
		{"flat, no platform", flat, nil, v1.Hash{}, "several platforms (linux/amd64, linux/arm64/v8)"},
		{"flat, arm64", flat, &v1.Platform{OS: "linux", Architecture: "arm64"}, armDigest, ""},
		{"flat, amd64", flat, &v1.Platform{OS: "linux", Architecture: "amd64"}, amdDigest, ""},
		{"flat, s390x", flat, &v1.Platform{OS: "linux", Architecture: "s390x"}, v1.Hash{}, `no image for platform "linux/s390x"`},
		{"nested, arm64/v8", nested, &v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}, armDigest, ""},
		{"nested, no platform", nested, nil, v1.Hash{}, "choose one with WithPlatform"},
		{"attestation skipped", attest, nil, amdDigest, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var opts []oci.Option
			if tt.platform != nil {
				opts = append(opts, oci.WithPlatform(*tt.platform))
			}
			img, err := oci.Open(tt.path, opts...)
			if tt.wantErr != "" {
				var pe *oci.PlatformError
				if err == nil || !errors.As(err, &pe) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Open error = %v, want a *PlatformError containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer img.Close()
			if img.Digest != tt.want {
				t.Errorf("Digest = %s, want %s", img.Digest, tt.want)
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// A layout tar without the layer blobs.
	img := testImage(t)
	full := filepath.Join(dir, "full.tar")
	ocitest.WriteOCILayout(t, full, img)
	layers, _ := img.Layers()
	d, _ := layers[1].Digest()
	missing := filepath.Join(dir, "missing.tar")
	filterTar(t, full, missing, func(name string) bool { return !strings.HasSuffix(name, d.Hex) })

	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	raw, _ := os.ReadFile(full)
	_, _ = zw.Write(raw)
	_ = zw.Close()

	tests := []struct {
		name    string
		path    string
		wantErr string
	}{
		{"no such file", filepath.Join(dir, "nope.tar"), "no such file"},
		{"not a tar", write("junk.tar", bytes.Repeat([]byte("junk"), 300)), "reading tar headers"},
		{"empty tar", write("empty.tar", make([]byte, 1024)), "neither an OCI image layout"},
		{"gzipped tarball", write("img.tar.gz", gz.Bytes()), "gzip-compressed: decompress it first"},
		{"missing layer blob", missing, "layer 1"},
		{"bad index.json", tarOf(t, dir, "badindex.tar", map[string]string{"index.json": "{"}), "parsing index.json"},
		{"bad manifest.json", tarOf(t, dir, "badmanifest.tar", map[string]string{"manifest.json": "[{]"}), "parsing manifest.json"},
		{"empty index", tarOf(t, dir, "emptyindex.tar", map[string]string{"index.json": `{"schemaVersion":2,"manifests":[]}`}), "no image manifest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			img, err := oci.Open(tt.path)
			if err == nil {
				img.Close()
				t.Fatalf("Open(%s) succeeded, want an error containing %q", tt.name, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), tt.path) {
				t.Errorf("error %q should name the file and contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestMissingEntryErrorType(t *testing.T) {
	t.Parallel()
	img := testImage(t)
	dir := t.TempDir()
	full := filepath.Join(dir, "full.tar")
	ocitest.WriteOCILayout(t, full, img)
	cfg, _ := img.ConfigName()
	noConfig := filepath.Join(dir, "noconfig.tar")
	filterTar(t, full, noConfig, func(name string) bool { return !strings.HasSuffix(name, cfg.Hex) })
	_, err := oci.Open(noConfig)
	var me *oci.MissingEntryError
	if !errors.As(err, &me) || me.Name != "blobs/sha256/"+cfg.Hex {
		t.Fatalf("error = %v, want a *MissingEntryError for the config blob", err)
	}
}

// filterTar copies the members of src for which keep is true to dst.
func filterTar(t *testing.T, src, dst string, keep func(string) bool) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	tr, tw := tar.NewReader(in), tar.NewWriter(out)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if !keep(hdr.Name) {
			continue
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(tw, tr); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// tarOf writes a tar of small text members and returns its path.
func tarOf(t *testing.T, dir, name string, files map[string]string) string {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for n, c := range files {
		if err := tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(c))}); err != nil {
			t.Fatal(err)
		}
		_, _ = tw.Write([]byte(c))
	}
	_ = tw.Close()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
