/** PostgreSQL connection URLs, as both the state store and the sql target name them. */

/** scheme://rest: the rest is userinfo@host:port/path?query, userinfo optional. */
const WITH_AUTHORITY = /^([a-z][a-z0-9+.-]*:)\/\/(.*)$/is;

/**
 * The URL split at the LAST '@': the user information (user:password, exactly as written)
 * and everything after it. A password with an unencoded '/', '?' or '#' makes a URL parser
 * end the host early and take part of the password for host, port or database name; cut at
 * the last '@', no part of the user information can land in what is shown.
 */
export function splitPostgresUrl(
  url: string,
): { scheme: string; userinfo: string | undefined; rest: string } | null {
  const m = WITH_AUTHORITY.exec(url);
  if (!m) return null;
  const scheme = m[1]!;
  const afterScheme = m[2]!;
  const at = afterScheme.lastIndexOf('@');
  if (at < 0) return { scheme, userinfo: undefined, rest: afterScheme };
  return { scheme, userinfo: afterScheme.slice(0, at), rest: afterScheme.slice(at + 1) };
}

/** Where a URL points, for messages: host, port and database, never user or password. */
export function describePostgresUrl(url: string): string {
  const fallback = 'the configured PostgreSQL server';
  const parts = splitPostgresUrl(url);
  if (!parts) return fallback;
  try {
    const u = new URL(`${parts.scheme}//${parts.rest}`);
    const host = u.hostname || new URLSearchParams(u.search).get('host') || 'localhost';
    return `${host}:${u.port || '5432'}${u.pathname.length > 1 ? u.pathname : ''}`;
  } catch {
    return fallback;
  }
}
