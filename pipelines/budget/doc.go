// Package budget measures container images from their tarballs and holds
// them against size budgets.
//
// MeasureFile opens an image tarball (an OCI image layout in a tar, as
// Dagger's Container.AsTarball writes, or a docker-archive; see package oci)
// and streams each layer once, headers only, to report:
//
//   - the compressed size (what a pull transfers: layer blobs as stored,
//     config, manifest) and the uncompressed size (the sum of the layer tars)
//     with the total file bytes, per layer and for the image, adding up;
//   - waste: bytes that ship but are hidden in the final filesystem, deleted
//     by a whiteout, hidden by an opaque directory or overwritten, with the
//     paths and the layers that added and removed them;
//   - the biggest files and directories of the final filesystem.
//
// Evaluate then holds named images ("frontend", "backend") and their sum
// against Budgets; the default budgets and the reasoning behind them are the
// Default… constants. Sizes are written as people write them (ParseSize:
// "500MB" is SI, "1.5GiB" is IEC).
//
// Memory does not grow with the image's bytes, only with its number of
// paths: one small node per path of the filesystem. BenchmarkMeasureFile
// shows it on generated images of 50 MB and 500 MB with the same 2,000 files
// (random, incompressible content in 4 big files and many small ones):
//
//	go test -run XXX -bench . -benchmem -count 5 ./pipelines/budget/ | tee new.txt
//	benchstat new.txt   # golang.org/x/perf/cmd/benchstat
//
// Measured on this project's 2-core AMD EPYC machine (Go 1.26, medians of 5
// runs; MB/s counts the tarball's bytes):
//
//	                  sec/op   MB/s   B/op     allocs/op  peak-heap-B
//	size=50MB         0.109    462    1.96 MiB  37.9k     1.81 MiB
//	size=500MB        0.749    667    1.96 MiB  37.9k     1.67 MiB
//
// Ten times the bytes, the same allocations (B/op is the total allocated, an
// upper bound on the live heap) and the same peak live heap (sampled every
// millisecond through runtime/metrics). Time grows with the bytes: each
// byte is read once, decompressed and hashed twice (blob digest and diff_id).
// The generated layers are incompressible, so gzip stores them; real images
// decompress slower: the Debian stand-ins of nginx:alpine (156 MB
// uncompressed, 5,415 files) and node:20-alpine (384 MB, 29,433 files) take
// about 0.9 s and 2 s.
package budget
