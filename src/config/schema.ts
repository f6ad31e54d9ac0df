/**
 * The configuration file, validated once at start-up with zod. Connector `config` blocks
 * are checked afterwards by each connector's own schema (src/config/load.ts), so that an
 * error names the full path: `targets[2].config.directory: expected string`.
 */
import { z } from 'zod';
import { secret } from '../sdk/secret.js';
import { DEFAULT_SQLITE_PATH, StateConfig } from '../state/open.js';
import { WorkerConfig } from '../worker/config.js';
import { Name } from './name.js';

export const RemovalPolicy = z.enum(['disable', 'delete', 'ignore']);
export type RemovalPolicy = z.infer<typeof RemovalPolicy>;

/**
 * A target attribute name: `department`, `name.givenName`, a SCIM URN. Names that every
 * JavaScript object already has (`constructor`, `toString`) are refused, so that desired
 * attributes can live in plain objects without an inherited value posing as a set one.
 */
const AttributeName = z
  .string()
  .regex(/^[A-Za-z][\w.:-]*$/, 'must start with a letter and hold only letters, digits and _ . : -')
  .refine((n) => !(n in Object.prototype), 'is a name every JavaScript object has; choose another');

export const ObjectMapping = z
  .object({
    /** attribute name -> expression (see src/mapping/expression.ts). */
    // zod drops a `__proto__` key from records without a word, so it is refused first.
    attributes: z
      .custom<Record<string, unknown>>(
        (v) => typeof v !== 'object' || v === null || !Object.hasOwn(v, '__proto__'),
        '__proto__ is a name every JavaScript object has; choose another',
      )
      .pipe(z.record(AttributeName, z.string())),
    /** Attributes to mask in plans and logs even if they read no sensitive field. */
    sensitive: z.array(z.string()).default([]),
  })
  .strict();
export type ObjectMapping = z.infer<typeof ObjectMapping>;

export const Scope = z
  .object({
    /** Unit keys whose subtrees are in scope. Default: the whole organisation. */
    subtrees: z.array(z.string()).optional(),
    /** Only units of these types; units of other types are skipped and their children lifted. */
    unitTypes: z.array(z.string()).optional(),
    excludeUnitTypes: z.array(z.string()).default([]),
    /** Only positions of these contract types. */
    contractTypes: z.array(z.string()).optional(),
    /** Only positions with these job codes. */
    jobCodes: z.array(z.string()).optional(),
  })
  .strict()
  .default({ excludeUnitTypes: [] });
export type Scope = z.infer<typeof Scope>;

const Threshold = z.number().int().nonnegative();
const Share = z.number().min(0).max(1);

export const Safety = z
  .object({
    /** Most disables+deletes one run may apply without approval. */
    maxRemovals: Threshold.default(100),
    /** ...and as a share of what the target holds (0.05 = 5 %). */
    maxRemovalShare: Share.default(0.1),
    /** Most changes of any kind one run may apply without approval (Infinity when unset). */
    maxChanges: Threshold.optional(),
  })
  .strict()
  .default({ maxRemovals: 100, maxRemovalShare: 0.1 });
export type Safety = z.infer<typeof Safety>;

export const Retry = z
  .object({
    attempts: z.number().int().min(1).max(20).default(5),
    baseDelayMs: z.number().int().min(0).default(200),
    maxDelayMs: z.number().int().min(0).default(30_000),
  })
  .strict()
  .default({ attempts: 5, baseDelayMs: 200, maxDelayMs: 30_000 });
export type Retry = z.infer<typeof Retry>;

export const TargetConfig = z
  .object({
    name: Name,
    connector: z.string(),
    /** Checked by the connector's own schema. */
    config: z.unknown().default({}),
    enabled: z.boolean().default(true),
    scope: Scope,
    objects: z
      .object({
        unit: ObjectMapping.optional(),
        person: ObjectMapping.optional(),
        position: ObjectMapping.optional(),
      })
      .strict()
      .refine((o) => o.unit || o.person || o.position, 'map at least one of unit, person, position'),
    onRemove: z
      .union([
        RemovalPolicy,
        z.object({ unit: RemovalPolicy, person: RemovalPolicy, position: RemovalPolicy }).partial(),
      ])
      .default('disable'),
    /**
     * With onRemove `disable`: delete what orgsync disabled this many days ago or more (a
     * grace period in which a leaver who comes back keeps their account). Unset: never.
     */
    deleteDisabledAfterDays: z.number().int().min(0).optional(),
    safety: Safety,
    concurrency: z.number().int().min(1).max(256).default(4),
    /** Most changes started per second; unset = no limit beyond concurrency. */
    ratePerSecond: z.number().positive().optional(),
    retry: Retry,
  })
  .strict();
export type TargetConfig = z.infer<typeof TargetConfig>;

export const SourceConfig = z
  .object({
    connector: z.string(),
    config: z.unknown().default({}),
    /** Refuse an export whose unit, person or position count fell by more than this share. */
    maxShrinkShare: Share.default(0.2),
    expectSingleRoot: z.boolean().default(true),
    /** Contract types in order of preference for a person's primary position. */
    primaryContractPriority: z.array(z.string()).default([]),
  })
  .strict();
export type SourceConfig = z.infer<typeof SourceConfig>;

export const Config = z
  .object({
    source: SourceConfig,
    privacy: z
      .object({
        /** Key of the keyed hash that turns CPR numbers into person keys. Keep it forever. */
        pseudonymKey: secret(),
      })
      .strict(),
    state: StateConfig.default({ kind: 'sqlite', path: DEFAULT_SQLITE_PATH }),
    /** Modules (paths relative to this file) whose exported connectors are added to the built-in ones. */
    connectorModules: z.array(z.string()).default([]),
    /** Where connectors may keep working files. */
    workDir: z.string().default('.orgsync/work'),
    targets: z.array(TargetConfig).min(1, 'configure at least one target'),
    /** `orgsync serve`: schedules, blackouts, locks, admin API, notifications (src/worker/config.ts). */
    worker: WorkerConfig.prefault({}),
  })
  .strict()
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.targets.forEach((t, i) => {
      if (seen.has(t.name))
        ctx.addIssue({
          code: 'custom',
          path: ['targets', i, 'name'],
          message: `duplicate target name ${t.name}`,
        });
      seen.add(t.name);
    });
  });
export type Config = z.infer<typeof Config>;
