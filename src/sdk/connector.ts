/**
 * The connector SDK. A connector is a plain object made by `defineTarget()` or
 * `defineSource()`: a name, a zod config schema, declared capabilities, and an `open()`
 * that returns a session. The engine plans around the declared capabilities
 * (ConnId's habit): it never asks a target for an operation it did not declare.
 */
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { SourceExport } from '../model/schema.js';
import type { Change, ChangeResult, CurrentObject, ObjectType } from './types.js';

export interface Capabilities {
  create: boolean;
  update: boolean;
  /** Can re-parent an object in place. Without it a move becomes `replace` (delete + create). */
  move: boolean;
  replace: boolean;
  disable: boolean;
  delete: boolean;
  /** Can read its current state; otherwise the engine uses the state it last applied. */
  read: boolean;
}

export interface CheckResult {
  ok: boolean;
  message: string;
}

export interface ConnectorContext {
  /** The configured name of this source or target instance. */
  instance: string;
  logger: Logger;
  /** A directory the connector may keep files in (created on demand). */
  workDir: string;
}

/** What orgsync last recorded for one object in a target: its id there, and whether it disabled it. */
export interface Link {
  targetId: string | null;
  disabled: boolean;
  /** Where orgsync last placed it: for a target that holds no placement of its own to read. */
  parentKey?: string | null;
}

/** What a target session gets besides the connector context: engine knowledge of this target. */
export interface TargetContext extends ConnectorContext {
  /** Attribute names the target's mapping sets, per object type: what read() must return. */
  attributes?: Partial<Record<ObjectType, readonly string[]>>;
  /**
   * What orgsync recorded for each object it applied (`type:key` -> link), from the state
   * store: a connector that reads its target uses it to find objects by their durable id
   * (a GUID) after someone renamed them, and to tell its own disables from an admin's.
   */
  links?(): Promise<ReadonlyMap<string, Link>>;
  /** Records durable ids learnt on read for objects orgsync holds (`type:key` -> id). */
  relink?(ids: ReadonlyMap<string, string>): Promise<void>;
}

export interface SourceContext extends ConnectorContext {
  /** Turns a CPR number into the person key used everywhere else (keyed hash). */
  pseudonymize(cpr: string): string;
  /**
   * The day the run resolves the organisation for. A source that asks its service for a
   * day (SD Løn's EffectiveDate) asks for this one; a file source ignores it.
   */
  asOf: string;
}

/** A change handed to the connector earlier whose outcome the engine never learnt (a crash). */
export interface PendingChange {
  runId: string;
  change: Change;
}

/** What apply() gets besides the changes. */
export interface ApplyContext {
  /** The run the changes belong to: with the change id, it names one attempt uniquely. */
  runId: string;
  /** Aborted when the run is being stopped: finish what is in flight, start nothing new. */
  signal: AbortSignal;
}

export interface TargetSession {
  /** Connectivity and credentials. Returns a status; does not throw for a failed check. */
  check(): Promise<CheckResult>;
  /** Required when capabilities.read: every object of the given types the target holds. */
  read?(types: readonly ObjectType[]): Promise<CurrentObject[]>;
  /**
   * Applies changes in the order given; returns exactly one result per change, in order.
   * Throwing `ConnectorError` fails the whole call (all its changes) with that kind.
   */
  apply(changes: readonly Change[], ctx: ApplyContext): Promise<ChangeResult[]>;
  /**
   * For connectors that cannot read: tell which pending changes (outcome unknown after a
   * crash) did reach the target, so that none is applied twice.
   */
  recover?(pending: readonly PendingChange[]): Promise<Map<string, boolean>>;
  close?(): Promise<void>;
}

export interface TargetConnector<C = unknown> {
  kind: 'target';
  name: string;
  description: string;
  configSchema: z.ZodType<C>;
  capabilities: Capabilities;
  objectTypes: readonly ObjectType[];
  /**
   * How many changes one apply() call takes: 1 lets the executor run changes concurrently
   * and in dependency order; 'all' hands the whole change set over at once (files, SQL
   * transactions), and the connector must apply it in the order given.
   */
  batch: 1 | 'all';
  /** The target stores every value as text (LDAP): 1 and '1' are the same value to it. */
  textValues?: boolean;
  open(config: C, ctx: TargetContext): TargetSession | Promise<TargetSession>;
}

export interface SourceSession {
  check(): Promise<CheckResult>;
  /** Reads one complete export. A partial read must throw, never return. */
  read(): Promise<SourceExport>;
}

export interface SourceConnector<C = unknown> {
  kind: 'source';
  name: string;
  description: string;
  configSchema: z.ZodType<C>;
  open(config: C, ctx: SourceContext): SourceSession | Promise<SourceSession>;
}

// biome-ignore lint/suspicious/noExplicitAny: a registry holds connectors of every config type
export type AnyConnector = TargetConnector<any> | SourceConnector<any>;

const NO_CAPABILITIES: Capabilities = {
  create: false,
  update: false,
  move: false,
  replace: false,
  disable: false,
  delete: false,
  read: false,
};

export function defineTarget<C>(
  def: Omit<TargetConnector<C>, 'kind' | 'capabilities' | 'batch'> & {
    capabilities: Partial<Capabilities>;
    batch?: 1 | 'all';
  },
): TargetConnector<C> {
  return Object.freeze({
    ...def,
    kind: 'target' as const,
    batch: def.batch ?? 1,
    capabilities: Object.freeze({ ...NO_CAPABILITIES, ...def.capabilities }),
  });
}

export function defineSource<C>(def: Omit<SourceConnector<C>, 'kind'>): SourceConnector<C> {
  return Object.freeze({ ...def, kind: 'source' as const });
}
