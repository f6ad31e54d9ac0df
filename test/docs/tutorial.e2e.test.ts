/**
 * docs/writing-a-connector.md works as written: in a fresh tree laid out as a checkout,
 * its commands are run and its files written in the order the tutorial gives them, and the
 * conformance suite, the type check and the linter pass at the end.
 *
 * Blocks marked `<!-- tutorial: run -->` are run (`run, fails` must fail), and blocks marked
 * `<!-- tutorial: file <path> -->` are written to that path. Three liberties, all about
 * speed: the install step uses this checkout's node_modules, `npx orgsync` runs the CLI from
 * source (tsx) rather than from dist, so the test needs no build, and the type check covers
 * the tutorial's folder (asRun).
 */
import { execFile } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const TUTORIAL = readFileSync(join(ROOT, 'docs/writing-a-connector.md'), 'utf8');

type Step =
  | { kind: 'run'; commands: string[]; fails: boolean }
  | { kind: 'file'; path: string; text: string };

function stepsOf(markdown: string): Step[] {
  const steps: Step[] = [];
  for (const m of markdown.matchAll(
    /<!-- tutorial: (run, fails|run|file (\S+)) -->\n```\w*\n([\s\S]*?)\n```/g,
  )) {
    if (m[2]) steps.push({ kind: 'file', path: m[2], text: `${m[3]}\n` });
    else
      steps.push({
        kind: 'run',
        commands: m[3]!.split('\n').filter((l) => l.trim() !== ''),
        fails: m[1] === 'run, fails',
      });
  }
  return steps;
}

/** A tree laid out as a fresh checkout: the repository's own folders linked, nothing of the tutorial's. */
function freshCheckout(): string {
  const dir = mkdtempSync(join(tmpdir(), 'orgsync-tutorial-'));
  for (const f of ['package.json', 'tsconfig.json', 'vitest.config.ts', 'biome.json', '.gitignore'])
    copyFileSync(join(ROOT, f), join(dir, f));
  for (const d of ['node_modules', 'src', 'test', 'docs']) symlinkSync(join(ROOT, d), join(dir, d));
  mkdirSync(join(dir, 'connectors'));
  for (const c of readdirSync(join(ROOT, 'connectors')))
    symlinkSync(join(ROOT, 'connectors', c), join(dir, 'connectors', c));
  return dir;
}

/** The environment of a developer's shell, not of this test's vitest worker. */
const shellEnv = () =>
  Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !k.startsWith('VITEST') && k !== 'NODE_OPTIONS' && k !== 'CI',
    ),
  );

describe('docs/writing-a-connector.md', () => {
  const dir = freshCheckout();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('has steps to follow', () => {
    const steps = stepsOf(TUTORIAL);
    expect(steps.filter((s) => s.kind === 'file').length).toBeGreaterThanOrEqual(4);
    expect(steps.filter((s) => s.kind === 'run').length).toBeGreaterThanOrEqual(4);
  });

  it('takes an integrator from nothing to a passing conformance suite', async () => {
    for (const step of stepsOf(TUTORIAL)) {
      if (step.kind === 'file') {
        mkdirSync(dirname(join(dir, step.path)), { recursive: true });
        writeFileSync(join(dir, step.path), step.text);
        continue;
      }
      for (const command of step.commands) {
        if (/^npm (ci|install)\b/.test(command)) continue; // node_modules is linked
        const r = await shell(dir, asRun(command, dir));
        const output = `$ ${command}\n${r.output}`;
        if (step.fails) expect(r.code, output).not.toBe(0);
        else expect(r.code, output).toBe(0);
        if (command.startsWith('npx orgsync connector new')) {
          // The scaffold's own files, before the tutorial replaces them, compile and lint clean.
          const own = await shell(
            dir,
            `${typecheckOf('connectors/staff-directory', dir)} && npx biome check connectors/staff-directory`,
          );
          expect(own.code, own.output).toBe(0);
        }
      }
    }
    expect(readFileSync(join(dir, 'connectors/staff-directory/README.md'), 'utf8')).toContain(
      'staff-directory',
    );
  }, 300_000);
});

/**
 * A tutorial command as the test runs it. `npx orgsync` runs from source; the whole-tree
 * type check is narrowed to the tutorial's folder (tsc still follows its imports into src/),
 * since `npm test` type-checks the rest of the tree anyway.
 */
function asRun(command: string, dir: string): string {
  return command
    .replace(/^npx orgsync\b/, `node --import tsx ${join(dir, 'src/cli/entry.ts')}`)
    .replace('npx tsc --noEmit -p tsconfig.json', typecheckOf('connectors/staff-directory', dir));
}

function typecheckOf(folder: string, dir: string): string {
  writeFileSync(
    join(dir, 'tsconfig.narrow.json'),
    JSON.stringify({ extends: './tsconfig.json', include: [folder] }),
  );
  return 'npx tsc --noEmit -p tsconfig.narrow.json';
}

/** Runs a command line in bash without blocking this worker (vitest talks to it meanwhile). */
async function shell(cwd: string, line: string): Promise<{ code: number; output: string }> {
  try {
    const r = await promisify(execFile)('bash', ['-c', line], {
      cwd,
      env: shellEnv(),
      timeout: 180_000,
      maxBuffer: 16 << 20,
    });
    return { code: 0, output: `${r.stdout}${r.stderr}` };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof err.code === 'number' ? err.code : 1,
      output: `${err.stdout ?? ''}${err.stderr ?? ''}`,
    };
  }
}
