// Help text, laid out like urfave/cli v2's templates, so `db-migrate-action --help` reads as dbmate's.
import { COMMANDS, GLOBAL_FLAGS, HELP_FLAG, type CommandSpec, type FlagSpec } from './flags.js';

function flagTitle(f: FlagSpec): string {
  const takesValue = f.kind !== 'bool';
  const one = (n: string): string => `${n.length === 1 ? '-' : '--'}${n}${takesValue ? ' value' : ''}`;
  const names = [f.name, ...(f.aliases ?? [])].map(one).join(', ');
  return f.kind === 'slice' ? `${names} [ ${names} ]` : names;
}

function flagDescription(f: FlagSpec): string {
  let text = f.usage;
  if (f.kind === 'bool' && f.name !== 'help' && f.name !== 'version') text += ' (default: false)';
  else if (f.default !== undefined) text += f.kind === 'string' || f.kind === 'slice' ? ` (default: "${f.default}")` : ` (default: ${f.default})`;
  if (f.env !== undefined) text += ` [$${f.env}]`;
  return text;
}

function table(rows: Array<[string, string]>): string {
  const width = Math.max(...rows.map(([a]) => a.length)) + 2;
  return rows
    .map(([a, b]) => {
      const [first, ...more] = b.split('\n');
      return [`   ${a.padEnd(width)}${first}`, ...more.map((l) => `   ${''.padEnd(width)}${l}`)].join('\n');
    })
    .join('\n');
}

/** The app help (`db-migrate-action --help`, or no command): usage, version, the commands and the global options. */
export function renderAppHelp(prog: string, version: string): string {
  const commands: Array<[string, string]> = COMMANDS.map((c) => [[c.name, ...c.aliases].join(', '), c.usage]);
  commands.push(['help, h', 'Shows a list of commands or help for one command']);
  return [
    'NAME:',
    `   ${prog} - Safe, dbmate-compatible PostgreSQL migrations.`,
    '',
    'USAGE:',
    `   ${prog} [global options] command [command options]`,
    '',
    'VERSION:',
    `   ${version}`,
    '',
    'COMMANDS:',
    table(commands),
    '',
    'GLOBAL OPTIONS:',
    table(GLOBAL_FLAGS.map((f) => [flagTitle(f), flagDescription(f)])),
    '',
  ].join('\n');
}

/** One command's help (`db-migrate-action up --help`, `db-migrate-action help up`): name, usage and its options. */
export function renderCommandHelp(prog: string, spec: CommandSpec): string {
  const [first, ...more] = spec.usage.split('\n');
  const nameLine = `${prog} ${spec.name}`;
  const indent = ' '.repeat(nameLine.length + 3);
  return [
    'NAME:',
    [`   ${nameLine} - ${first}`, ...more.map((l) => `   ${indent}${l}`)].join('\n'),
    '',
    'USAGE:',
    `   ${prog} ${spec.name} [command options]${spec.argsUsage ? ` ${spec.argsUsage}` : ''}`,
    '',
    'OPTIONS:',
    table([...spec.flags, HELP_FLAG].map((f) => [flagTitle(f), flagDescription(f)])),
    '',
  ].join('\n');
}
