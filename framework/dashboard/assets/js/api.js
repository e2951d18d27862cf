// The Admin and Auth HTTP APIs, as Medusa's JS SDK calls them. The session
// is the HttpOnly cookie POST /auth/session sets; tokens are only held in
// memory for the few calls that need them (register, accept, reset).

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `Request failed (${status})`);
    this.status = status;
    this.type = body && body.type;
    this.code = body && body.code;
  }
}

export async function api(method, path, { query, body, token } = {}) {
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(query || {})) {
    if (v === undefined || v === null || v === "") continue;
    url.searchParams.set(k, String(v));
  }
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = "Bearer " + token;
  let res;
  try {
    res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "same-origin" });
  } catch (e) {
    throw new ApiError(0, { message: "The server cannot be reached. Check your connection and try again." });
  }
  const type = res.headers.get("Content-Type") || "";
  const data = type.includes("json") ? await res.json().catch(() => null) : await res.text();
  if (!res.ok) throw new ApiError(res.status, typeof data === "object" ? data : { message: data || res.statusText });
  return data;
}

// The signed-in user, loaded once per sign-in.
let mePromise = null;

export function me() {
  if (!mePromise) {
    mePromise = api("GET", "/admin/users/me").then((r) => r.user).catch((e) => {
      mePromise = null;
      if (e.status === 401 || e.status === 404) return null;
      throw e;
    });
  }
  return mePromise;
}

export function forgetMe() {
  mePromise = null;
}

export function setMe(user) {
  mePromise = Promise.resolve(user);
}

// signIn logs in with email and password and starts a cookie session.
export async function signIn(email, password) {
  const { token } = await api("POST", "/auth/user/emailpass", { body: { email, password } });
  await startSession(token);
}

export async function startSession(token) {
  await api("POST", "/auth/session", { token });
  forgetMe();
}

export async function signOut() {
  try {
    await api("DELETE", "/auth/session");
  } finally {
    forgetMe();
  }
}

// claims reads a JWT's payload without verifying it (the server does).
export function claims(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(part));
  } catch {
    return null;
  }
}
