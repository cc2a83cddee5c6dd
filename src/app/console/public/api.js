/**
 * The admin API as the console uses it. The key lives in this tab's sessionStorage and travels
 * only in the Authorization header, never in a URL.
 */
const STORAGE_KEY = 'pts-console-key';

export const session = { key: sessionStorage.getItem(STORAGE_KEY), role: null };

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export function signIn(key, role) {
  session.key = key;
  session.role = role;
  sessionStorage.setItem(STORAGE_KEY, key);
}

export function signOut() {
  session.key = null;
  session.role = null;
  sessionStorage.removeItem(STORAGE_KEY);
}

export function canAct() {
  return session.role === 'admin';
}

/** `GET /admin/me` with a key that is not stored yet: the role it has, or an ApiError. */
export async function roleOf(key) {
  const body = await request('GET', '/admin/me', { key });
  return body.role;
}

export function get(path, query) {
  return request('GET', path, { query });
}

export function post(path, query) {
  return request('POST', path, { query, body: {} });
}

async function request(method, path, { key = session.key, query, body } = {}) {
  const url = new URL(path, location.origin);
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(name, value);
  }
  const headers = { Authorization: `Bearer ${key}`, Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: 'no-store',
  });
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { message: text };
  }
  if (!response.ok) {
    const message = Array.isArray(data?.message) ? data.message.join('; ') : data?.message;
    const error = new ApiError(
      response.status,
      message || `${response.status} ${response.statusText}`,
    );
    if (response.status === 401 && key === session.key) {
      window.dispatchEvent(new CustomEvent('console:unauthorized', { detail: error }));
    }
    throw error;
  }
  return data;
}
