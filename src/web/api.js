/**
 * Talking to the worker's admin API from the page: the token (kept in sessionStorage,
 * so it lives as long as the tab and is not shared with other tabs or kept on disk
 * after), sent as a Bearer token; errors turned into ApiError with the API's own
 * message and hint, so the page shows what the worker said.
 */

const KEY = 'orgsync.token';

export const token = {
  get: () => sessionStorage.getItem(KEY),
  set: (value) => sessionStorage.setItem(KEY, value),
  clear: () => sessionStorage.removeItem(KEY),
};

export class ApiError extends Error {
  constructor(status, code, message, hint) {
    super(message);
    this.status = status;
    this.code = code;
    this.hint = hint;
  }
}

let unauthorized = () => {};

/** What to do when the worker refuses the token (401): back to the login form. */
export function onUnauthorized(fn) {
  unauthorized = fn;
}

export async function api(path, { method = 'GET', body } = {}) {
  const headers = { accept: 'application/json', authorization: `Bearer ${token.get() ?? ''}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
    });
  } catch (e) {
    throw new ApiError(0, 'NETWORK', `the worker cannot be reached (${e.message})`, 'Is it running?');
  }
  const data = await res.json().catch(() => null);
  if (!res.ok) {
    const e = data?.error ?? {};
    const err = new ApiError(
      res.status,
      e.code ?? `HTTP_${res.status}`,
      e.message ?? `the worker answered ${res.status} ${res.statusText}`,
      e.hint ?? '',
    );
    if (res.status === 401) unauthorized(err);
    throw err;
  }
  return data;
}
