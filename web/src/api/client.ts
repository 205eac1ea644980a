// The one place the dashboard talks HTTP: session cookie, CSRF header, project
// header, and API errors turned into plain words.

export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

let csrfToken = "";
let project = "";

export function setCsrfToken(token: string): void { csrfToken = token; }
export function setProject(name: string): void { project = name; }
export function currentProject(): string { return project; }

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

function plainWords(status: number, serverText: string): string {
  const said = serverText ? `: ${serverText}` : "";
  switch (true) {
    case status === 0: return "The StackLens server cannot be reached. Is it running?";
    case status === 401: return `You are signed out${said}. Sign in again.`;
    case status === 403: return `You are not allowed to do this${said}.`;
    case status === 404: return `Not found${said}.`;
    case status === 409: return `Conflict${said}.`;
    case status === 413: return `Too large${said}.`;
    case status === 429: return `Too many requests${said}. Wait a moment and try again.`;
    case status >= 500: return `The server failed (${status})${said}.`;
    default: return serverText || `Request failed (${status}).`;
  }
}

export type Query = Record<string, string | number | undefined | null | (string | number)[]>;

export function queryString(query?: Query): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === "") continue;
    for (const item of Array.isArray(value) ? value : [value]) params.append(key, String(item));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

export async function api<T>(method: string, path: string, body?: unknown, query?: Query): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (UNSAFE.has(method) && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  if (project) headers["X-StackLens-Project"] = project;
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}${queryString(query)}`, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, plainWords(0, ""));
  }
  const text = await response.text();
  let data: unknown = undefined;
  try {
    data = text ? JSON.parse(text) : {};
  } catch {
    data = undefined;
  }
  if (!response.ok) {
    const said = data && typeof data === "object" && "error" in data ? String((data as { error: unknown }).error) : "";
    if (response.status === 401 && path !== "/auth/login" && path !== "/auth/me") onSignedOut();
    throw new ApiError(response.status, plainWords(response.status, said));
  }
  if (data === undefined) throw new ApiError(response.status, "The server answered with something that is not JSON.");
  return data as T;
}

let signedOutListener: () => void = () => {};
export function onSignedOutCall(listener: () => void): void { signedOutListener = listener; }
function onSignedOut(): void { signedOutListener(); }

/** A GET whose answer is not JSON (an export), as text; errors as api() reports them. */
export async function apiText(path: string, query?: Query): Promise<string> {
  const headers: Record<string, string> = {};
  if (project) headers["X-StackLens-Project"] = project;
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}${queryString(query)}`, { headers, credentials: "same-origin" });
  } catch {
    throw new ApiError(0, plainWords(0, ""));
  }
  const text = await response.text();
  if (!response.ok) {
    let said = "";
    try {
      said = String((JSON.parse(text) as { error?: unknown }).error ?? "");
    } catch {
      said = "";
    }
    if (response.status === 401) onSignedOut();
    throw new ApiError(response.status, plainWords(response.status, said));
  }
  return text;
}
