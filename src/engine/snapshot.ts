/**
 * Reads the HR source and turns it into a validated snapshot, or refuses it.
 * Nothing downstream runs on a snapshot that failed here: structural damage and a
 * shrunken export stop the run before any target is read or written.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { OrgsyncError } from '../errors.js';
import type { IsoDate, RecordIssue, Snapshot, SourceExport } from '../model/schema.js';
import type { SourceSession } from '../sdk/connector.js';
import type { Baseline } from '../state/store.js';
import { byKey, hashRecords, sha256 } from '../util/hash.js';
import { validateExport } from '../validate/snapshot.js';
import type { Engine } from './context.js';

export interface LoadedSnapshot {
  snapshot: Snapshot;
  quarantined: RecordIssue[];
  meta: SourceExport['meta'];
  fingerprint: string;
  counts: { units: number; persons: number; positions: number };
}

/** Opens the configured source with its context: the same work directory for every use. */
export async function openSource(engine: Engine, asOf: IsoDate): Promise<SourceSession> {
  const { connector, connectorConfig } = engine.loaded.source;
  const workDir = join(engine.loaded.config.workDir, 'source');
  mkdirSync(workDir, { recursive: true });
  return connector.open(connectorConfig, {
    instance: 'source',
    logger: engine.logger.child({ source: connector.name }),
    workDir,
    pseudonymize: engine.pseudonymize,
    asOf,
  });
}

export async function readSource(engine: Engine, asOf: IsoDate): Promise<SourceExport> {
  return (await openSource(engine, asOf)).read();
}

/** Identifies the snapshot: two reads of the same HR data on the same day give the same value. */
export function snapshotFingerprint(s: Snapshot): string {
  return sha256(
    [hashRecords(byKey(s.units)), hashRecords(byKey(s.persons)), hashRecords(byKey(s.positions))].join(),
  );
}

/** Shrink beyond the share since the last accepted export: a truncated file, most likely. */
export function shrinkProblems(
  counts: LoadedSnapshot['counts'],
  baseline: Baseline | null,
  maxShare: number,
): string[] {
  if (!baseline) return [];
  return (['units', 'persons', 'positions'] as const).flatMap((k) => {
    const before = baseline[k];
    const now = counts[k];
    if (before === 0 || now >= before) return [];
    const share = (before - now) / before;
    return share > maxShare
      ? [
          `${k}: ${now} now against ${before} in the export accepted ${baseline.acceptedAt} (-${(share * 100).toFixed(1)} %, limit ${(maxShare * 100).toFixed(0)} %)`,
        ]
      : [];
  });
}

export async function loadSnapshot(
  engine: Engine,
  asOf: IsoDate,
  opts: { acceptShrink?: boolean } = {},
): Promise<LoadedSnapshot> {
  return checkExport(engine, await readSource(engine, asOf), asOf, opts);
}

/**
 * Validates a source's export as of a day and refuses it when damaged or shrunk.
 * The fingerprint is computed on first use: only a saved plan and `apply` need it.
 */
export async function checkExport(
  engine: Engine,
  exp: SourceExport,
  asOf: IsoDate,
  opts: { acceptShrink?: boolean } = {},
): Promise<LoadedSnapshot> {
  const src = engine.loaded.config.source;
  const { snapshot, quarantined, structural } = validateExport(exp, {
    asOf,
    expectSingleRoot: src.expectSingleRoot,
    primaryContractPriority: src.primaryContractPriority,
  });
  if (structural.length > 0) {
    const lines = structural.map((s) => `${s.recordType} ${s.key}: ${s.message}`);
    throw new OrgsyncError(
      'ORGSYNC_SNAPSHOT_STRUCTURE',
      `HR export ${exp.meta.origin} is structurally damaged:\n  ${lines.join('\n  ')}`,
      {
        details: lines,
      },
    );
  }
  const counts = {
    units: snapshot.units.size,
    persons: snapshot.persons.size,
    positions: snapshot.positions.size,
  };
  if (!opts.acceptShrink) {
    const shrink = shrinkProblems(counts, await engine.store.getBaseline(src.connector), src.maxShrinkShare);
    if (shrink.length > 0) {
      throw new OrgsyncError(
        'ORGSYNC_SNAPSHOT_SHRANK',
        `HR export ${exp.meta.origin} shrank since the last accepted one:\n  ${shrink.join('\n  ')}`,
        {
          details: shrink,
        },
      );
    }
  }
  for (const q of quarantined)
    engine.logger.warn(
      { record: q.key, recordType: q.recordType, code: q.code },
      `quarantined: ${q.message}`,
    );
  let fingerprint: string | undefined;
  return {
    snapshot,
    quarantined,
    meta: exp.meta,
    counts,
    get fingerprint() {
      fingerprint ??= snapshotFingerprint(snapshot);
      return fingerprint;
    },
  };
}

/** Marks this snapshot as the new baseline for the shrink check (after it was applied). */
export async function acceptSnapshot(engine: Engine, s: LoadedSnapshot): Promise<void> {
  await engine.store.setBaseline({
    source: engine.loaded.config.source.connector,
    ...s.counts,
    fingerprint: s.fingerprint,
    acceptedAt: new Date().toISOString(),
  });
}
