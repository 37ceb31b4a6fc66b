import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from './cli.js';

/** The parts of a GitHub Actions step the checks read. */
export interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
}

/** The parts of a job the checks read. */
export interface Job {
  steps?: Step[];
  environment?: unknown;
  concurrency?: { group?: string; 'cancel-in-progress'?: boolean };
  permissions?: Record<string, unknown>;
  strategy?: Record<string, unknown>;
  needs?: unknown;
  if?: string;
  services?: Record<string, unknown>;
  env?: Record<string, unknown>;
}

/** A workflow file, parsed. */
export interface Workflow {
  on: Record<string, unknown>;
  jobs: Record<string, Job>;
  permissions?: Record<string, unknown>;
}

/** Input and output names action.yml declares. */
export function actionInterface(actionYml = join(ROOT, 'action.yml')): { inputs: string[]; outputs: string[] } {
  const action = parse(readFileSync(actionYml, 'utf8')) as { inputs?: object; outputs?: object };
  return { inputs: Object.keys(action.inputs ?? {}), outputs: Object.keys(action.outputs ?? {}) };
}

/**
 * A step that runs this action: `uses: ./` in this repository's workflows, or the released action
 * (`owner/db-migrate-action@v1`) in the examples of the docs.
 */
export function isOurAction(s: Step): boolean {
  if (typeof s.uses !== 'string') return false;
  const uses = s.uses.trim();
  return /^\.\/?$/.test(uses) || /^[\w.-]+\/db-migrate-action@/.test(uses);
}

/** Every string in a value, recursively. */
export function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(strings);
  if (v && typeof v === 'object') return Object.values(v).flatMap(strings);
  return [];
}

/**
 * `run:` scripts that interpolate a `${{ }}` expression (script injection: the value becomes shell
 * code). Values must reach scripts through `env:`. Returns where each one is, with its script.
 */
export function expressionsInRun(wf: Workflow): string[] {
  const out: string[] = [];
  for (const [name, job] of Object.entries(wf.jobs ?? {})) {
    (job.steps ?? []).forEach((s, i) => {
      if (typeof s.run === 'string' && /\$\{\{/.test(s.run)) out.push(`jobs.${name}.steps[${i}]${s.id ? ` (${s.id})` : ''}: ${s.run}`);
    });
  }
  return out;
}

/**
 * Inputs given to this action (`with:`) and outputs read from it (`steps.<id>.outputs.<name>`,
 * anywhere in the same job) that action.yml does not declare.
 */
export function unknownActionNames(wf: Workflow, declared = actionInterface()): string[] {
  const bad: string[] = [];
  for (const [name, job] of Object.entries(wf.jobs ?? {})) {
    const ours = new Set<string>();
    for (const s of job.steps ?? []) {
      if (!isOurAction(s)) continue;
      if (s.id) ours.add(s.id);
      for (const key of Object.keys(s.with ?? {})) if (!declared.inputs.includes(key)) bad.push(`jobs.${name}: input '${key}'`);
    }
    for (const text of strings(job)) {
      for (const m of text.matchAll(/steps\.([A-Za-z_][\w-]*)\.outputs(?:\.([A-Za-z_][\w-]*)|\[\s*'([^']+)'\s*\])/g)) {
        const output = m[2] ?? m[3];
        if (ours.has(m[1]) && !declared.outputs.includes(output)) bad.push(`jobs.${name}: output '${output}' of step '${m[1]}'`);
      }
    }
  }
  return bad;
}
