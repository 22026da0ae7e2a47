package detect

import (
	"strings"
	"testing"

	"github.com/stack-ci/stack/pipelines/config"
)

// FuzzParsePackageManagerField: never panics; what it accepts writes back
// to the same field.
//
//	go test ./pipelines/detect -run XXX -fuzz FuzzParsePackageManagerField -fuzztime 60s
func FuzzParsePackageManagerField(f *testing.F) {
	for _, s := range []string{"pnpm@9.12.0", "yarn@1.22.22+sha512.abc", "npm@10.9.0", "yarn@4.0.0-rc.1", "pnpm@latest", "@", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParsePackageManagerField(s)
		if err != nil {
			return
		}
		again, err := ParsePackageManagerField(got.String())
		if err != nil || again != got {
			t.Fatalf("%q → %+v → %q → %+v, %v", s, got, got.String(), again, err)
		}
	})
}

// FuzzShipsCorepack: never panics; only official node images (a repository
// named node) can lack corepack or yarn, and an image without yarn (Node
// 26+) has no corepack either.
//
//	go test ./pipelines/detect -run XXX -fuzz FuzzShipsCorepack -fuzztime 60s
func FuzzShipsCorepack(f *testing.F) {
	for _, s := range []string{"node:20-alpine", "node:26", "node:lts-alpine", "node:iron", "ghcr.io/acme/node:25.1", "node@sha256:00", "nginx:alpine", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ref string) {
		corepack, yarn := ShipsCorepack(ref), ShipsYarn(ref)
		if (!corepack || !yarn) && !strings.Contains(ref, "node") {
			t.Fatalf("%q: corepack %v, yarn %v, but it is no node image", ref, corepack, yarn)
		}
		if !yarn && corepack {
			t.Fatalf("%q: no yarn but corepack", ref)
		}
	})
}

// FuzzComplete feeds detection arbitrary manifests, lockfiles and
// workspace files: it must never panic, and what it completes without an
// error must carry a kind for every image.
//
//	go test ./pipelines/detect -run XXX -fuzz FuzzComplete -fuzztime 60s
func FuzzComplete(f *testing.F) {
	f.Add(`{"scripts":{"build:web":"vite build","webui":"node server/index.js"},"dependencies":{"express":"5"},"devDependencies":{"vite":"8"}}`, "package-lock.json", "{}", "", "export default { build: { outDir: '../dist' }, root: 'web' }")
	f.Add(`{"packageManager":"pnpm@9.12.0","workspaces":["apps/*"]}`, "pnpm-lock.yaml", pnpm9Lock, "packages: ['apps/*', '!apps/x']", "")
	f.Add(`{"dependencies":{"next":"14"}}`, "yarn.lock", yarnBerryLock, "", "module.exports = {output:'standalone'}")
	f.Add(`{"main":"x.js","scripts":{"start":"A=1 node x"}}`, "yarn.lock", yarnClassicLock, "packages: [", "")
	f.Add(`{"workspaces":{"packages":"x"}}`, "bun.lockb", "", "", "")
	f.Fuzz(func(t *testing.T, pkgJSON, lockName, lock, workspace, viteConfig string) {
		files := Files{
			"package.json":          pkgJSON,
			lockName:                lock,
			"vite.config.js":        viteConfig,
			"next.config.js":        viteConfig,
			"apps/web/package.json": pkgJSON,
			"backend/package.json":  pkgJSON,
			".yarnrc.yml":           workspace,
		}
		if workspace != "" {
			files["pnpm-workspace.yaml"] = workspace
		}
		res, err := Complete(config.Config{}, files)
		if err != nil {
			return
		}
		for _, img := range res.Config.Images {
			if img.Kind == "" {
				t.Fatalf("image %q without a kind", img.Name)
			}
		}
		_ = res.Explain()
	})
}
