package tags

import (
	"os"
	"testing"
	"time"
)

func BenchmarkParseVersion(b *testing.B) {
	for b.Loop() {
		if _, err := ParseVersion("v2.0.8-beta.67+exp.sha.5114f85"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCompute(b *testing.B) {
	gc := Context{EventName: "push", Ref: "refs/tags/v1.2.3", SHA: "860c1904a1ce19322e91ac35af1ab07466440c37",
		DefaultBranch: "main", Repo: Repo{Name: "hivemind", URL: "https://github.com/acme/hivemind", License: "MIT"}}
	cfg := Config{Kinds: AllKinds()}
	at := time.Unix(1700000000, 0)
	for b.Loop() {
		res, err := Compute(gc, cfg, at)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := res.References("ghcr.io/acme/frontend", "ghcr.io/acme/backend"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseEvent(b *testing.B) {
	data, err := os.ReadFile("testdata/events/event_pull_request.json")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ParseEvent(data); err != nil {
			b.Fatal(err)
		}
	}
}
