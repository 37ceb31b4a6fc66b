/** Result of one simulated workflow step. */
export interface ActionRunResult {
  code: number;
  stdout: string;
  stderr: string;
  /** GITHUB_OUTPUT parsed (heredocs and name=value lines). */
  outputs: Record<string, string>;
  /** GITHUB_OUTPUT as written. */
  outputFile: string;
  /** GITHUB_STEP_SUMMARY as written. */
  summary: string;
}
export const ACTION_BUNDLE: string;
export function actionDefaults(actionYml?: string): Record<string, string>;
export function inputVariable(name: string): string;
export function runnerEnv(
  inputs: Record<string, string>,
  o: { token?: string; workspace: string; runnerTemp: string; output: string; summary: string; env?: Record<string, string | undefined> },
): Record<string, string | undefined>;
export function parseOutputFile(text: string): Record<string, string>;
/** What a runner gives one step, and what the step wrote. */
export interface StepFiles {
  env: Record<string, string | undefined>;
  runnerTemp: string;
  read(): Promise<{ outputs: Record<string, string>; outputFile: string; summary: string }>;
  cleanup(): Promise<void>;
}
export function stepFiles(
  inputs: Record<string, string>,
  opts: { cwd: string; token?: string; env?: Record<string, string | undefined> },
): Promise<StepFiles>;
export function runAction(
  inputs: Record<string, string>,
  /** `node`: the Node executable that runs the bundle (default: the current process's). */
  opts: { cwd: string; bundle?: string; node?: string; token?: string; env?: Record<string, string | undefined> },
): Promise<ActionRunResult>;
