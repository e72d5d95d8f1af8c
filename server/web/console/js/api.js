// The API client: bearer tokens, one refresh at a time (across tabs too), problem+json errors.

const KEY = 'zhiwang.console.session';
const BASE = '/api/v1';
const EARLY_REFRESH_MS = 30_000;

/** An HTTP error with the problem+json body (status, title, detail, errors, claimed_by…). */
export class ApiError extends Error {
  constructor(status, body) {
    super((body && (body.detail || body.title)) || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
  }
}

function load() {
  try { return JSON.parse(localStorage.getItem(KEY)); } catch { return null; }
}

function save(tokens) {
  const session = { access: tokens.access_token, refresh: tokens.refresh_token,
    expiresAt: Date.now() + (tokens.expires_in || 900) * 1000 };
  localStorage.setItem(KEY, JSON.stringify(session));
  return session;
}

function forget() {
  localStorage.removeItem(KEY);
  window.dispatchEvent(new CustomEvent('zhiwang:signed-out'));
}

export function signedIn() { return Boolean(load()); }

/** Sign in with a username and password. */
export async function login(username, password) {
  const response = await fetch(`${BASE}/auth/token`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const body = await parse(response);
  if (!response.ok) throw new ApiError(response.status, body);
  save(body);
}

/** Revoke this sign-in and forget the tokens. */
export async function logout() {
  const session = load();
  if (session) {
    await fetch(`${BASE}/auth/logout`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ refresh_token: session.refresh }),
    }).catch(() => {});
  }
  forget();
}

/**
 * Refresh the token pair. Refresh tokens rotate and re-using a rotated one revokes the whole
 * sign-in, so only one refresh may run at a time in this browser (a Web Lock spans tabs); a
 * caller that finds the stored pair already replaced by another tab just uses it.
 */
async function refresh(used) {
  const run = async () => {
    const stored = load();
    if (!stored) return null;
    if (stored.refresh !== used.refresh) return stored;
    const response = await fetch(`${BASE}/auth/refresh`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ refresh_token: stored.refresh }),
    });
    if (!response.ok) { forget(); return null; }
    return save(await response.json());
  };
  return navigator.locks ? navigator.locks.request('zhiwang-console-refresh', run) : run();
}

async function parse(response) {
  if (response.status === 204) return null;
  const type = response.headers.get('Content-Type') || '';
  return type.includes('json') ? response.json() : response.text();
}

function url(path, query) {
  const target = new URL(BASE + path, window.location.origin);
  for (const [k, v] of Object.entries(query || {})) {
    if (v !== undefined && v !== null && v !== '') target.searchParams.set(k, v);
  }
  return target.pathname + target.search;
}

/** A binary resource of the API (a photo) as a Blob, or null when it is not there (yet). */
export async function apiBlob(path, query) {
  let session = load();
  if (!session) return null;
  if (session.expiresAt - Date.now() < EARLY_REFRESH_MS) session = (await refresh(session)) || session;
  const response = await fetch(url(path, query), { headers: { Authorization: `Bearer ${session.access}` } });
  return response.ok ? response.blob() : null;
}

/** Call the API: api('/conflicts', {query}) or api('/conflicts/1/claim', {method: 'POST'}). */
export async function api(path, { method = 'GET', body, query } = {}) {
  let session = load();
  if (!session) { forget(); throw new ApiError(401, { title: 'Not signed in' }); }
  if (session.expiresAt - Date.now() < EARLY_REFRESH_MS) session = (await refresh(session)) || session;
  const send = (s) => fetch(url(path, query), {
    method,
    headers: { Authorization: `Bearer ${s.access}`,
      ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  let response = await send(session);
  if (response.status === 401) {
    const renewed = await refresh(session);
    if (!renewed) throw new ApiError(401, await parse(response));
    response = await send(renewed);
    if (response.status === 401) forget();
  }
  const payload = await parse(response);
  if (!response.ok) throw new ApiError(response.status, payload);
  return payload;
}
