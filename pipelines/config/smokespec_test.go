package config

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/stack-ci/stack/pipelines/smoke"
)

// TestSmokeSpecOfEveryExample converts the declared checks of every example
// configuration, writes them as the checker's JSON and reads them back with
// the checker's own parser: what config accepts, the checker accepts.
func TestSmokeSpecOfEveryExample(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob(filepath.Join("testdata", "examples", "*.yaml"))
	files = append(files, filepath.Join("..", "..", "examples", "next-mysql", "stack.yaml"), filepath.Join("..", "..", "examples", "split-yarn", "stack.yaml"))
	withChecks := 0
	for _, path := range files {
		eff := load(t, path)
		spec := eff.Smoke.Spec()
		b, err := json.Marshal(spec)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		back, err := smoke.ParseSpec(b)
		if err != nil {
			t.Fatalf("%s: the checker rejects the converted checks: %v\n%s", path, err, b)
		}
		if len(back.Checks) != len(eff.Smoke.Checks) || time.Duration(back.Timeout) != time.Duration(eff.Smoke.Timeout) || back.SocketPath != eff.Smoke.SocketPath {
			t.Errorf("%s: %d checks, timeout %s, socket %q; want %d, %s, %q", path, len(back.Checks), time.Duration(back.Timeout), back.SocketPath, len(eff.Smoke.Checks), eff.Smoke.Timeout, eff.Smoke.SocketPath)
		}
		for i, c := range eff.Smoke.Checks {
			withChecks++
			got := back.Checks[i]
			if got.Name != c.Name || len(got.Steps) != len(c.Steps) {
				t.Errorf("%s: check %d is %q with %d steps, want %q with %d", path, i, got.Name, len(got.Steps), c.Name, len(c.Steps))
				continue
			}
			for j, st := range c.Steps {
				gs := got.Steps[j]
				if st.HTTP != nil && (gs.HTTP == nil || gs.HTTP.Method != st.HTTP.Method || gs.HTTP.Path != st.HTTP.Path || gs.HTTP.Expect.Status != st.HTTP.Expect.Status || len(gs.HTTP.Capture) != len(st.HTTP.Capture)) {
					t.Errorf("%s: %s step %d: http %+v, want %+v", path, c.Name, j, gs.HTTP, st.HTTP)
				}
				if st.SocketIO != nil && (gs.SocketIO == nil || gs.SocketIO.Path != st.SocketIO.Path || gs.SocketIO.Emit != st.SocketIO.Emit || time.Duration(gs.SocketIO.Timeout) != time.Duration(st.SocketIO.Timeout) || gs.SocketIO.Expect != smoke.SocketIOExpect(st.SocketIO.Expect)) {
					t.Errorf("%s: %s step %d: socketio %+v, want %+v", path, c.Name, j, gs.SocketIO, st.SocketIO)
				}
			}
		}
	}
	if withChecks < 3 {
		t.Errorf("only %d declared checks among the examples: the test proves little", withChecks)
	}
}
