/** The variables of a GitHub Actions job that name its run. */
export type RunEnv = Readonly<Partial<Record<'GITHUB_SERVER_URL' | 'GITHUB_REPOSITORY' | 'GITHUB_RUN_ID', string>>>;

/** The link of the workflow run this process is part of, or undefined outside GitHub Actions. */
export function runUrl(env: RunEnv): string | undefined {
  return env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}` : undefined;
}
