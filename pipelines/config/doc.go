// Package config reads an application's stack.yaml (or stack.yml) at the
// source root: the shape of the app declared once — its images, services
// and smoke checks — and how the pipeline gates, tags and publishes it.
// Every key is optional; absent keys take the HiveMind defaults (one
// package.json at the root; a "frontend" SPA built by `npm run build:web`
// into dist/ and served by nginx with nginx/default.conf; a "backend" Node
// server started by `npm run webui` on port 8765 with health at /health;
// postgres:15-alpine and redis:7-alpine; node:20-alpine and nginx:alpine).
//
// # Using it from ci/
//
//	cfg, err := config.Parse("stack.yaml", data)      // as written; all problems at once
//	res, err := detect.Complete(cfg, src)             // kinds, package managers, images (package detect)
//	eff, err := config.Effective(res.Config, overrides) // defaults, then the command line, validated
//	out, err := config.Marshal(eff)                   // `dagger call config`
//
// An effective Config has every field set that its kinds use, so ci/ reads
// plain values: for each Image, Kind, Path, BuildScript, OutputDir, Start,
// Port, HealthPath, NginxConfig, BaseImage, RuntimeImage, User, Dockerfile…
// (paths inside an image are relative to its Path; Image.File joins them).
// Helpers turn sections into the sibling packages' types: Tags.Config
// (tags.Config), Policy.For (policy waivers of an image), Budgets.Budgets
// (budget.Budgets), Scan.Policy (scan.Policy), Smoke.Target (smoke.Target),
// Smoke.Enabled (the standard checks left on). Config.FrontDoor,
// Config.Image, Config.Title, Config.Repository and Config.SecretNames
// answer the usual questions.
//
// # Environment and secrets
//
// Credentials of the services are generated per run by the pipeline. The
// file says under which names the app receives them:
// services.database.env and services.redis.env map variable names to
// templates of facts — {{database.host}}, .port, .name, .user, .password,
// .url (postgresql://user:pass@host:port/db, or mysql://… for mysql and
// mariadb), {{redis.host}}, .port, .password, .url, and
// {{images.NAME.host}}, .port, .url — with HiveMind's POSTGRES_*, REDIS_*,
// DATABASE_URL and REDIS_URL as defaults, given to services.consumers.
// An image's own env holds literals, templates, {secret: NAME} (a secret
// given to the pipeline) or {from_service: FACT}. A literal value for a
// secret-looking name (LooksSecret: PASSWORD, TOKEN, SECRET, KEY…) or a URL
// with a literal password is an error, so the file, and what Marshal
// prints, only ever holds references. Config.RuntimeEnv gives an image's
// variables; EnvValue.IsSecret says which to pass as *dagger.Secret;
// DatabaseFacts, RedisFacts and ImageFacts build the values and
// EnvValue.Resolve expands them.
//
// # Errors
//
// Parse and Effective return Errors: every problem, sorted by position, each
// an *Error printed as FILE:LINE:COL: PATH: MESSAGE — unknown keys with a
// did-you-mean suggestion, values of the wrong type ("images[1].port: want
// an integer from 1 to 65535, got \"eighty\""), invalid values (sizes,
// severities, image references, paths outside the source, kinds, duplicate
// names, two possible front doors, a dockerfile image without a
// Dockerfile…). Problems with command-line arguments name the argument
// ("--backend-port: …"). testdata/errors holds one golden file per family.
//
// # Command line
//
// Overrides are the module's arguments; a zero field is "not given", and a
// given one wins over the file. The HiveMind-shaped arguments apply to the
// frontend (the image named frontend, else the spa front door) and the
// backend (the image named backend, else the only node image).
//
// # Editors
//
// Schema returns schema.json (JSON schema, draft 2020-12), generated from
// these types and their comments by the tests (-update rewrites it). The
// tests check it accepts every example and rejects malformed files.
package config
