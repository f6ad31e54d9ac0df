/**
 * What the service can do (RFC 7643 section 5): read once per session from
 * /ServiceProviderConfig, then overridden by what the configuration says. A service without
 * the document (some SaaS never implemented it) is taken to do what nearly all do: PATCH
 * and filtering by `eq`, no bulk, no ETags.
 */
import type { Feature, ScimConfig } from './config.js';
import { isSuccess, type ScimHttp } from './http.js';

export interface Features {
  patch: boolean;
  filter: boolean;
  etag: boolean;
  /** Bulk, with the limits of one request; null when not used. */
  bulk: { maxOperations: number; maxPayloadSize: number } | null;
  /** Most results a filtered list returns, when the service said. */
  maxResults: number | null;
  /** Whether the service answered /ServiceProviderConfig (for check()'s message). */
  discovered: boolean;
}

interface Offered {
  supported?: unknown;
  maxOperations?: unknown;
  maxPayloadSize?: unknown;
  maxResults?: unknown;
}

/** RFC 7643 attribute names are case-insensitive: a property by any spelling. */
export function prop(o: unknown, name: string): unknown {
  if (typeof o !== 'object' || o === null) return undefined;
  const rec = o as Record<string, unknown>;
  if (Object.hasOwn(rec, name)) return rec[name];
  const lower = name.toLowerCase();
  for (const k of Object.keys(rec)) if (k.toLowerCase() === lower) return rec[k];
  return undefined;
}

const positive = (v: unknown): number | null => (typeof v === 'number' && v > 0 ? v : null);
const decide = (setting: Feature, offered: boolean) => (setting === 'auto' ? offered : setting);

export async function discover(http: ScimHttp, cfg: ScimConfig): Promise<Features> {
  // 404 or 501: no discovery document. Anything else that fails is a real problem (auth, down).
  const answer = await http.get('/ServiceProviderConfig', 'read ServiceProviderConfig', [404, 501]);
  const doc = isSuccess(answer.status) ? answer.body : undefined;
  const offered = (name: string): Offered => (prop(doc, name) ?? {}) as Offered;
  const supported = (name: string, fallback: boolean) =>
    doc === undefined ? fallback : prop(offered(name), 'supported') === true;
  const bulk = offered('bulk');
  const useBulk = decide(cfg.features.bulk, supported('bulk', false));
  return {
    patch: decide(cfg.features.patch, supported('patch', true)),
    filter: decide(cfg.features.filter, supported('filter', true)),
    etag: decide(cfg.features.etag, supported('etag', false)),
    bulk: useBulk
      ? {
          maxOperations: Math.min(cfg.bulk.maxOperations, positive(prop(bulk, 'maxOperations')) ?? Infinity),
          // 1 MB when the service does not say: RFC 7644's example, and what most services take.
          maxPayloadSize: positive(prop(bulk, 'maxPayloadSize')) ?? 1_048_576,
        }
      : null,
    maxResults: positive(prop(offered('filter'), 'maxResults')),
    discovered: doc !== undefined,
  };
}

export const describeFeatures = (f: Features): string =>
  [
    `PATCH ${f.patch ? 'yes' : 'no (PUT)'}`,
    `filter ${f.filter ? 'yes' : 'no'}`,
    `bulk ${f.bulk ? `yes (${f.bulk.maxOperations} operations)` : 'no'}`,
    `ETag ${f.etag ? 'yes' : 'no'}`,
    f.discovered ? '' : '(no ServiceProviderConfig: assumed)',
  ]
    .filter(Boolean)
    .join(', ');
