// Package tags computes image tags and OCI labels from a git context the way
// docker/metadata-action does, so a laptop, a pre-push hook, a release script
// and a GitHub Actions job all produce the same tags.
//
// The inputs are a Context (event, ref, sha, PR head sha, default branch,
// repository; built by FromGitHubEnv or FromLocalGit), a Config (which kinds
// of tags, the latest mode, the prefix/suffix flavor, the short sha length,
// the default branch) and the creation time. Compute returns the tags, most
// specific first and each with the reason it was made, and the labels.
//
// # What it reproduces
//
// Each Kind is one metadata-action `tags` entry with its default priority,
// which orders the list: schedule 1000, semver 900, edge 700, ref (branch,
// tag, pr) 600, raw 200, sha 100. The first tag is the image version. In
// latest=auto mode the first tag decides `latest`: a stable semver tag or a
// type=ref,event=tag tag adds it, anything else does not. A pre-release
// (v1.2.3-rc.1) gets only 1.2.3-rc.1, whatever the pattern, and no `latest`.
// Branch and tag names are sanitised as metadata-action does (runs of
// characters outside [A-Za-z0-9_.-] become "-", case is kept). The pr and sha
// kinds keep their "pr-" and "sha-" prefix in place of the flavor prefix.
// Labels are title, description, url, source, version, created, revision
// and licenses, sorted by key, empty values kept.
//
// # Where it differs, and why
//
//   - Versions: metadata-action tests git tags with npm semver's strict
//     semver.valid. ParseVersion implements exactly that grammar by hand (a
//     single lowercase "v" allowed, no leading zeros, numbers up to 2^53-1, at
//     most 256 characters; testdata/npm-semver.jsonl records npm semver 7.8.5's
//     own answers and the tests compare), except that surrounding whitespace,
//     which npm trims, is rejected. Masterminds/semver was not used: its
//     NewVersion coerces "v1.2" to 1.2.0 and StrictNewVersion refuses the "v".
//   - Build metadata: as in npm semver, {{version}} leaves it out, so
//     v1.2.3+build.5 gives 1.2.3, 1.2 and 1; only KindTag shows it, with
//     "+" turned into "-" by sanitising (v1.2.3-build.5). Release refuses it.
//   - Major version zero: metadata-action emits "0" for {{major}}; its README
//     says to disable that for v0 tags. KindSemverMajor skips 0 unless
//     Config.MajorZero is set.
//   - Tag validity: metadata-action only replaces characters, so a branch
//     "-x" or a 200-character branch gives a tag the registry refuses. Here
//     leading "." and "-" are dropped and an over-long value is cut to fit 128
//     characters, ending in "-" and 8 hex characters of its sha256; a value
//     with nothing usable left is an error. No invalid tag is ever returned.
//   - {{is_default_branch}}: metadata-action is true for every `create`
//     event; here a create event is judged by its ref (see IsDefaultBranch).
//   - Local git: the tag pointing at HEAD wins over the branch (see
//     FromLocalGit). An unreadable GITHUB_EVENT_PATH is an error, not a
//     warning.
//   - Not reproduced: handlebars patterns and global expressions, type=raw
//     values other than the default-branch `latest` recipe, type=match and
//     type=pep440, per-entry prefix/suffix/priority/enable, custom labels.
//
// # Version tags
//
// Release validates a release tag: "v" then a strict semantic version,
// without build metadata. v1.2.3 yields the tags 1.2.3, 1.2, 1 and latest;
// v1.2.3-rc.1 yields 1.2.3-rc.1 only; v0.4.1 yields 0.4.1 and 0.4 and
// latest.
package tags
