// The server's API v1 (../shared/API.md): tokens, refresh before expiry, problem+json errors.
// The refresh token rotates: the new pair is stored before it is used, and refreshing is
// serialised across tabs (Web Locks), so one refresh token is never presented twice.

import { getMeta, setMeta } from "./db.js";

const BASE = "/api/v1";
const EARLY_REFRESH_MS = 60_000;

/** The server answered with an error (problem+json in `problem`). */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

/** The server could not be reached. */
export class OfflineError extends Error {}

/** The refresh token is gone or refused: the collector must sign in again (local data is kept). */
export class SignInNeeded extends Error {}

let refreshing = null;

/** The stored sign-in {username, access_token, refresh_token, expires_at}, or null. */
export async function currentAuth() {
  return (await getMeta("auth")) || null;
}

async function send(path, { method = "GET", body, headers = {}, token } = {}) {
  const init = { method, headers: { Accept: "application/json", ...headers } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["Content-Type"] = "application/json";
  }
  if (token) init.headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(BASE + path, init);
  } catch (error) {
    throw new OfflineError(error.message);
  }
  if (response.status === 304 || response.status === 204) return { status: response.status, headers: response.headers };
  const type = response.headers.get("Content-Type") || "";
  const data = type.includes("json") ? await response.json().catch(() => null) : null;
  if (!response.ok) throw new ApiError(response.status, data);
  return { status: response.status, body: data, headers: response.headers };
}

function pairToAuth(username, pair) {
  return { username, access_token: pair.access_token, refresh_token: pair.refresh_token,
    expires_at: Date.now() + pair.expires_in * 1000 };
}

/** Exchange the password for tokens and store them. */
export async function signIn(username, password, deviceId) {
  const { body } = await send("/auth/token", { method: "POST",
    body: { username, password, device_id: deviceId } });
  const auth = pairToAuth(username, body);
  await setMeta("auth", auth);
  return auth;
}

/** Revoke this sign-in on the server (best effort) and forget the tokens. */
export async function signOut() {
  const auth = await currentAuth();
  await setMeta("auth", null);
  if (auth?.refresh_token) {
    await send("/auth/logout", { method: "POST", body: { refresh_token: auth.refresh_token } })
      .catch(() => {});
  }
}

function withAuthLock(fn) {
  return navigator.locks ? navigator.locks.request("zhiwang-auth", fn) : fn();
}

/** Rotate the refresh token once, replacing `stale` (concurrent callers share one rotation). */
export function refreshTokens(stale = null) {
  refreshing ??= withAuthLock(async () => {
    // Re-read inside the lock: another tab may have rotated the token meanwhile.
    const auth = await currentAuth();
    if (!auth?.refresh_token) throw new SignInNeeded("not signed in");
    if (auth.access_token && auth.access_token !== stale &&
        auth.expires_at - EARLY_REFRESH_MS > Date.now()) return auth;
    let body;
    try {
      ({ body } = await send("/auth/refresh", { method: "POST",
        body: { refresh_token: auth.refresh_token } }));
    } catch (error) {
      if (error instanceof ApiError && error.status >= 400 && error.status < 500) {
        await setMeta("auth", { ...auth, access_token: null, refresh_token: null });
        throw new SignInNeeded(error.message);
      }
      throw error;
    }
    const next = pairToAuth(auth.username, body);
    await setMeta("auth", next); // persisted before anything uses it
    return next;
  }).finally(() => { refreshing = null; });
  return refreshing;
}

async function freshAccessToken() {
  const auth = await currentAuth();
  if (!auth?.refresh_token && !auth?.access_token) throw new SignInNeeded("not signed in");
  if (auth.access_token && auth.expires_at - EARLY_REFRESH_MS > Date.now()) return auth.access_token;
  return (await refreshTokens(auth.access_token)).access_token;
}

/** A valid access token (refreshed first when it is about to expire), for raw requests. */
export function accessToken() {
  return freshAccessToken();
}

/** An authorised API call; refreshes an expired access token first, and once more on a 401. */
export async function api(path, options = {}) {
  const token = await freshAccessToken();
  try {
    return await send(path, { ...options, token });
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401) throw error;
    return send(path, { ...options, token: (await refreshTokens(token)).access_token });
  }
}
