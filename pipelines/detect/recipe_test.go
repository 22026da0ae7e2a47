package detect

import (
	"os"
	"strings"
	"testing"

	"github.com/stack-ci/stack/pipelines/config"
)

// hivemind is the sample app on disk.
var hivemind = FS(os.DirFS("../../examples/hivemind"))

func TestDetectRecipes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		src     Source
		dir     string
		pm      Tool
		want    []Recipe // Why and Warnings checked by substring
		why     string
		warning string
		err     string
	}{
		{name: "HiveMind: a SPA and its server from one package.json", src: hivemind, pm: NPM,
			want: []Recipe{
				{Kind: config.KindSPA, BuildScript: "build:web", OutputDir: "dist", Dockerfile: ""},
				{Kind: config.KindNode, Start: "npm run webui"},
			}, why: "vite.config.js writes to dist"},
		{name: "Vite SPA with its own outDir", pm: NPM, src: Files{
			"package.json":   `{"scripts":{"build":"tsc && vite build","dev":"vite"},"devDependencies":{"vite":"5.4.0","typescript":"5.6.0"},"dependencies":{"react":"18.3.1"}}`,
			"vite.config.ts": "export default defineConfig({ build: { outDir: 'public/app' } })",
		}, want: []Recipe{{Kind: config.KindSPA, BuildScript: "build", OutputDir: "public/app"}}},
		{name: "Create React App", pm: Yarn, src: Files{
			"package.json": `{"scripts":{"start":"react-scripts start","build":"react-scripts build"},"dependencies":{"react-scripts":"5.0.1"}}`,
		}, want: []Recipe{{Kind: config.KindSPA, BuildScript: "build", OutputDir: "build"}}},
		{name: "a SPA whose bundler no script runs", pm: NPM, src: Files{
			"package.json": `{"devDependencies":{"vite":"5"}}`,
		}, want: []Recipe{{Kind: config.KindSPA, OutputDir: "dist"}}, warning: "no script runs the vite build"},
		{name: "Next.js standalone", pm: PNPM, src: Files{
			"package.json":   `{"scripts":{"dev":"next dev","build":"next build","start":"next start"},"dependencies":{"next":"14.2.5","react":"18.3.1"}}`,
			"next.config.js": "module.exports = { output: 'standalone' }",
		}, want: []Recipe{{Kind: config.KindNextJS, BuildScript: "build", OutputDir: ".next", Start: "node server.js"}}, why: "next.config.js sets output: 'standalone'"},
		{name: "Next.js without standalone, another distDir", pm: NPM, src: Files{
			"package.json":    `{"scripts":{"compile":"next build"},"dependencies":{"next":"15.0.0"}}`,
			"next.config.mjs": "export default { distDir: 'out/next' }",
		}, want: []Recipe{{Kind: config.KindNextJS, BuildScript: "compile", OutputDir: "out/next", Start: "node server.js"}}, warning: "next.config.mjs does not set output: 'standalone'"},
		{name: "Next.js without a config", pm: NPM, src: Files{"package.json": `{"dependencies":{"next":"15.0.0"}}`},
			want: []Recipe{{Kind: config.KindNextJS, BuildScript: "build", OutputDir: ".next", Start: "node server.js"}}, warning: "no next.config.*"},
		{name: "TypeScript Express API with yarn", dir: "backend", pm: Yarn, src: Files{
			"backend/package.json": `{"main":"dist/main.js","scripts":{"build":"tsc -p tsconfig.build.json","start":"node dist/main.js","dev":"ts-node-dev src/main.ts"},"dependencies":{"express":"4.19.2"},"devDependencies":{"typescript":"5.6.2"}}`,
			"backend/tsconfig.json": `{ // comments are allowed here
  "compilerOptions": { "outDir": "./build", "strict": true, },
}`,
			"backend/Dockerfile": "FROM node:20-alpine",
		}, want: []Recipe{{Kind: config.KindNode, BuildScript: "build", OutputDir: "build", Start: "node dist/main.js", Dockerfile: "Dockerfile"}},
			why: `TypeScript compiled by the "build" script into build/`},
		{name: "NestJS with pnpm, start script needs a shell", pm: PNPM, src: Files{
			"package.json": `{"scripts":{"build":"nest build","start":"NODE_ENV=production node dist/main"},"dependencies":{"@nestjs/core":"10.0.0"},"devDependencies":{"typescript":"5"}}`,
		}, want: []Recipe{{Kind: config.KindNode, BuildScript: "build", OutputDir: "dist"}}, warning: "needs a shell and pnpm is not in the runtime image"},
		{name: "plain Fastify with npm start", pm: NPM, src: Files{
			"package.json": `{"scripts":{"start":"node server.js"},"dependencies":{"fastify":"4.28.1"}}`,
		}, want: []Recipe{{Kind: config.KindNode, Start: "npm start"}}},
		{name: "Koa started by main", pm: NPM, src: Files{
			"package.json": `{"main":"src/index.js","dependencies":{"koa":"2.15.0"}}`,
		}, want: []Recipe{{Kind: config.KindNode, Start: "node src/index.js"}}, why: "starts with node src/index.js (package.json main)"},
		{name: "a start script, no known framework", pm: NPM, src: Files{
			"package.json": `{"scripts":{"start":"node worker.js"},"dependencies":{"bullmq":"5"}}`,
		}, want: []Recipe{{Kind: config.KindNode, Start: "npm start"}}, why: "no known server framework"},
		{name: "a server without a start", pm: NPM, src: Files{
			"package.json": `{"dependencies":{"express":"4"}}`,
		}, want: []Recipe{{Kind: config.KindNode}}, warning: "no start script and no main"},
		{name: "a Dockerfile alone", dir: "svc", src: Files{"svc/Dockerfile": "FROM scratch"},
			want: []Recipe{{Kind: config.KindDockerfile, Dockerfile: "Dockerfile"}}, why: `no package.json in "svc"`},
		{name: "a library and a Dockerfile", src: Files{"package.json": `{"dependencies":{"lodash":"4"}}`, "Dockerfile": "FROM x"},
			want: []Recipe{{Kind: config.KindDockerfile, Dockerfile: "Dockerfile"}}, why: "shows no known framework"},
		{name: "a library", src: Files{"package.json": `{"dependencies":{"lodash":"4"}}`}, err: `detecting how to build ".": package.json depends on no known framework`},
		{name: "nothing", dir: "empty", src: Files{"other/x": ""}, err: `detecting how to build "empty": it has neither a package.json nor a Dockerfile`},
		{name: "broken package.json", src: Files{"package.json": `{`}, err: "reading package.json: unexpected end of JSON input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := tt.dir
			if dir == "" {
				dir = "."
			}
			got, err := DetectRecipes(tt.src, dir, tt.pm)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d recipes %+v, want %d", len(got), got, len(tt.want))
			}
			var whys, warnings []string
			for i, r := range got {
				whys, warnings = append(whys, r.Why), append(warnings, r.Warnings...)
				r.Why, r.Warnings = "", nil
				if r.Kind != tt.want[i].Kind || r.BuildScript != tt.want[i].BuildScript || r.OutputDir != tt.want[i].OutputDir || r.Start != tt.want[i].Start || r.Dockerfile != tt.want[i].Dockerfile {
					t.Errorf("recipe %d\n got %+v\nwant %+v", i, r, tt.want[i])
				}
			}
			if !strings.Contains(strings.Join(whys, "\n"), tt.why) {
				t.Errorf("why %q, want it to contain %q", whys, tt.why)
			}
			if tt.warning != "" && !strings.Contains(strings.Join(warnings, "\n"), tt.warning) {
				t.Errorf("warnings %q, want one containing %q", warnings, tt.warning)
			} else if tt.warning == "" && len(warnings) > 0 {
				t.Errorf("unexpected warnings %q", warnings)
			}
		})
	}
}
