#!/usr/bin/env node
import '../runtime-shim.js';
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2), process.env, {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  cwd: process.cwd(),
});
