// Package detect decides, from an application's files, what stack.yaml
// leaves unsaid: the package manager of each image's folder and the exact
// commands to run it, the recipe (kind) of each image, and the images
// themselves when stack.yaml lists none. Every decision comes with an
// explanation for `dagger call config`.
//
// The source is read through Source (ReadFile, ReadDir): ci/ implements it
// over a *dagger.Directory, tests use Files (a map of paths to contents) or
// FS (any fs.FS, e.g. the sample app on disk). Nothing here runs a
// container.
//
// # Package managers
//
// DetectManager reads, by authority: package.json's packageManager field
// ("pnpm@9.12.0+sha512.…", which pins the exact version), the lockfile
// (package-lock.json or npm-shrinkwrap.json: npm; yarn.lock with the
// "# yarn lockfile v1" header: yarn classic, with __metadata: yarn berry;
// pnpm-lock.yaml: pnpm), looked for in the folder and then up to the
// workspace root, and stack.yaml's package_manager. Disagreement is a
// *ConflictError; no lockfile is a *NoLockfileError (frozen installs need
// one).
//
// A Manager gives argument lists, run without a shell in Manager.Root:
//
//	                 npm                    yarn classic                          yarn berry                               pnpm
//	Install          npm ci                 yarn install --frozen-lockfile        yarn install --immutable                 pnpm install --frozen-lockfile
//	InstallProd      npm ci --omit=dev      yarn install --frozen-lockfile        yarn workspaces focus --all --production pnpm install --prod --frozen-lockfile
//	                                        --production
//	Prune            npm prune --omit=dev   (the production install)              (the production install)                 pnpm prune --prod
//	Run(s)           npm run s              yarn run s                            yarn run s                               pnpm run s
//
// Only what the node images ship is assumed in the base image: node, npm,
// and, up to Node 24 and 25, corepack and yarn 1. yarn classic runs as the
// image's own yarn (Launcher Bundled: nothing to download, no corepack
// needed). pnpm and yarn berry are launched with `corepack pnpm@VERSION …`
// / `corepack yarn@VERSION …` (Launcher Corepack: no `corepack enable`,
// which writes to node's bin directory). On the official node images that
// ship no corepack (Node 25 on) or no yarn (Node 26 on), the tool runs
// through `npx --yes pnpm@VERSION …` / `npx --yes yarn@1 …` instead
// (Launcher Npx; see ShipsCorepack, ShipsYarn and Manager.ForImage); a
// berry release committed under yarnPath runs with node directly. Without a
// pinned version the major version comes from the lockfile's format
// (pnpm-lock.yaml 9.0: pnpm@9; __metadata version 8: yarn@4).
//
// Manager.Caches and Manager.Env name the cache mounts and point the tools
// at them: npm's cache (npm_config_cache), yarn classic's YARN_CACHE_FOLDER,
// berry's YARN_GLOBAL_FOLDER, pnpm's store (--store-dir and
// npm_config_store_dir), and COREPACK_HOME for corepack's downloads.
//
// # Recipes
//
// DetectRecipes reads a folder's package.json:
//
//   - next in the dependencies: nextjs (and a warning unless next.config.*
//     sets output: 'standalone');
//   - a bundler (vite, react-scripts, vue-cli, angular, parcel, webpack,
//     rsbuild): spa, with the script that runs its build (build:web first,
//     then build) and its output folder (vite.config's root and outDir);
//   - a server framework in the runtime dependencies (express, fastify,
//     koa, hapi, nest, hono, socket.io…), or a start script or main: node,
//     with a build step when TypeScript is compiled by a script (tsc, nest
//     build, tsup…) into tsconfig's outDir, and the start command;
//   - a bundler and a server in one package.json: both, two images from one
//     folder (HiveMind);
//   - a Dockerfile: offered in Recipe.Dockerfile, chosen only when nothing
//     else applies, never over a kind stack.yaml names.
//
// Layout proposes the images of a whole tree: a workspace (package.json
// workspaces or pnpm-workspace.yaml) gives one image per app folder; a root
// package.json gives its recipes; otherwise each folder under the root with
// its own package.json (frontend/ and backend/) gives its own.
//
// Complete applies all of it to a parsed config.Config, filling only what
// the file leaves out, and returns the Managers for ci/ and the Decisions;
// config.Effective then applies the defaults and the command line.
package detect
