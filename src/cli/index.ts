import '../runtime-shim.js';
import { main } from './main.js';
import { cancelOnSignals, exitSoonIfLingering, LAST_RESORT_MS, signalExitCode } from '../engine/signals.js';

const cancel = cancelOnSignals({
  onSignal: (name, first) => process.stderr.write(first ? `${name} received: stopping (no new migration starts; the one in flight is cancelled)\n` : `${name} received again: finishing\n`),
  lastResort: (name) => {
    process.stderr.write(`Error: cancelled by ${name}: the run did not end within ${LAST_RESORT_MS} ms; run \`db-migrate-action status\` to see what is applied\n`);
    process.exit(signalExitCode(name));
  },
});
const code = await main(process.argv.slice(2), process.env, {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  cwd: process.cwd(),
  signal: cancel.signal,
});
cancel.dispose();
// A cancelled run exits as a signalled process would: scripts and CI see it was stopped, not that it failed.
process.exitCode = cancel.signal.aborted && code !== 0 ? signalExitCode(String(cancel.signal.reason)) : code;
exitSoonIfLingering(process.exitCode);
