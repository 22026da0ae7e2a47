package report_test

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/stack-ci/stack/pipelines/report"
)

// FuzzRead feeds arbitrary bytes to Read: it must never panic, and a report
// it accepts must render in every format and survive a JSON round trip
// unchanged.
//
//	go test ./pipelines/report -run XXX -fuzz FuzzRead -fuzztime 60s
func FuzzRead(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		"", "{}", "[]", "null", `{"schema_version": 1, "stages": []}`,
		`{"schema_version": 1, "passed": true, "stages": [{"name": "build", "status": "passed", "duration_ms": 9223372036854}]}`,
		`{"schema_version": 1, "stages": [{"name": "x", "status": "skipped", "blocked_by": ["y"]}], "images": [{"name": "a", "compressed_bytes": "5MB"}]}`,
		`{"schema_version": 1, "stages": [], "smoke": [{"name": "a", "duration_ms": 1e300}], "scan": {"blocking": [{"expired_ignore": {}}]}}`,
		`{"SchemaVersion": 2, "ArtifactName": "x"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := report.Read(bytes.NewReader(data))
		if err != nil {
			return
		}
		var md, txt, js bytes.Buffer
		if err := r.WriteMarkdown(&md); err != nil {
			t.Fatal(err)
		}
		if err := r.WriteText(&txt, report.TextOptions{Color: true}); err != nil {
			t.Fatal(err)
		}
		_ = r.Headline()
		_ = r.SecretLike()
		if err := r.WriteJSON(&js); err != nil {
			t.Fatalf("WriteJSON of an accepted report: %v", err)
		}
		again, err := report.Read(&js)
		if err != nil {
			t.Fatalf("Read refuses what WriteJSON wrote: %v\n%s", err, js.String())
		}
		var js2 bytes.Buffer
		if err := again.WriteJSON(&js2); err != nil {
			t.Fatal(err)
		}
		var js1 bytes.Buffer
		_ = r.WriteJSON(&js1)
		if !bytes.Equal(js1.Bytes(), js2.Bytes()) {
			t.Fatalf("JSON changed on a second round trip:\n%s\n%s", js1.String(), js2.String())
		}
		if again.Passed() != r.Passed() || !reflect.DeepEqual(again.Stages, r.Stages) {
			t.Fatalf("stages changed on a round trip")
		}
	})
}
