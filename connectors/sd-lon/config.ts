/**
 * The sd-lon source's configuration. Everything SD-specific that municipalities do
 * differently is a setting here, with the common practice as its default: which levels are
 * payroll-only, how managers are found, what each status code means.
 */
import { z } from 'zod';
import { secret } from '../../src/sdk/secret.js';

const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time HH:MM');

export const ManagerRule = z.discriminatedUnion('rule', [
  /** No managers: SD has none, and the targets get none. */
  z.strictObject({ rule: z.literal('none') }),
  /**
   * SD's common convention: a manager is employed in a department named `<unit>_leder`
   * (usually Afdelings-niveau) placed under the unit they manage. That department is not an
   * organisation unit: its staff are placed on, and manage, its parent.
   */
  z.strictObject({
    rule: z.literal('leader-unit'),
    suffix: z.string().min(1).default('_leder'),
  }),
  /** Positions with one of these JobPositionIdentifiers manage the unit they are placed on. */
  z.strictObject({
    rule: z.literal('job-position'),
    jobPositions: z.array(z.string().trim().min(1)).min(1, 'name at least one JobPositionIdentifier'),
  }),
]);
export type ManagerRule = z.infer<typeof ManagerRule>;

const codes = z.array(z.string().trim().min(1));

/** SD's EmploymentStatusCode values by meaning; sources disagree on 7 and 9, so they are settings. */
export const StatusCodes = z
  .strictObject({
    employed: codes.default(['0', '1']),
    leave: codes.default(['3']),
    left: codes.default(['7', '8', '9']),
    deleted: codes.default(['S']),
  })
  .superRefine((s, ctx) => {
    const seen = new Map<string, string>();
    for (const [meaning, list] of Object.entries(s)) {
      for (const code of list) {
        const other = seen.get(code);
        if (other !== undefined) {
          ctx.addIssue({ code: 'custom', message: `status code ${code} is both ${other} and ${meaning}` });
        }
        seen.set(code, meaning);
      }
    }
  });
export type StatusCodes = z.infer<typeof StatusCodes>;

export const Institution = z.strictObject({
  /** SD's InstitutionIdentifier, e.g. "AB". */
  identifier: z.string().trim().min(1).max(20),
});

export const SdLonConfig = z
  .strictObject({
    /** Base URL of the XML operations; the real service is https://service.sd.dk/sdws/. */
    url: z
      .url({ protocol: /^https?$/ })
      .refine((u) => !/^https?:\/\/[^/]*@/.test(u), 'must not hold credentials: use username and password')
      .default('https://service.sd.dk/sdws/')
      .transform((u) => (u.endsWith('/') ? u : `${u}/`)),
    username: z.string().trim().min(1),
    password: secret(),
    /** A customer often has several institutions; all are read into one organisation. */
    institutions: z.array(Institution).min(1, 'name at least one SD institution'),
    /** How units are keyed: DepartmentUUIDIdentifier (stable, unique) or DepartmentIdentifier. */
    unitKey: z.enum(['uuid', 'identifier']).default('uuid'),
    /**
     * DepartmentLevelIdentifiers that are payroll-only: such departments are not organisation
     * units, and staff placed on them are lifted to the nearest department above of another level.
     * Leave out to keep every department as a unit and every person where SD placed them.
     */
    payrollLevels: z.array(z.string().trim().min(1)).optional(),
    managers: ManagerRule.default({ rule: 'leader-unit', suffix: '_leder' }),
    statusCodes: StatusCodes.default({
      employed: ['0', '1'],
      leave: ['3'],
      left: ['7', '8', '9'],
      deleted: ['S'],
    }),
    /**
     * Intraday runs read only what changed since the last read (the changed-at operations) and
     * apply it to the last full read kept in the source's work directory. A full read happens
     * on the first run, when the cache is older than `fullReadAfterHours`, or when it is off.
     */
    deltas: z
      .strictObject({
        enabled: z.boolean().default(true),
        fullReadAfterHours: z
          .number()
          .positive()
          .max(24 * 31)
          .default(24),
      })
      .default({ enabled: true, fullReadAfterHours: 24 }),
    /**
     * SD answers only in its opening hours. When it is closed the read stops (nothing partial is
     * kept); with `waitMinutes` the source waits up to that long for it to open and then reads
     * everything again from the start.
     */
    closed: z
      .strictObject({
        waitMinutes: z
          .number()
          .min(0)
          .max(12 * 60)
          .default(0),
        /** How often to ask whether SD is open again while waiting. */
        pollSeconds: z.number().positive().max(3600).default(300),
        /** The hours SD keeps, for the message that tells the operator when it opens. */
        openingHours: z.strictObject({ open: HHMM, close: HHMM }).default({ open: '06:05', close: '21:55' }),
      })
      .default({ waitMinutes: 0, pollSeconds: 300, openingHours: { open: '06:05', close: '21:55' } }),
    timeoutSeconds: z.number().positive().max(3600).default(120),
    retries: z.number().int().min(0).max(10).default(3),
    /** Simultaneous calls (GetDepartmentParent is one call per department GetOrganization misses). */
    concurrency: z.number().int().min(1).max(64).default(8),
  })
  .superRefine((c, ctx) => {
    if (c.unitKey === 'identifier' && c.institutions.length > 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['unitKey'],
        message:
          'DepartmentIdentifier is unique only within one institution: use unitKey uuid with several institutions',
      });
    }
    const ids = c.institutions.map((i) => i.identifier);
    if (new Set(ids).size !== ids.length) {
      ctx.addIssue({ code: 'custom', path: ['institutions'], message: 'an institution is named twice' });
    }
  });
export type SdLonConfig = z.infer<typeof SdLonConfig>;
