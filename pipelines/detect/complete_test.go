package detect

import (
	"reflect"
	"strings"
	"testing"

	"github.com/stack-ci/stack/pipelines/config"
)

func parse(t *testing.T, yaml string) config.Config {
	t.Helper()
	cfg, err := config.Parse("stack.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestComplete(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		src      Source
		yaml     string
		images   []string // describeImage + " " + package manager
		managers map[string]string
		explain  []string // substrings of Explain()
		err      string
	}{
		{name: "HiveMind without a stack.yaml", src: hivemind,
			images:   []string{"frontend . spa build:web dist - npm", "backend . node - - npm run webui npm"},
			managers: map[string]string{"frontend": "npm ci --no-audit --no-fund", "backend": "npm ci --no-audit --no-fund"},
			explain:  []string{"images = frontend (spa in .), backend (node in .): one package.json at the root", "images.backend.package_manager = npm: npm: lockfile package-lock.json"}},
		{name: "split yarn app without a stack.yaml", src: splitApp,
			images:   []string{"backend backend node build dist node dist/main.js yarn", "frontend frontend spa build dist - yarn"},
			managers: map[string]string{"backend": "yarn install --frozen-lockfile --non-interactive"}},
		{name: "images listed without kinds", src: splitApp, yaml: "images:\n  - {name: web, path: frontend}\n  - {name: api, path: backend, start: node dist/server.js}\n",
			images:  []string{"web frontend spa build dist - yarn", "api backend node build dist node dist/server.js yarn"},
			explain: []string{"images.web.kind = spa: package.json builds a static front end with vite", "images.api.build_script = build: detected"}},
		{name: "a folder with a SPA and its server: the name decides", src: hivemind, yaml: "images:\n  - {name: web}\n  - {name: api}\n",
			images: []string{"web . spa build:web dist - npm", "api . node - - npm run webui npm"}},
		{name: "an explicit kind wins over a Dockerfile", src: Files{
			"package.json": `{"scripts":{"start":"node index.js"},"dependencies":{"express":"4"}}`, "package-lock.json": "{}", "Dockerfile": "FROM node",
		}, yaml: "images:\n  - {name: api, kind: node}\n", images: []string{"api . node - - npm start npm"}},
		{name: "without a kind, the Dockerfile is offered", src: Files{
			"package.json": `{"scripts":{"start":"node index.js"},"dependencies":{"express":"4"}}`, "package-lock.json": "{}", "Dockerfile": "FROM node",
		}, yaml: "images:\n  - {name: api}\n", images: []string{"api . node - - npm start npm"},
			explain: []string{"Dockerfile is available too: set kind: dockerfile"}},
		{name: "a folder with only a Dockerfile", src: Files{"svc/Dockerfile": "FROM x"}, yaml: "images:\n  - {name: svc, path: svc, port: 9000}\n",
			images: []string{"svc svc dockerfile - - - "}, explain: []string{"images.svc.kind = dockerfile: no package.json in \"svc\"", "images.svc.dockerfile = Dockerfile"}},
		{name: "Next.js with pnpm", src: Files{
			"package.json": `{"packageManager":"pnpm@9.12.0","scripts":{"build":"next build"},"dependencies":{"next":"14"}}`, "pnpm-lock.yaml": pnpm9Lock,
			"next.config.mjs": "export default { output: \"standalone\" }",
		}, images: []string{"web . nextjs build .next node server.js pnpm"}, managers: map[string]string{"web": "corepack pnpm@9.12.0 install --frozen-lockfile --store-dir /cache/pnpm"}},
		{name: "what the file says is kept", src: hivemind, yaml: "images:\n  - {name: frontend, kind: spa, build_script: build, output_dir: out}\n  - {name: backend, kind: node, start: node server/index.js, package_manager: npm}\n",
			images: []string{"frontend . spa build out - npm", "backend . node - - node server/index.js npm"}},
		{name: "every image's problem at once", src: Files{"a/package.json": `{"dependencies":{"express":"4"}}`, "b/package.json": `{"dependencies":{"lodash":"4"}}`, "b/package-lock.json": "{}"},
			yaml: "images:\n  - {name: a, path: a}\n  - {name: b, path: b}\n",
			err:  "images[0] (a): no lockfile in \"a\" or the folders above it"},
		{name: "a declared manager the lockfile contradicts", src: hivemind, yaml: "images:\n  - {name: frontend, kind: spa, package_manager: pnpm}\n",
			err: `images[0] (frontend): choosing the package manager of ".": stack.yaml says pnpm, but the lockfile is package-lock.json`},
		{name: "ambiguous: a SPA and a server, and a name that does not say", src: hivemind, yaml: "images:\n  - {name: thing}\n",
			err: `the folder holds spa and node images and the name "thing" does not say which this is`},
		{name: "nothing to detect", src: Files{"README.md": ""}, err: "no package.json or Dockerfile"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := parse(t, tt.yaml)
			res, err := Complete(cfg, tt.src)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, img := range res.Config.Images {
				got = append(got, describeImage(img)+" "+string(img.PackageManager))
			}
			if strings.Join(got, "\n") != strings.Join(tt.images, "\n") {
				t.Errorf("images\n got %q\nwant %q", got, tt.images)
			}
			for name, install := range tt.managers {
				if g := strings.Join(res.Managers[name].Install(), " "); g != install {
					t.Errorf("%s installs with %q, want %q", name, g, install)
				}
			}
			for _, e := range tt.explain {
				if !strings.Contains(res.Explain(), e) {
					t.Errorf("Explain() =\n%s\nwant it to contain %q", res.Explain(), e)
				}
			}
			if _, err := config.Effective(res.Config, config.Overrides{}); err != nil {
				t.Errorf("the completed configuration is not valid:\n%v", err)
			}
		})
	}
}

// TestCompleteHiveMindIsTheDefault checks that detection on the sample app
// gives the defaults the module documents, the package manager aside.
func TestCompleteHiveMindIsTheDefault(t *testing.T) {
	t.Parallel()
	res, err := Complete(config.Config{}, hivemind)
	if err != nil {
		t.Fatal(err)
	}
	got, err := config.Effective(res.Config, config.Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	want := config.Defaults()
	for i := range want.Images {
		want.Images[i].PackageManager = config.PackageManagerNPM
	}
	g, _ := config.Marshal(got)
	w, _ := config.Marshal(want)
	if !reflect.DeepEqual(g, w) {
		t.Errorf("detected:\n%s\ndefaults:\n%s", g, w)
	}
}
