package policy

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseWaiverSpecs(t *testing.T) {
	t.Parallel()
	got, err := ParseWaiverSpecs([]string{
		"healthcheck=the orchestrator probes /health",
		"frontend:healthcheck=nginx is probed by the load balancer",
		"backend : non-root = legacy image, tracked in #12",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]Waiver{
		"":         {{Rule: Healthcheck, Reason: "the orchestrator probes /health"}},
		"frontend": {{Rule: Healthcheck, Reason: "nginx is probed by the load balancer"}},
		"backend":  {{Rule: NonRoot, Reason: "legacy image, tracked in #12"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParseWaiverSpecs = %+v", got)
	}
	if w := WaiversFor(got, "frontend"); len(w) != 1 || w[0].Reason != "nginx is probed by the load balancer" {
		t.Errorf("WaiversFor(frontend) = %+v: the image's own waiver must win", w)
	}
	if w := WaiversFor(got, "backend"); len(w) != 2 {
		t.Errorf("WaiversFor(backend) = %+v, want its own and the global one", w)
	}
}

func TestParseWaiverSpecsErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ spec, want string }{
		{"healthcheck", "want RULE=REASON"},
		{"healthcheck=  ", "want RULE=REASON"},
		{":healthcheck=x", "empty image name"},
		{"health=x", `waiver "health=x"`},
	} {
		_, err := ParseWaiverSpecs([]string{tc.spec})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseWaiverSpecs(%q) error = %v, want %q", tc.spec, err, tc.want)
		}
	}
	_, err := ParseWaiverSpecs([]string{"helthcheck=x"})
	var unknown *UnknownRuleError
	if !errors.As(err, &unknown) || !strings.Contains(err.Error(), Healthcheck) {
		t.Errorf("unknown rule: %v, want an UnknownRuleError listing the rules", err)
	}
}

func FuzzParseWaiverSpecs(f *testing.F) {
	for _, s := range []string{"healthcheck=x", "a:non-root=y", "=", ":"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		got, err := ParseWaiverSpecs([]string{spec})
		if err != nil {
			return
		}
		for _, ws := range got {
			for _, w := range ws {
				if w.Reason == "" || w.Rule == "" {
					t.Fatalf("ParseWaiverSpecs(%q) = %+v", spec, got)
				}
			}
		}
	})
}
