/**
 * The connector SDK in one import: what a connector is made of (defineTarget, its session
 * and context), the objects it is handed (Change, CurrentObject), the errors it reports, and
 * secrets for its config. docs/writing-a-connector.md walks through it.
 */
export {
  type ApplyContext,
  type Capabilities,
  type CheckResult,
  defineSource,
  defineTarget,
  type PendingChange,
  type SourceConnector,
  type TargetConnector,
  type TargetContext,
  type TargetSession,
} from './connector.js';
export { CONNECTOR_ERROR_KINDS, ConnectorError, type ConnectorErrorKind } from './errors.js';
export { Secret, secret } from './secret.js';
export type {
  AttrChange,
  Attrs,
  AttrValue,
  Change,
  ChangeAction,
  ChangeResult,
  CurrentObject,
  ObjectType,
} from './types.js';
