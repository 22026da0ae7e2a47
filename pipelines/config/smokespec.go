package config

import (
	"maps"

	"github.com/stack-ci/stack/pipelines/smoke"
)

// Spec returns the declared checks (smoke.checks) as the smoke checker reads
// them: ci/ writes the JSON of Spec to a file and runs
// `stack-smoke run --base URL --checks FILE`. Of an effective Config, every
// step has its method, status, Socket.IO path and timeout set.
func (s Smoke) Spec() smoke.Spec {
	out := smoke.Spec{SocketPath: s.SocketPath, Timeout: smoke.Duration(s.Timeout), Checks: make([]smoke.CheckSpec, 0, len(s.Checks))}
	for _, c := range s.Checks {
		cs := smoke.CheckSpec{Name: c.Name, Steps: make([]smoke.Step, 0, len(c.Steps))}
		for _, st := range c.Steps {
			step := smoke.Step{Name: st.Name}
			if h := st.HTTP; h != nil {
				step.HTTP = &smoke.HTTPStep{
					Method:  h.Method,
					Path:    h.Path,
					Headers: maps.Clone(h.Headers),
					JSON:    h.JSON,
					Body:    h.Body,
					Expect:  smoke.HTTPExpect{Status: h.Expect.Status, Contains: h.Expect.Contains, JSON: maps.Clone(h.Expect.JSON)},
					Capture: maps.Clone(h.Capture),
				}
			}
			if io := st.SocketIO; io != nil {
				step.SocketIO = &smoke.SocketIOStep{
					Path:    io.Path,
					Emit:    io.Emit,
					Payload: io.Payload,
					Expect:  smoke.SocketIOExpect{Ack: io.Expect.Ack, Event: io.Expect.Event, Contains: io.Expect.Contains},
					Timeout: smoke.Duration(io.Timeout),
					Capture: maps.Clone(io.Capture),
				}
			}
			cs.Steps = append(cs.Steps, step)
		}
		out.Checks = append(out.Checks, cs)
	}
	return out
}
