/**
 * What a connector's test hands the conformance suite (./conformance.ts): the connector, how
 * to reach a live, empty instance of its target, and the mapping to sync into it. The suite
 * does the rest through the real engine: plan, apply, read back, plan again.
 */
import type { TargetConnector } from '../sdk/connector.js';

/** One object type's mapping, as in a target's `objects` block in YAML. */
export interface HarnessMapping {
  attributes: Record<string, string>;
  sensitive?: string[];
}

export interface ConformanceHarness<C = unknown> {
  connector: TargetConnector<C>;
  /**
   * The connector config of a live target the suite may fill and empty, as it would be
   * written in YAML (secrets as `{ env }` or `{ file }`); may return a promise. Called once,
   * in the suite's beforeAll, so servers started in the test file's own beforeAll are up.
   */
  config(): unknown;
  /**
   * What to sync, per object type, as a target's `objects` block. Expressions may read the
   * suite's small organisation (src/testing/organisation.ts): unit.name, unit.costCentre,
   * person.givenName, person.surname, person.email, person.userId, position.title,
   * manager.key... Map only the types the connector holds.
   */
  objects: { unit?: HarnessMapping; person?: HarnessMapping; position?: HarnessMapping };
  /**
   * A config the connector must refuse before it makes any connection: its schema rejects
   * it, or open()/check() reports it without a socket being opened.
   */
  invalidConfig: unknown;
  /**
   * A valid config for a target that cannot be reached (a closed port). check() must say
   * not ok without throwing, and a change must fail as `transient`. Leave out for a
   * target with no network (files).
   */
  unreachableConfig?(): unknown;
  /** Empties the target; called before the suite starts. */
  reset?(): Promise<void>;
  /** More target options (concurrency, retry, scope...) merged into the target block. */
  target?: Record<string, unknown>;
}
