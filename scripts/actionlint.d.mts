/** One actionlint finding. */
export interface LintFinding {
  file: string;
  line: number;
  column: number;
  message: string;
  kind: string;
}
/** Workflow files of the repository, relative to its root. */
export function workflowFiles(root?: string): string[];
/** Lint files (paths relative to `root`). */
export function lintWorkflows(files: string[], root?: string): Promise<LintFinding[]>;
