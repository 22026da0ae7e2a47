package detect

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stack-ci/stack/pipelines/config"
)

// splitApp is frontend/ (Vite, yarn classic) and backend/ (TypeScript
// Express, yarn classic), each with its own manifest and lockfile, and a
// root package.json that only runs both in development.
var splitApp = Files{
	"package.json":                `{"private":true,"scripts":{"dev":"concurrently \"yarn --cwd frontend dev\" \"yarn --cwd backend dev\""},"devDependencies":{"concurrently":"8"}}`,
	"frontend/package.json":       `{"scripts":{"dev":"vite","build":"vite build"},"dependencies":{"react":"18"},"devDependencies":{"vite":"5"}}`,
	"frontend/yarn.lock":          yarnClassicLock,
	"frontend/nginx.conf":         "server {}",
	"backend/package.json":        `{"scripts":{"build":"tsc","start":"node dist/main.js"},"dependencies":{"express":"4"},"devDependencies":{"typescript":"5"}}`,
	"backend/yarn.lock":           yarnClassicLock,
	"backend/tsconfig.json":       `{"compilerOptions":{"outDir":"dist"}}`,
	"docs/README.md":              "# docs",
	"node_modules/x/package.json": `{"dependencies":{"express":"4"}}`,
}

// pnpmMonorepo is a pnpm workspace: two apps and a library.
var pnpmMonorepo = Files{
	"package.json":             `{"private":true,"packageManager":"pnpm@9.12.0","scripts":{"build":"turbo build"}}`,
	"pnpm-workspace.yaml":      "packages:\n  - 'apps/*'\n  - 'packages/*'\n  - '!apps/legacy'\n",
	"pnpm-lock.yaml":           pnpm9Lock,
	"apps/web/package.json":    `{"scripts":{"build":"vite build"},"devDependencies":{"vite":"5"}}`,
	"apps/api/package.json":    `{"scripts":{"build":"tsc","start":"node dist/server.js"},"dependencies":{"fastify":"4"},"devDependencies":{"typescript":"5"}}`,
	"apps/legacy/package.json": `{"dependencies":{"express":"3"}}`,
	"packages/ui/package.json": `{"main":"index.js","dependencies":{"react":"18"}}`,
}

func TestLayout(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  Source
		want []string // "name path kind build output start"
		why  string
		err  string
	}{
		{name: "HiveMind: two images from one folder", src: hivemind,
			want: []string{"frontend . spa build:web dist -", "backend . node - - npm run webui"}, why: "one package.json at the root"},
		{name: "frontend/ and backend/ folders", src: splitApp,
			want: []string{"backend backend node build dist node dist/main.js", "frontend frontend spa build dist -"},
			why:  "folders with their own package.json: backend, frontend"},
		{name: "a pnpm workspace", src: pnpmMonorepo,
			want: []string{"api apps/api node build dist node dist/server.js", "web apps/web spa build dist -"},
			why:  "packages/ui left out: a library"},
		{name: "npm workspaces, object form", src: Files{
			"package.json":            `{"workspaces":{"packages":["services/*"]}}`,
			"package-lock.json":       "{}",
			"services/a/package.json": `{"scripts":{"start":"node a.js"},"dependencies":{"koa":"2"}}`,
			"services/b/package.json": `{"dependencies":{"next":"14"}}`,
		}, want: []string{"a services/a node - - npm start", "b services/b nextjs build .next node server.js"}, why: "package.json workspaces: services/*"},
		{name: "one workspace folder with a SPA and its server", src: Files{
			"package.json": `{"workspaces":["app"]}`, "package-lock.json": "{}",
			"app/package.json": `{"scripts":{"build":"vite build","serve":"node server.js"},"dependencies":{"express":"4"},"devDependencies":{"vite":"5"}}`,
		}, want: []string{"app-frontend app spa build dist -", "app-backend app node - - npm run serve"}},
		{name: "Next.js at the root", src: Files{"package.json": `{"scripts":{"build":"next build"},"dependencies":{"next":"14"}}`, "pnpm-lock.yaml": pnpm9Lock},
			want: []string{"web . nextjs build .next node server.js"}},
		{name: "a Dockerfile at the root", src: Files{"Dockerfile": "FROM x", "main.go": "package main"},
			want: []string{"app . dockerfile - - -"}, why: "a Dockerfile at the root"},
		{name: "nothing to build", src: Files{"README.md": "hi"}, err: "no package.json or Dockerfile at the root or in the folders under it"},
		{name: "a root library", src: Files{"package.json": `{"dependencies":{"lodash":"4"}}`}, err: "package.json depends on no known framework"},
		{name: "an empty workspace", src: Files{"package.json": `{"workspaces":["libs/*"]}`, "libs/a/package.json": `{"main":"a.js"}`}, err: "the workspace folders (libs/*) hold no app"},
		{name: "a broken workspace file", src: Files{"pnpm-workspace.yaml": "packages: [", "package.json": "{}"}, err: "reading pnpm-workspace.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			plan, err := Layout(tt.src)
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
			for _, p := range plan.Images {
				got = append(got, describeImage(p.Image))
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("images\n got %q\nwant %q", got, tt.want)
			}
			if !strings.Contains(strings.Join(plan.Why, "\n"), tt.why) {
				t.Errorf("why %q, want it to contain %q", plan.Why, tt.why)
			}
		})
	}
}

func describeImage(img config.Image) string {
	dash := func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	}
	return fmt.Sprintf("%s %s %s %s %s %s", img.Name, img.Path, img.Kind, dash(img.BuildScript), dash(img.OutputDir), dash(img.Start))
}
