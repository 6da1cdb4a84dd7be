// Checks that a release version is the one the repository describes, and prints its release notes.
//   node .ci/release-check.mjs VERSION
// VERSION (a tag without its leading v) must equal package.json's version and Chart.yaml's
// version, appVersion and Artifact Hub image (the chart is released with the app, so the image tag the chart deploys
// by default is the release's), and CHANGELOG.md must have a `## [VERSION] - YYYY-MM-DD` section:
// its text goes to stdout, for the release notes. Any mismatch: a message per problem, exit 1.
// Node built-ins only: the release workflow runs it before `npm ci`.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const read = (file) => readFileSync(join(root, file), 'utf8');
const version = process.argv[2] ?? '';
const problems = [];

// Semantic Versioning 2.0.0, as Helm requires of chart versions.
if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.test(version))
  problems.push(`"${version}" is not a semantic version (tag vX.Y.Z)`);

const pkg = JSON.parse(read('package.json')).version;
if (pkg !== version) problems.push(`package.json has version ${pkg}`);

const chart = read('charts/jobguard/Chart.yaml');
const field = (name) => new RegExp(`^${name}:\\s*['"]?([^'"\\s]+)['"]?\\s*$`, 'm').exec(chart)?.[1];
for (const name of ['version', 'appVersion'])
  if (field(name) !== version) problems.push(`charts/jobguard/Chart.yaml has ${name} ${field(name)}`);

const images = /^ {6}image: (\S+)$/gm;
for (const [, image] of chart.matchAll(images))
  if (!image.endsWith(`:${version}`))
    problems.push(`charts/jobguard/Chart.yaml's artifacthub.io/images names ${image}`);

const changelog = read('CHANGELOG.md');
const escaped = version.replace(/[.+]/g, '\\$&');
const heading = new RegExp(`^## \\[${escaped}\\] - \\d{4}-\\d{2}-\\d{2}$`, 'm').exec(changelog);
let notes = '';
if (!heading) {
  problems.push(`CHANGELOG.md has no "## [${version}] - YYYY-MM-DD" section`);
} else {
  const rest = changelog.slice(heading.index + heading[0].length);
  const next = rest.search(/^## |^\[[^\]]+\]: /m);
  notes = (next === -1 ? rest : rest.slice(0, next)).trim();
  if (notes === '') problems.push(`CHANGELOG.md's section for ${version} is empty`);
}

if (problems.length > 0) {
  for (const p of problems) console.error(`release ${version}: ${p}`);
  process.exit(1);
}
process.stdout.write(`${notes}\n`);
