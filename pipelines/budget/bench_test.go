package budget_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/stack-ci/stack/pipelines/budget"
	"github.com/stack-ci/stack/pipelines/oci/ocitest"
)

// benchFiles is the number of files of every benchmark image, whatever its
// size, so that only the bytes change between sizes.
const benchFiles = 2000

// writeBenchImage writes an OCI layout tarball of about total bytes of
// incompressible content in three gzip layers: 1,996 small files (1–4 kB)
// spread over them, 4 big files sharing the rest, and a whiteout deleting one
// big file, so the waste path runs too. Only the tarball is kept.
func writeBenchImage(b *testing.B, total int64) string {
	b.Helper()
	dir := b.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	var small [3][]ocitest.Entry
	var smallBytes int64
	for i := range benchFiles - 4 {
		size := 1000 + rng.Int64N(3000)
		smallBytes += size
		small[i%3] = append(small[i%3], ocitest.File(fmt.Sprintf("usr/lib/node_modules/pkg%03d/file%04d.js", i%300, i), size))
	}
	big := (total - smallBytes) / 4
	if big < 0 {
		b.Fatalf("total %d is less than the small files' %d bytes", total, smallBytes)
	}
	l0 := ocitest.LayerFile(b, dir, small[0]...)
	l1 := ocitest.LayerFile(b, dir, append(small[1], ocitest.File("opt/big/a.bin", big), ocitest.File("opt/big/b.bin", big))...)
	l2 := ocitest.LayerFile(b, dir, append(small[2], ocitest.File("opt/big/c.bin", big), ocitest.File("opt/big/d.bin", big), ocitest.Whiteout("opt/big/a.bin"))...)
	img := ocitest.Image(b, v1.Config{}, ocitest.Step{Layer: l0}, ocitest.Step{Layer: l1}, ocitest.Step{Layer: l2})
	out := filepath.Join(b.TempDir(), "bench.oci.tar")
	ocitest.WriteOCILayout(b, out, img)
	// The layer files are no longer needed: free the disk.
	if err := os.RemoveAll(dir); err != nil {
		b.Fatal(err)
	}
	return out
}

// peakHeap samples the live heap every millisecond until stop is called and
// returns the highest value seen above the heap at the start.
func peakHeap() (stop func() uint64) {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	base := sample[0].Value.Uint64()
	var peak atomic.Uint64
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > base && v-base > peak.Load() {
				peak.Store(v - base)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 {
		close(done)
		<-finished
		return peak.Load()
	}
}

// BenchmarkMeasureFile measures generated images of 50 MB and 500 MB with the
// same number of files. B/op, allocs/op and peak-heap-B stay about the same
// while the bytes grow tenfold: memory depends on the number of paths, not
// on the bytes. See the package doc for the numbers measured.
func BenchmarkMeasureFile(b *testing.B) {
	for _, total := range []int64{50e6, 500e6} {
		b.Run(fmt.Sprintf("size=%dMB", total/1e6), func(b *testing.B) {
			p := writeBenchImage(b, total)
			st, err := os.Stat(p)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(st.Size())
			b.ReportAllocs()
			var peak uint64
			for b.Loop() {
				stop := peakHeap()
				m, err := budget.MeasureFile(p)
				if err != nil {
					b.Fatal(err)
				}
				peak = max(peak, stop())
				if m.Files != benchFiles+0 || m.VisibleFiles != benchFiles-1 {
					b.Fatalf("measured %d files, %d visible; want %d and %d", m.Files, m.VisibleFiles, benchFiles, benchFiles-1)
				}
			}
			b.ReportMetric(float64(peak), "peak-heap-B")
		})
	}
}
