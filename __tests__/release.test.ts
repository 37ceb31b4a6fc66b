import { describe, it, expect } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { checkTag, main, majorTag, parseTag, releaseNotes } from '../scripts/release.mjs';
import { runProcess, ROOT } from './helpers/cli.js';

/** The checks release.yml runs on a tag, run here as the workflow runs them, without pushing anything. */
const CHANGELOG = `# Changelog

## [Unreleased]

## [1.2.0] - 2026-12-01

### Added
- \`baseline\` command.

## [1.1.0] - 2026-11-01

- Older.

[1.2.0]: https://example.com/compare/v1.1.0...v1.2.0
`;

function repo(version: string, changelog: string | null = CHANGELOG): string {
  const dir = mkdtempSync(join(tmpdir(), 'release-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'db-migrate-action', version }));
  if (changelog !== null) writeFileSync(join(dir, 'CHANGELOG.md'), changelog);
  return dir;
}

function run(argv: string[], root: string) {
  const out: string[] = [];
  const err: string[] = [];
  const code = main(argv, { out: (s) => out.push(s), err: (s) => err.push(s), root });
  return { code, out: out.join(''), err: err.join('') };
}

describe('release tags', () => {
  it('parses semver tags and refuses the rest with the reason', () => {
    expect(parseTag('v1.2.3')).toEqual({ tag: 'v1.2.3', version: '1.2.3', major: 1, minor: 2, patch: 3, prerelease: null });
    expect(parseTag('v2.0.0-rc.1').prerelease).toBe('rc.1');
    expect(() => parseTag('1.2.3')).toThrow("tag '1.2.3' is not a release tag (it must start with v)");
    expect(() => parseTag('v1.2.3+build.5')).toThrow('(build metadata after + is not allowed: npm ignores it)');
    for (const bad of ['v1.2', 'v01.2.3', 'v1.2.3-', 'v1']) expect(() => parseTag(bad)).toThrow(/is not a release tag/);
    expect(majorTag('v1.4.2')).toBe('v1');
    expect(() => majorTag('v2.0.0-rc.1')).toThrow('v2.0.0-rc.1 is a prerelease: the major tag v2 moves only on a release');
  });

  it('check-tag: the tag must be package.json\'s version with notes in the changelog; prints the outputs the workflow reads', () => {
    const dir = repo('1.2.0');
    try {
      expect(run(['check-tag', 'v1.2.0'], dir)).toEqual({ code: 0, out: 'version=1.2.0\nmajor-tag=v1\nprerelease=false\nnpm-tag=latest\n', err: '' });
      expect(run(['check-tag', 'v1.3.0'], dir)).toEqual({
        code: 1,
        out: '',
        err: 'release: tag v1.3.0 does not match package.json version 1.2.0: the tag must be v followed by package.json\'s version (set "version": "1.3.0" and tag that commit, or tag v1.2.0)\n',
      });
      expect(checkTag('v1.2.0', dir)).toContain('npm-tag=latest');
      expect(run(['check-tag'], dir)).toEqual({ code: 2, out: '', err: 'usage: node scripts/release.mjs check-tag|notes|major-tag <tag> | check-dist | publish-manifest | check-manifest\n' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const pre = repo('2.0.0-rc.1', CHANGELOG.replace('## [Unreleased]', '## [Unreleased]\n\n## [2.0.0-rc.1]\n\n- Candidate.'));
    try {
      expect(run(['check-tag', 'v2.0.0-rc.1'], pre).out).toBe('version=2.0.0-rc.1\nmajor-tag=\nprerelease=true\nnpm-tag=next\n');
    } finally {
      rmSync(pre, { recursive: true, force: true });
    }
  });

  it('notes: exactly the version\'s section, without its heading or the link definitions; a missing or empty one fails', () => {
    expect(releaseNotes(CHANGELOG, '1.2.0')).toBe('### Added\n- `baseline` command.\n');
    expect(releaseNotes(CHANGELOG, '1.1.0')).toBe('- Older.\n');
    expect(() => releaseNotes(CHANGELOG, '9.9.9')).toThrow('CHANGELOG.md has no section for 9.9.9: add "## [9.9.9] - YYYY-MM-DD"');
    expect(() => releaseNotes('## [1.0.0]\n\n## [0.9.0]\n- x\n', '1.0.0')).toThrow("CHANGELOG.md's section for 1.0.0 is empty");
    const none = repo('1.2.0', null);
    try {
      expect(run(['notes', 'v1.2.0'], none)).toEqual({ code: 1, out: '', err: 'release: CHANGELOG.md is missing: the release notes come from it\n' });
    } finally {
      rmSync(none, { recursive: true, force: true });
    }
  });

  it('publish-manifest strips the test binaries from package.json; check-manifest (prepublishOnly) refuses anything npm would install', () => {
    const dir = mkdtempSync(join(tmpdir(), 'release-'));
    try {
      writeFileSync(join(dir, 'package.json'), readFileSync(join(ROOT, 'package.json')));
      const before = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
      expect(run(['check-manifest'], dir)).toEqual({
        code: 1,
        out: '',
        err: 'release: package.json must not be published with optionalDependencies: everything is bundled into dist/ (run node scripts/release.mjs publish-manifest first, as the release workflow does)\n',
      });
      expect(run(['publish-manifest'], dir)).toEqual({ code: 0, out: '', err: '' });
      const after = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
      const { optionalDependencies, ...rest } = before;
      expect(Object.keys(optionalDependencies as object).sort()).toEqual(['@dbmate/linux-x64', '@squawk-cli/linux-x64']);
      expect(after).toEqual(rest);
      expect(run(['check-manifest'], dir)).toEqual({ code: 0, out: '', err: '' });
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...after, private: true, dependencies: { pg: '^8' }, peerDependencies: {} }));
      expect(run(['check-manifest'], dir).err).toBe(
        'release: package.json must not be published with dependencies, private: everything is bundled into dist/ (run node scripts/release.mjs publish-manifest first, as the release workflow does)\n',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('check-dist: a changed or a new file under dist/ after the build fails, naming it', () => {
    const dir = repo('1.2.0');
    try {
      const git = (...a: string[]) => execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...a], { cwd: dir });
      mkdirSync(join(dir, 'dist'));
      writeFileSync(join(dir, 'dist/index.js'), 'a\n');
      git('init', '-q');
      git('add', '.');
      git('commit', '-qm', 'init');
      expect(run(['check-dist'], dir).code).toBe(0);
      writeFileSync(join(dir, 'dist/extra.js'), 'b\n');
      expect(run(['check-dist'], dir)).toEqual({ code: 1, out: '', err: 'release: dist/ differs from a fresh build of src/ (run npm run build and commit dist/):\n?? dist/extra.js\n' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the repository\'s own CHANGELOG.md has notes for every version it lists, and the CLI runs as the workflow calls it', async () => {
    const r = await runProcess(process.execPath, ['scripts/release.mjs', 'notes', 'v1.0.0'], { cwd: ROOT });
    expect(r.code).toBe(0);
    expect(r.stdout.length).toBeGreaterThan(0);
  });
});

describe('what the Marketplace and npm read', () => {
  it('action.yml has a description under 125 characters and branding; LICENSE is the MIT licence package.json names', async () => {
    const { parse } = await import('yaml');
    const { readFileSync } = await import('node:fs');
    const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as { description: string; branding?: { icon?: string; color?: string } };
    expect(action.description.length).toBeLessThan(125);
    expect(action.branding).toEqual({ icon: expect.any(String), color: expect.any(String) });
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n/);
    expect(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).license).toBe('MIT');
  });
});
