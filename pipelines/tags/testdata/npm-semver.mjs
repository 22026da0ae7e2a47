// Regenerates npm-semver.jsonl: npm semver's own answers for the version
// strings the Go tests compare ParseVersion with. Not run by the tests.
//
//   mkdir /tmp/npmsemver && cd /tmp/npmsemver && npm install semver@7.8.5
//   NODE_PATH=/tmp/npmsemver/node_modules node npm-semver.mjs > npm-semver.jsonl
//
// semver 7.8.5 is the version docker/metadata-action's package.json pins
// ("semver": "^7.8.5"). Each line: the input, semver.valid(input) (the strict
// test metadata-action applies) and whether semver.prerelease(input) is set.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const semver = require('semver');

const inputs = [
  // README and __tests__ fixtures of docker/metadata-action
  'v1.2.3', '1.2.3', 'v1.1.1', 'v2.0.8-beta.67', 'v2.1.8-beta.67', 'v1.2.3rc2', '1.2.3rc2',
  '1.2', 'v1.2', '1.2post1', '1.1beta2', '1.0dev4', '20200110-RC2', 'p1/v1.0.0', 'p1-v1.0.0',
  'release1', 'sometag', 'release-2024', 'v0.1.2', '0.1.2',
  // the brief's invalid examples and their neighbours
  'vx', 'v', '', '1.2.3.4', 'v1.2.3.4', '1', 'v1', '1.2.', '1..3', '.1.2.3',
  // prefixes
  'V1.2.3', '=1.2.3', 'vv1.2.3', 'v=1.2.3', ' 1.2.3', '1.2.3 ', 'v 1.2.3', '\t1.2.3\n',
  // leading zeros
  '01.2.3', '1.02.3', '1.2.03', '0.0.0', 'v0.0.0', '00.0.0',
  '1.2.3-0', '1.2.3-00', '1.2.3-01', '1.2.3-0a', '1.2.3-00a', '1.2.3-a.01', '1.2.3-a.0',
  // pre-release and build shapes
  '1.2.3-rc.1', '1.2.3-rc1', '1.2.3-RC.1', '1.2.3--', '1.2.3-', '1.2.3-.', '1.2.3-a..b',
  '1.2.3-a.', '1.2.3-a_b', '1.2.3-a/b', '1.2.3-alpha.beta.1.2',
  '1.2.3+build', '1.2.3+build.5', '1.2.3+001', '1.2.3+', '1.2.3+a..b', '1.2.3+a+b',
  '1.2.3-rc.1+build.5', '1.2.3+build-rc', '1.2.3-rc+', 'v1.2.3+exp.sha.5114f85',
  // unicode and odd characters
  '1.2.3-é', '１.2.3', '1.2.3-rc.1\u0000', '1.2.3\u00a0', '\u00a01.2.3', '\ufeff1.2.3',
  // number limits
  '9007199254740991.0.0', '9007199254740992.0.0', '0.9007199254740991.0', '0.0.9007199254740992',
  '99999999999999999.0.0', '1.2.3-9007199254740991', '1.2.3-9007199254740992',
  '1.2.3-99999999999999999999',
  // length limit (256)
  '1.2.3-' + 'a'.repeat(250), '1.2.3-' + 'a'.repeat(251), '1.2.3+' + 'b'.repeat(250),
  'v1.2.3-' + 'a'.repeat(249), 'v1.2.3-' + 'a'.repeat(250),
];

// A systematic sweep: small cores with every separator/suffix combination.
for (const core of ['0.0.0', '1.2.3', '10.20.30', '1.2', '1.2.3.4']) {
  for (const pre of ['', 'v']) {
    for (const tail of ['', '-rc.1', '-0', '-01', '-x.7.z.92', '+b', '+b.01', '-rc+b', '.x', 'x']) {
      inputs.push(pre + core + tail);
    }
  }
}

const seen = new Set();
for (const input of inputs) {
  if (seen.has(input)) continue;
  seen.add(input);
  const valid = semver.valid(input);
  const prerelease = valid !== null && semver.prerelease(input) !== null;
  process.stdout.write(JSON.stringify({ in: input, valid, prerelease }) + '\n');
}
