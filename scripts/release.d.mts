/** A release check that failed; its message says what to change. */
export class ReleaseError extends Error {}
/** A parsed release tag. */
export interface ReleaseTag {
  tag: string;
  version: string;
  major: number;
  minor: number;
  patch: number;
  prerelease: string | null;
}
export function parseTag(tag: string): ReleaseTag;
export function majorTag(tag: string): string;
export function checkTagMatchesPackage(tag: string, packageVersion: string): ReleaseTag;
export function releaseNotes(changelog: string, version: string): string;
export function checkTag(tag: string, root?: string): string;
export function checkDist(root?: string): void;
export function publishManifest(pkg: Record<string, unknown>): Record<string, unknown>;
export function checkManifest(pkg: Record<string, unknown>): void;
export function main(argv: string[], io: { out: (s: string) => void; err: (s: string) => void; root?: string }): number;
