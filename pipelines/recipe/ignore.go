package recipe

// ContextIgnore keeps dependencies, build output and VCS data out of the
// build context the module loads from the host: they are rebuilt inside the
// pipeline and would only make uploads slow and caches miss. ci/main.go
// repeats this list in its +ignore pragma (a test checks they agree).
var ContextIgnore = []string{
	"**/node_modules",
	"**/dist",
	"**/build",
	"**/.next",
	"**/coverage",
	"**/.cache",
	"**/.git",
	"**/*.log",
	"**/.env",
	"**/.env.*",
	"**/.DS_Store",
}

// BackendExclude keeps what the backend does not run out of its runtime
// image: the SPA's sources and build setup, tests, TypeScript sources, source
// maps, docs, container files and the pipeline's own (stack.yaml,
// .trivyignore). Patterns are relative to the source root.
var BackendExclude = []string{
	"node_modules",
	"dist",
	"web",
	"src",
	"public",
	"test",
	"tests",
	"nginx",
	"**/*.ts",
	"**/*.tsx",
	"**/*.map",
	"**/*.test.js",
	"**/*.spec.js",
	"**/*.md",
	"index.html",
	"vite.config.*",
	"tsconfig*.json",
	"Dockerfile*",
	".dockerignore",
	".gitignore",
	".github",
	"stack.yaml",
	"stack.yml",
	".trivyignore",
}

// SourceMapPattern matches the source maps removed from the frontend image
// unless source maps are asked for.
const SourceMapPattern = "**/*.map"
