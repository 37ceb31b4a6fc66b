import * as core from '@actions/core';
import { redact } from '../engine/redact.js';
import type { PipelineLog } from './ports.js';

/**
 * The engine's Logger on @actions/core: info → log, warn → warning annotation, debug → debug
 * log, groups → collapsible log groups. Every line is redacted first: `setSecret` masks only on
 * a real runner, and only the exact strings it was given.
 */
export function coreLogger(secrets: readonly string[]): PipelineLog {
  const clean = (m: string) => redact(m, secrets);
  return {
    info: (m) => core.info(clean(m)),
    warn: (m) => core.warning(clean(m)),
    debug: (m) => core.debug(clean(m)),
    group: (title, fn) => core.group(clean(title), fn),
  };
}
