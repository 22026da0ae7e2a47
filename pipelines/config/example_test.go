package config_test

import (
	"fmt"

	"github.com/stack-ci/stack/pipelines/config"
)

// Parse reports every problem of a file at once, with positions, sorted.
func ExampleParse() {
	_, err := config.Parse("stack.yaml", []byte(`images:
  - name: web
    kind: nodejs
    port: eighty
    helth_path: /healthz
budgets:
  stack: 1.5 parsecs
`))
	fmt.Println(err)
	// Output:
	// stack.yaml:3:11: images[0].kind: unknown kind "nodejs"; want spa, node, nextjs or dockerfile; did you mean "node"?
	// stack.yaml:4:11: images[0].port: want an integer from 1 to 65535, got "eighty"
	// stack.yaml:5:5: images[0]: unknown key "helth_path"; did you mean "health_path"?
	// stack.yaml:7:10: budgets.stack: parsing size "1.5 parsecs": unknown unit "parsecs"; write a non-negative number with an optional unit: B, kB, MB, GB, TB, PB, EB (powers of 1000) or KiB, MiB, GiB, TiB, PiB, EiB (powers of 1024), e.g. "500MB", "1.5GiB", "200 MiB" or "123" (bytes)
}

// Effective applies the defaults, then the command line, which wins.
func ExampleEffective() {
	cfg, _ := config.Parse("stack.yaml", []byte("name: hivemind\n"))
	eff, err := config.Effective(cfg, config.Overrides{BackendPort: 9000, Registry: "ghcr.io/acme"})
	if err != nil {
		panic(err)
	}
	for _, img := range eff.Images {
		fmt.Println(img.Name, img.Kind, img.Port, eff.Repository(img.Name))
	}
	fmt.Println(eff.RuntimeEnv("backend")["DATABASE_URL"].Value)
	// Output:
	// frontend spa 80 ghcr.io/acme/hivemind-frontend
	// backend node 9000 ghcr.io/acme/hivemind-backend
	// {{database.url}}
}
