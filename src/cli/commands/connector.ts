/** `orgsync connector new <name>`: the start of a new connector (src/scaffold). */
import type { Command } from 'commander';
import { EXIT } from '../../errors.js';
import { scaffoldConnector } from '../../scaffold/connector.js';
import { out, reportError } from '../common.js';

export function registerConnector(program: Command) {
  const connector = program.command('connector').description('tools for writing connectors');
  connector
    .command('new <name>')
    .description(
      'scaffold a connector folder: config schema, capabilities, session, conformance test, README',
    )
    .option('--dir <path>', 'the folder that holds connectors, relative to the checkout', 'connectors')
    .action((name: string, flags: { dir: string }) => {
      try {
        const files = scaffoldConnector(name, { root: process.cwd(), dir: flags.dir });
        out(`Wrote ${files.length} files:`);
        for (const f of files) out(`  ${f}`);
        out(
          `\nNext: npx vitest run ${files.find((f) => f.endsWith('.test.ts'))} (docs/writing-a-connector.md)`,
        );
        process.exitCode = EXIT.ok;
      } catch (e) {
        process.exitCode = reportError(e);
      }
    });
}
