/**
 * Where the engine reports progress. The CLI prints `info` to stdout (dbmate's lines) and
 * `warn` to stderr; the action maps it to @actions/core. The engine never prints directly.
 */
export interface Logger {
  /** dbmate-compatible progress lines such as `Applying: x.sql`. */
  info(message: string): void;
  /** Something the user should know that does not stop the run. */
  warn(message: string): void;
  /** Detail only useful when debugging. */
  debug(message: string): void;
}

/** A logger that drops everything: for library callers that only want results. */
export const silentLogger: Logger = { info() {}, warn() {}, debug() {} };
