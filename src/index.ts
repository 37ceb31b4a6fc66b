import './runtime-shim.js';
import { run } from './main.js';
import { exitSoonIfLingering } from './engine/signals.js';

/* istanbul ignore next */
await run();
// Everything is written: a socket still opening over a dead network must not hold the job.
exitSoonIfLingering(typeof process.exitCode === 'number' ? process.exitCode : 0);
