/**
 * The files `orgsync connector new <name>` writes: a connector that compiles and declares
 * what it will do, a session whose every part says what is left to write, a test that runs
 * the conformance suite, and a README to fill in. docs/writing-a-connector.md goes on from here.
 */

export interface Names {
  /** The connector's name, as configurations write it: `staff-directory`. */
  name: string;
  /** `staffDirectory`: the exported connector is `staffDirectoryTarget`. */
  camel: string;
  /** `StaffDirectory`: the config schema and type. */
  pascal: string;
  /** `STAFF_DIRECTORY`: the environment variable prefix for its secrets. */
  env: string;
  /** Relative import path from the connector's folder to orgsync's src/. */
  src: string;
}

export function namesOf(name: string, src: string): Names {
  const words = name.split('-');
  const pascal = words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
  return {
    name,
    camel: pascal[0]!.toLowerCase() + pascal.slice(1),
    pascal,
    env: name.toUpperCase().replaceAll('-', '_'),
    src,
  };
}

export const templates: Record<string, (n: Names) => string> = {
  'index.ts': (n) => `/**
 * ${n.name} target. TODO: one sentence on the system this writes to and how (REST, files...).
 */
import { z } from 'zod';
import { defineTarget, secret } from '${n.src}/sdk/index.js';
import { openSession } from './session.js';

export const ${n.pascal}Config = z.strictObject({
  /** The system's base URL. */
  url: z.url(),
  /** Its API token: \`{ env: NAME }\` or \`{ file: path }\`, never the token itself. */
  token: secret(),
  timeoutMs: z.number().int().positive().default(10_000),
});
export type ${n.pascal}Config = z.infer<typeof ${n.pascal}Config>;

export const ${n.camel}Target = defineTarget({
  name: '${n.name}',
  description: 'TODO: what this connector writes, in one line',
  configSchema: ${n.pascal}Config,
  // Declare only what the session really does: the engine plans nothing else, and the
  // conformance suite skips (and says so) what is not declared.
  capabilities: { create: true, update: true, delete: true, read: true },
  objectTypes: ['person'],
  open: openSession,
});
`,

  'session.ts': (n) => `/**
 * One session with the system: check, read, apply. TODO: write each part; the conformance
 * test (${n.name}.integration.test.ts) tells what is still missing.
 */
import {
  type ApplyContext,
  type Change,
  type ChangeResult,
  ConnectorError,
  type CurrentObject,
  type ObjectType,
  type TargetContext,
  type TargetSession,
} from '${n.src}/sdk/index.js';
import type { ${n.pascal}Config } from './index.js';

export function openSession(config: ${n.pascal}Config, ctx: TargetContext): TargetSession {
  return {
    async check() {
      // TODO: one harmless request; say whether the system answered and the token was taken.
      return { ok: false, message: \`\${config.url}: check() is not written yet\` };
    },

    async read(types: readonly ObjectType[]): Promise<CurrentObject[]> {
      // TODO: every object of these types the system holds, with the mapped attributes.
      ctx.logger.debug({ types }, 'read');
      throw new ConnectorError('invalid-config', 'read() is not written yet');
    },

    async apply(changes: readonly Change[], { signal }: ApplyContext): Promise<ChangeResult[]> {
      const results: ChangeResult[] = [];
      for (const change of changes) {
        signal.throwIfAborted();
        results.push(await applyOne(change));
      }
      return results;
    },
  };
}

async function applyOne(change: Change): Promise<ChangeResult> {
  // TODO: create, update and delete; throw ConnectorError with the kind that fits a failure.
  throw new ConnectorError(
    'invalid-config',
    \`\${change.type} \${change.key}: \${change.action} is not written yet\`,
  );
}
`,

  'test.ts': (n) => `/**
 * ${n.name} against the real system (or a faithful simulator of it), through the
 * connector conformance suite.
 */
import { describeConformance } from '${n.src}/testing/conformance.js';
import { ${n.camel}Target } from './index.js';

process.env['${n.env}_TOKEN'] ??= 'TODO';

describeConformance('${n.name}', () => ({
  connector: ${n.camel}Target,
  // TODO: start the system in a beforeAll of this file, and return its address here.
  config: () => ({ url: 'http://127.0.0.1:1', token: { env: '${n.env}_TOKEN' } }),
  objects: {
    person: { attributes: { givenName: '\${person.givenName}', surname: '\${person.surname}' } },
  },
  invalidConfig: { url: 'not a url', token: { env: '${n.env}_TOKEN' } },
}));
`,

  'README.md': (n) => `# ${n.name} target

TODO: what system this writes to, for whom, and how.

\`\`\`yaml
targets:
  - name: ${n.name}
    connector: ${n.name}
    config:
      url: https://example.invalid/api
      token: { env: ${n.env}_TOKEN }
    objects:
      person:
        attributes:
          givenName: \${person.givenName}
          surname: \${person.surname}
\`\`\`

## Capabilities

TODO: what it creates, updates, moves, disables and deletes, and what it reads back.

## Errors

TODO: what the system answers and which error kind each becomes (only \`transient\` is retried).

## Testing

\`npx vitest run ${n.name}\` runs the conformance suite against the system.
`,
};

/** The file each template is written to. */
export const fileOf = (template: string, n: Names): string =>
  template === 'test.ts' ? `${n.name}.integration.test.ts` : template;
