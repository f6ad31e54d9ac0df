/** PostgreSQL connection URLs, as both the state store and the sql target name them. */

/** Where a URL points, for messages: host, port and database, never user or password. */
export function describePostgresUrl(url: string): string {
  try {
    const u = new URL(url);
    const host = u.hostname || new URLSearchParams(u.search).get('host') || 'localhost';
    return `${host}:${u.port || '5432'}${u.pathname.length > 1 ? u.pathname : ''}`;
  } catch {
    return 'the configured PostgreSQL server';
  }
}
