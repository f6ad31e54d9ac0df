/**
 * `orgsync connector new <name>`: a new connector folder from the templates, with imports
 * that reach this checkout's SDK. Refuses to overwrite anything.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { OrgsyncError } from '../errors.js';
import { findConnector } from '../registry.js';
import { fileOf, namesOf, templates } from './templates.js';

const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** Writes connectors/<name>/ (or `<dir>/<name>`) under `root`; returns the files written. */
export function scaffoldConnector(name: string, opts: { root: string; dir?: string }): string[] {
  const refuse = (message: string) => new OrgsyncError('ORGSYNC_SCAFFOLD_REFUSED', message);
  if (!NAME.test(name) || name.length > 40)
    throw refuse(
      `"${name}" is not a connector name: use lower-case letters, digits and single hyphens, at most 40`,
    );
  if (findConnector(name)) throw refuse(`a connector named ${name} already exists in this build`);
  const root = resolve(opts.root);
  if (!existsSync(join(root, 'src', 'sdk', 'index.ts')))
    throw refuse(`${root} is not the root of an orgsync checkout (no src/sdk/index.ts)`);
  const folder = resolve(root, opts.dir ?? 'connectors', name);
  if (existsSync(folder))
    throw refuse(`${relative(root, folder)} already exists; choose another name or remove it`);

  const src = relative(folder, join(root, 'src')).split(sep).join('/');
  const names = namesOf(name, src);
  mkdirSync(folder, { recursive: true });
  return Object.entries(templates).map(([template, render]) => {
    const path = join(folder, fileOf(template, names));
    writeFileSync(path, render(names), { flag: 'wx' });
    return relative(root, path);
  });
}
