package budget_test

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/compression"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/stack-ci/stack/pipelines/budget"
	"github.com/stack-ci/stack/pipelines/oci/ocitest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// wasteImage is a three-layer image whose waste is known to the byte:
//
//	layer 0: a base system, 9 files, 207,020 bytes
//	layer 1: overwrites /app/config.json, deletes /tmp/cache, adds node_modules
//	layer 2: replaces node_modules (opaque), deletes a library and /var/old,
//	         writes /data/dup twice, turns the file /srv into a directory,
//	         and deletes /var/keep.txt that it adds itself (which stays:
//	         whiteouts hide lower layers only)
func wasteImage(t testing.TB, comp compression.Compression) v1.Image {
	t.Helper()
	f := ocitest.File
	return ocitest.Image(t, v1.Config{User: "1000"},
		ocitest.Step{CreatedBy: "ADD alpine-minirootfs.tar.gz /", Layer: ocitest.LayerWith(t, comp,
			ocitest.Dir("etc"), f("etc/os-release", 20),
			ocitest.Dir("usr"), ocitest.Dir("usr/lib"), f("usr/lib/libbig.so", 100_000), f("usr/lib/libsmall.so", 5_000),
			f("tmp/cache/a", 30_000), f("tmp/cache/b", 20_000),
			f("app/config.json", 1_000),
			f("bin/busybox", 50_000), ocitest.Symlink("bin/sh", "busybox"),
			f("var/old", 300), f("srv", 700),
		)},
		ocitest.Step{CreatedBy: "RUN npm ci && rm -rf /tmp/cache", Layer: ocitest.LayerWith(t, comp,
			f("app/config.json", 2_000),
			ocitest.Whiteout("tmp/cache"),
			f("app/node_modules/x/index.js", 7_000), f("app/node_modules/y/big.js", 40_000),
		)},
		ocitest.Step{CreatedBy: "COPY --from=build /app/node_modules /app/node_modules", Layer: ocitest.LayerWith(t, comp,
			ocitest.Opaque("app/node_modules"), f("app/node_modules/z.js", 3_000),
			ocitest.Whiteout("usr/lib/libsmall.so"),
			f("data/dup", 4_000), f("data/dup", 6_000),
			f("var/keep.txt", 100), ocitest.Whiteout("var/keep.txt"),
			ocitest.Whiteout("var/old"),
			f("srv/index.html", 10),
		)},
	)
}

// writeBoth writes img as an OCI layout and as a docker-archive.
func writeBoth(t testing.TB, img v1.Image) (layoutPath, archivePath string) {
	t.Helper()
	dir := t.TempDir()
	layoutPath, archivePath = filepath.Join(dir, "img.oci.tar"), filepath.Join(dir, "img.docker.tar")
	ocitest.WriteOCILayout(t, layoutPath, img)
	ocitest.WriteDockerArchive(t, archivePath, img)
	return layoutPath, archivePath
}

func TestMeasureWaste(t *testing.T) {
	t.Parallel()
	for _, comp := range []compression.Compression{compression.GZip, compression.ZStd} {
		img := wasteImage(t, comp)
		layoutPath, archivePath := writeBoth(t, img)
		for _, p := range []string{layoutPath, archivePath} {
			t.Run(fmt.Sprintf("%s/%s", comp, filepath.Base(p)), func(t *testing.T) {
				t.Parallel()
				m, err := budget.MeasureFile(p, budget.WithTop(5, 6))
				if err != nil {
					t.Fatal(err)
				}
				checkWaste(t, m)
			})
		}
	}
}

func checkWaste(t *testing.T, m *budget.Measurement) {
	t.Helper()
	wantWaste := []budget.Waste{
		{Path: "/tmp/cache", Kind: budget.Deleted, AddedIn: 0, RemovedIn: 1, Files: 2, Bytes: 50_000},
		{Path: "/app/node_modules", Kind: budget.Opaque, AddedIn: 1, RemovedIn: 2, Files: 2, Bytes: 47_000},
		{Path: "/usr/lib/libsmall.so", Kind: budget.Deleted, AddedIn: 0, RemovedIn: 2, Files: 1, Bytes: 5_000},
		{Path: "/data/dup", Kind: budget.Overwritten, AddedIn: 2, RemovedIn: 2, Files: 1, Bytes: 4_000},
		{Path: "/app/config.json", Kind: budget.Overwritten, AddedIn: 0, RemovedIn: 1, Files: 1, Bytes: 1_000},
		{Path: "/srv", Kind: budget.Overwritten, AddedIn: 0, RemovedIn: 2, Files: 1, Bytes: 700},
		{Path: "/var/old", Kind: budget.Deleted, AddedIn: 0, RemovedIn: 2, Files: 1, Bytes: 300},
	}
	if !reflect.DeepEqual(m.Waste, wantWaste) {
		t.Errorf("Waste =\n%s\nwant\n%s", wasteLines(m.Waste), wasteLines(wantWaste))
	}
	checkInt(t, "FileBytes", int64(m.FileBytes), 269_130)
	checkInt(t, "WastedBytes", int64(m.WastedBytes), 108_000)
	checkInt(t, "VisibleBytes", int64(m.VisibleBytes), 161_130)
	checkInt(t, "Files", int64(m.Files), 17)
	checkInt(t, "VisibleFiles", int64(m.VisibleFiles), 8)

	wantLayers := []struct {
		files                    int
		fileBytes, wasted, hides budget.Size
		whiteouts                int
		createdBy                string
	}{
		{9, 207_020, 57_000, 0, 0, "ADD alpine-minirootfs.tar.gz /"},
		{3, 49_000, 47_000, 51_000, 1, "RUN npm ci && rm -rf /tmp/cache"},
		{5, 13_110, 4_000, 57_000, 4, "COPY --from=build /app/node_modules /app/node_modules"},
	}
	if len(m.Layers) != len(wantLayers) {
		t.Fatalf("%d layers, want %d", len(m.Layers), len(wantLayers))
	}
	for i, w := range wantLayers {
		l := m.Layers[i]
		got := fmt.Sprint(l.Files, l.FileBytes, l.Wasted, l.Hides, l.Whiteouts, l.CreatedBy)
		want := fmt.Sprint(w.files, w.fileBytes, w.wasted, w.hides, w.whiteouts, w.createdBy)
		if got != want {
			t.Errorf("layer %d (files, fileBytes, wasted, hides, whiteouts, createdBy) = %s, want %s", i, got, want)
		}
	}
	wantFiles := []budget.FileSize{
		{Path: "/usr/lib/libbig.so", Size: 100_000, Layer: 0},
		{Path: "/bin/busybox", Size: 50_000, Layer: 0},
		{Path: "/data/dup", Size: 6_000, Layer: 2},
		{Path: "/app/node_modules/z.js", Size: 3_000, Layer: 2},
		{Path: "/app/config.json", Size: 2_000, Layer: 1},
	}
	if !reflect.DeepEqual(m.TopFiles, wantFiles) {
		t.Errorf("TopFiles = %+v, want %+v", m.TopFiles, wantFiles)
	}
	wantDirs := []budget.DirSize{
		{Path: "/usr", Size: 100_000, Files: 1},
		{Path: "/usr/lib", Size: 100_000, Files: 1},
		{Path: "/bin", Size: 50_000, Files: 1},
		{Path: "/data", Size: 6_000, Files: 1},
		{Path: "/app", Size: 5_000, Files: 2},
		{Path: "/app/node_modules", Size: 3_000, Files: 1},
	}
	if !reflect.DeepEqual(m.TopDirs, wantDirs) {
		t.Errorf("TopDirs = %+v, want %+v", m.TopDirs, wantDirs)
	}
}

func wasteLines(ws []budget.Waste) string {
	var b strings.Builder
	for _, w := range ws {
		fmt.Fprintf(&b, "  %s\n", w)
	}
	return b.String()
}

func checkInt(t *testing.T, what string, got, want int64) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %d, want %d", what, got, want)
	}
}

// TestMeasureAddsUp checks the figures against go-containerregistry's own
// view of the image and against each other, on both tarball formats.
func TestMeasureAddsUp(t *testing.T) {
	t.Parallel()
	img := wasteImage(t, compression.GZip)
	layoutPath, archivePath := writeBoth(t, img)
	layers, _ := img.Layers()
	rawManifest, _ := img.RawManifest()
	rawConfig, _ := img.RawConfigFile()
	digest, _ := img.Digest()

	for _, tt := range []struct {
		path         string
		manifestSize int64
		digest       string
	}{
		{layoutPath, int64(len(rawManifest)), digest.String()},
		{archivePath, 0, ""},
	} {
		t.Run(filepath.Base(tt.path), func(t *testing.T) {
			t.Parallel()
			m, err := budget.MeasureFile(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			checkInt(t, "ManifestSize", int64(m.ManifestSize), tt.manifestSize)
			checkInt(t, "ConfigSize", int64(m.ConfigSize), int64(len(rawConfig)))
			if m.Digest != tt.digest {
				t.Errorf("Digest = %q, want %q", m.Digest, tt.digest)
			}
			if m.Platform != "linux/amd64" {
				t.Errorf("Platform = %q, want linux/amd64", m.Platform)
			}
			var compressed, uncompressed, fileBytes, wasted, hides budget.Size
			var files int
			for i, l := range m.Layers {
				wantSize, _ := layers[i].Size()
				wantDigest, _ := layers[i].Digest()
				wantDiffID, _ := layers[i].DiffID()
				rc, _ := layers[i].Uncompressed()
				wantUncompressed, _ := io.Copy(io.Discard, rc)
				rc.Close()
				checkInt(t, fmt.Sprintf("layer %d Compressed", i), int64(l.Compressed), wantSize)
				checkInt(t, fmt.Sprintf("layer %d Uncompressed", i), int64(l.Uncompressed), wantUncompressed)
				if l.Digest != wantDigest.String() || l.DiffID != wantDiffID.String() {
					t.Errorf("layer %d digests = %s, %s; want %s, %s", i, l.Digest, l.DiffID, wantDigest, wantDiffID)
				}
				if l.Compression != "gzip" {
					t.Errorf("layer %d compression = %q, want gzip", i, l.Compression)
				}
				compressed += l.Compressed
				uncompressed += l.Uncompressed
				fileBytes += l.FileBytes
				wasted += l.Wasted
				hides += l.Hides
				files += l.Files
			}
			checkInt(t, "Compressed", int64(m.Compressed), int64(compressed+m.ConfigSize+m.ManifestSize))
			checkInt(t, "Uncompressed", int64(m.Uncompressed), int64(uncompressed))
			checkInt(t, "FileBytes", int64(m.FileBytes), int64(fileBytes))
			checkInt(t, "Files", int64(m.Files), int64(files))
			checkInt(t, "WastedBytes = sum of Wasted", int64(m.WastedBytes), int64(wasted))
			checkInt(t, "WastedBytes = sum of Hides", int64(m.WastedBytes), int64(hides))
			checkInt(t, "FileBytes = Visible + Wasted", int64(m.FileBytes), int64(m.VisibleBytes+m.WastedBytes))
			if m.Uncompressed <= m.FileBytes {
				t.Errorf("Uncompressed %d should exceed FileBytes %d (tar headers)", m.Uncompressed, m.FileBytes)
			}
		})
	}
}

func TestMeasureWasteLimit(t *testing.T) {
	t.Parallel()
	layoutPath, _ := writeBoth(t, wasteImage(t, compression.GZip))
	m, err := budget.MeasureFile(layoutPath, budget.WithWasteLimit(2), budget.WithTop(0, 1))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Waste) != 2 || m.WasteOmitted != 5 || m.Waste[0].Path != "/tmp/cache" {
		t.Errorf("Waste = %v with %d omitted, want the 2 biggest and 5 omitted", m.Waste, m.WasteOmitted)
	}
	if m.WastedBytes != 108_000 {
		t.Errorf("WastedBytes = %d, want all 108000 whatever the limit", m.WastedBytes)
	}
	if len(m.TopFiles) != 0 || len(m.TopDirs) != 1 {
		t.Errorf("got %d top files and %d top dirs, want 0 and 1", len(m.TopFiles), len(m.TopDirs))
	}
}

// TestMeasureWhiteoutOrder covers the replay rules that depend on entry order
// within a layer.
func TestMeasureWhiteoutOrder(t *testing.T) {
	t.Parallel()
	f := ocitest.File
	tests := []struct {
		name        string
		upper       []ocitest.Entry
		wantVisible budget.Size
		wantWaste   []budget.Waste
	}{
		{
			name:        "opaque marker after the layer's own files keeps them",
			upper:       []ocitest.Entry{f("d/new", 10), ocitest.Opaque("d")},
			wantVisible: 10 + 1,
			wantWaste:   []budget.Waste{{Path: "/d", Kind: budget.Opaque, AddedIn: 0, RemovedIn: 1, Files: 2, Bytes: 300}},
		},
		{
			name:        "opaque keeps a lower subdirectory the layer writes into",
			upper:       []ocitest.Entry{f("d/sub/new", 10), ocitest.Opaque("d")},
			wantVisible: 10 + 1,
			wantWaste:   []budget.Waste{{Path: "/d", Kind: budget.Opaque, AddedIn: 0, RemovedIn: 1, Files: 2, Bytes: 300}},
		},
		{
			name:        "whiteout of a directory the layer also writes into",
			upper:       []ocitest.Entry{f("d/sub/new", 10), ocitest.Whiteout("d")},
			wantVisible: 10 + 1,
			wantWaste:   []budget.Waste{{Path: "/d", Kind: budget.Deleted, AddedIn: 0, RemovedIn: 1, Files: 2, Bytes: 300}},
		},
		{
			name:        "whiteout of nothing",
			upper:       []ocitest.Entry{ocitest.Whiteout("nothing/here")},
			wantVisible: 301,
		},
		{
			name:        "a directory replaced by a file",
			upper:       []ocitest.Entry{f("d", 5)},
			wantVisible: 5 + 1,
			wantWaste:   []budget.Waste{{Path: "/d", Kind: budget.Overwritten, AddedIn: 0, RemovedIn: 1, Files: 2, Bytes: 300}},
		},
		{
			name:        "a directory entry over a directory changes nothing",
			upper:       []ocitest.Entry{ocitest.Dir("d"), ocitest.Dir("d/sub")},
			wantVisible: 301,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			img := ocitest.Image(t, v1.Config{},
				ocitest.Step{Layer: ocitest.Layer(t, f("d/old", 100), f("d/sub/old", 200), f("keep", 1))},
				ocitest.Step{Layer: ocitest.Layer(t, tt.upper...)},
			)
			p := filepath.Join(t.TempDir(), "img.tar")
			ocitest.WriteOCILayout(t, p, img)
			m, err := budget.MeasureFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if m.VisibleBytes != tt.wantVisible {
				t.Errorf("VisibleBytes = %d, want %d", m.VisibleBytes, tt.wantVisible)
			}
			if len(m.Waste) != len(tt.wantWaste) || (len(m.Waste) > 0 && !reflect.DeepEqual(m.Waste, tt.wantWaste)) {
				t.Errorf("Waste =\n%swant\n%s", wasteLines(m.Waste), wasteLines(tt.wantWaste))
			}
			if m.FileBytes != m.VisibleBytes+m.WastedBytes {
				t.Errorf("FileBytes %d != Visible %d + Wasted %d", m.FileBytes, m.VisibleBytes, m.WastedBytes)
			}
		})
	}
}

func TestMeasureFileErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.tar")
	if err := os.WriteFile(junk, []byte(strings.Repeat("x", 2048)), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{filepath.Join(dir, "missing.tar"), junk} {
		_, err := budget.MeasureFile(p)
		if err == nil || !strings.Contains(err.Error(), "measuring image") || !strings.Contains(err.Error(), p) {
			t.Errorf("MeasureFile(%s) error = %v, want one naming the operation and the file", p, err)
		}
	}
}

// TestMeasureGolden pins the human view of the waste image's measurement:
// the waste lines and the budget messages. Refresh with -update.
func TestMeasureGolden(t *testing.T) {
	t.Parallel()
	layoutPath, _ := writeBoth(t, wasteImage(t, compression.GZip))
	m, err := budget.MeasureFile(layoutPath)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "files %d (%s), visible %d (%s), wasted %s\n", m.Files, m.FileBytes, m.VisibleFiles, m.VisibleBytes, m.WastedBytes)
	b.WriteString("waste:\n" + wasteLines(m.Waste))
	b.WriteString("top files:\n")
	for _, f := range m.TopFiles {
		fmt.Fprintf(&b, "  %-28s %10s  layer %d\n", f.Path, f.Size, f.Layer)
	}
	b.WriteString("top dirs:\n")
	for _, d := range m.TopDirs {
		fmt.Fprintf(&b, "  %-28s %10s  %d files\n", d.Path, d.Size, d.Files)
	}
	golden(t, "waste.golden", b.String())
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("reading golden file (run with -update to create it): %v", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (run with -update to accept):\n--- got\n%s--- want\n%s", p, got, want)
	}
}
