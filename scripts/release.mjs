// The checks of .github/workflows/release.yml, as functions the tests call and a CLI the workflow
// runs, so a release tag is judged the same way on a laptop and on the runner.
//
//   node scripts/release.mjs check-tag v1.2.3   tag is semver and equals v + package.json's version,
//                                               CHANGELOG.md has its notes; prints GITHUB_OUTPUT lines
//   node scripts/release.mjs notes v1.2.3       the CHANGELOG.md section of 1.2.3, as release notes
//   node scripts/release.mjs major-tag v1.2.3   v1, the moving tag a release updates
//   node scripts/release.mjs check-dist         dist/ has no change against the commit (after a build)
//   node scripts/release.mjs publish-manifest   rewrites package.json as npm must publish it (the
//                                               release job's throwaway checkout only)
//   node scripts/release.mjs check-manifest     package.json installs nothing but the tarball
//                                               (prepublishOnly, so a local `npm publish` stops too)
//
// Reads package.json and CHANGELOG.md in the current directory. Exits 1 with `release: <why>` on
// stderr when a check fails, 2 on a usage error.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A release check that failed; its message says what to change. */
export class ReleaseError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ReleaseError';
  }
}

// semver 2.0.0: numeric identifiers without leading zeros, dot-separated prerelease identifiers.
// Build metadata (+...) is refused: npm drops it, so two tags would publish the same version.
const NUMBER = '0|[1-9]\\d*';
const PRE_ID = `(?:${NUMBER}|\\d*[A-Za-z-][0-9A-Za-z-]*)`;
const TAG = new RegExp(`^v(${NUMBER})\\.(${NUMBER})\\.(${NUMBER})(?:-(${PRE_ID}(?:\\.${PRE_ID})*))?$`);

/**
 * Parses a release tag `v<major>.<minor>.<patch>[-<prerelease>]`.
 * @param {string} tag
 * @returns {{ tag: string, version: string, major: number, minor: number, patch: number, prerelease: string | null }}
 */
export function parseTag(tag) {
  const m = TAG.exec(tag);
  if (!m) {
    const hint = /^v?\d+\.\d+\.\d+\+/.test(tag)
      ? ' (build metadata after + is not allowed: npm ignores it)'
      : /^\d/.test(tag)
        ? ' (it must start with v)'
        : '';
    throw new ReleaseError(
      `tag '${tag}' is not a release tag${hint}: expected v<major>.<minor>.<patch> with no leading zeros, optionally -<prerelease>, e.g. v1.2.3 or v1.3.0-rc.1`,
    );
  }
  const [, major, minor, patch, prerelease] = m;
  return { tag, version: tag.slice(1), major: Number(major), minor: Number(minor), patch: Number(patch), prerelease: prerelease ?? null };
}

/**
 * The moving major tag a release updates (`v1` for v1.4.2). Prereleases move none: `@v1` users
 * must never get a release candidate.
 * @param {string} tag
 * @returns {string}
 */
export function majorTag(tag) {
  const t = parseTag(tag);
  if (t.prerelease !== null) throw new ReleaseError(`${tag} is a prerelease: the major tag v${t.major} moves only on a release`);
  return `v${t.major}`;
}

/**
 * The tag must name the version package.json publishes, or npm and the GitHub release disagree.
 * @param {string} tag
 * @param {string} packageVersion package.json's `version`
 */
export function checkTagMatchesPackage(tag, packageVersion) {
  const t = parseTag(tag);
  if (t.version !== packageVersion) {
    throw new ReleaseError(
      `tag ${tag} does not match package.json version ${packageVersion}: the tag must be v followed by package.json's version (set "version": "${t.version}" and tag that commit, or tag v${packageVersion})`,
    );
  }
  return t;
}

/**
 * The body of the `## [<version>]` section of a Keep a Changelog file: the lines up to the next
 * `## ` heading or the link definitions at the end, without surrounding blank lines.
 * @param {string} changelog text of CHANGELOG.md
 * @param {string} version without the leading v
 * @returns {string} the notes, ending in one newline
 */
export function releaseNotes(changelog, version) {
  const lines = changelog.replace(/\r\n/g, '\n').split('\n');
  const heading = /^## \[([^\]]+)\](?:\s+-\s+\S.*)?\s*$/;
  const start = lines.findIndex((l) => heading.exec(l)?.[1] === version);
  if (start < 0) {
    throw new ReleaseError(
      `CHANGELOG.md has no section for ${version}: add "## [${version}] - YYYY-MM-DD" with this release's changes (move them from ## [Unreleased]) before tagging`,
    );
  }
  let end = lines.findIndex((l, i) => i > start && (/^## /.test(l) || /^\[[^\]]+\]:\s/.test(l)));
  if (end < 0) end = lines.length;
  const body = lines.slice(start + 1, end);
  while (body.length > 0 && body[0].trim() === '') body.shift();
  while (body.length > 0 && body.at(-1).trim() === '') body.pop();
  if (body.length === 0) throw new ReleaseError(`CHANGELOG.md's section for ${version} is empty: write this release's changes under it`);
  return `${body.join('\n')}\n`;
}

/**
 * Everything the workflow needs to know about a tag, checked against package.json and CHANGELOG.md
 * in `root`, as `name=value` lines for GITHUB_OUTPUT.
 * @param {string} tag
 * @param {string} [root]
 * @returns {string}
 */
export function checkTag(tag, root = process.cwd()) {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const t = checkTagMatchesPackage(tag, pkg.version);
  releaseNotes(readChangelog(root), t.version);
  const pre = t.prerelease !== null;
  return [
    `version=${t.version}`,
    `major-tag=${pre ? '' : `v${t.major}`}`,
    `prerelease=${pre}`,
    // npm installs `latest` by default: a release candidate goes to `next` so nobody gets it unasked.
    `npm-tag=${pre ? 'next' : 'latest'}`,
    '',
  ].join('\n');
}

function readChangelog(root) {
  try {
    return readFileSync(join(root, 'CHANGELOG.md'), 'utf8');
  } catch (err) {
    if (err?.code === 'ENOENT') throw new ReleaseError('CHANGELOG.md is missing: the release notes come from it');
    throw err;
  }
}

/**
 * Fails when dist/ differs from the commit, after `npm run build` rebuilt it: what `uses:` runs and
 * npm publishes must be what src/ builds to. New untracked files count too (git diff misses them).
 * @param {string} [root]
 */
export function checkDist(root = process.cwd()) {
  const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=all', '--', 'dist/'], { cwd: root, encoding: 'utf8' });
  const changed = status.split('\n').filter(Boolean);
  if (changed.length > 0) {
    throw new ReleaseError(`dist/ differs from a fresh build of src/ (run npm run build and commit dist/):\n${changed.join('\n')}`);
  }
}

/**
 * package.json as npm publishes it: without the linux-x64 test binaries (optionalDependencies),
 * which npm would otherwise install with the CLI for every user. They stay optional in the
 * repository so that `npm ci` works on every platform; npm cannot leave them out by itself.
 * @param {Record<string, unknown>} pkg
 * @returns {Record<string, unknown>}
 */
export function publishManifest(pkg) {
  const { optionalDependencies: _optional, ...rest } = pkg;
  return rest;
}

/** Manifest fields that would make `npm install db-migrate-action` download more than the tarball. */
const INSTALLS = ['dependencies', 'optionalDependencies', 'peerDependencies', 'bundleDependencies', 'bundledDependencies'];

/**
 * Fails unless the manifest installs nothing but the tarball: ncc bundles every import into dist/.
 * @param {Record<string, unknown>} pkg
 */
export function checkManifest(pkg) {
  const present = INSTALLS.filter((k) => pkg[k] !== undefined && Object.keys(/** @type {object} */ (pkg[k])).length > 0);
  if (pkg.private) present.push('private');
  if (present.length > 0) {
    throw new ReleaseError(
      `package.json must not be published with ${present.join(', ')}: everything is bundled into dist/ (run node scripts/release.mjs publish-manifest first, as the release workflow does)`,
    );
  }
}

const USAGE = 'usage: node scripts/release.mjs check-tag|notes|major-tag <tag> | check-dist | publish-manifest | check-manifest';
const NO_TAG = ['check-dist', 'publish-manifest', 'check-manifest'];

/**
 * @param {string[]} argv
 * @param {{ out: (s: string) => void, err: (s: string) => void, root?: string }} io
 * @returns {number} exit status
 */
export function main(argv, io) {
  const [command, tag, ...rest] = argv;
  const needsTag = ['check-tag', 'notes', 'major-tag'].includes(command);
  if ((!needsTag && !NO_TAG.includes(command)) || (needsTag && (!tag || rest.length > 0)) || (!needsTag && tag)) {
    io.err(`${USAGE}\n`);
    return 2;
  }
  const root = io.root ?? process.cwd();
  try {
    if (command === 'check-tag') io.out(checkTag(tag, root));
    else if (command === 'notes') io.out(releaseNotes(readChangelog(root), parseTag(tag).version));
    else if (command === 'major-tag') io.out(`${majorTag(tag)}\n`);
    else if (command === 'check-dist') checkDist(root);
    else {
      const file = join(root, 'package.json');
      const pkg = JSON.parse(readFileSync(file, 'utf8'));
      if (command === 'publish-manifest') writeFileSync(file, `${JSON.stringify(publishManifest(pkg), null, 2)}\n`);
      else checkManifest(pkg);
    }
    return 0;
  } catch (err) {
    if (!(err instanceof ReleaseError)) throw err;
    io.err(`release: ${err.message}\n`);
    return 1;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2), { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) });
}
