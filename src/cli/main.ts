/**
 * The orgsync command line. Each command lives in src/cli/commands/; exit codes are the
 * ones in src/errors.ts (EXIT).
 */
import { Command, CommanderError } from 'commander';
import { EXIT } from '../errors.js';
import { registerConnector } from './commands/connector.js';
import { registerFkSimulator } from './commands/fk-simulator.js';
import { registerGenerate } from './commands/generate.js';
import { registerInspect } from './commands/inspect.js';
import { registerSdSimulator } from './commands/sd-simulator.js';
import { registerServe } from './commands/serve.js';
import { registerSync } from './commands/sync.js';

export function buildProgram(): Command {
  const program = new Command('orgsync')
    .description('Synchronise the organisation from HR to directories and line-of-business systems, safely.')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  registerSync(program);
  registerServe(program);
  registerInspect(program);
  registerConnector(program);
  registerGenerate(program);
  registerFkSimulator(program);
  registerSdSimulator(program);
  program.addHelpText(
    'after',
    `
Exit codes: 0 ok / no changes, 1 error, 2 changes (plan --detailed-exitcode), 3 a target blocked by its
safety thresholds, 4 HR export refused, 5 some changes failed or a target was unreachable, 6 stale plan,
7 a target busy (locked by another run), 8 a blackout window open, 64 usage or configuration.`,
  );
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  process.exitCode = undefined;
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    throw e;
  }
  return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
}
