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

function headersFor(method: string, contentType?: string): Record<string, string> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (contentType) headers["Content-Type"] = contentType;
  if (UNSAFE.has(method) && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  if (project) headers["X-StackLens-Project"] = project;
  return headers;
}

/** The answer's JSON, or an ApiError in plain words with the server's own reason. */
function answer<T>(path: string, status: number, text: string): T {
  let data: unknown = undefined;
  try {
    data = text ? JSON.parse(text) : {};
  } catch {
    data = undefined;
  }
  if (status < 200 || status >= 300) {
    const said = data && typeof data === "object" && "error" in data ? String((data as { error: unknown }).error) : "";
    if (status === 401 && path !== "/auth/login" && path !== "/auth/me") onSignedOut();
    throw new ApiError(status, plainWords(status, said));
  }
  if (data === undefined) throw new ApiError(status, "The server answered with something that is not JSON.");
  return data as T;
}

export async function api<T>(method: string, path: string, body?: unknown, query?: Query): Promise<T> {
  const headers = headersFor(method, body === undefined ? undefined : "application/json");
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
  return answer<T>(path, response.status, await response.text());
}

/**
 * A POST of a file's bytes as they are (an upload), reporting the share sent so far (0..1): fetch() cannot tell
 * upload progress, XMLHttpRequest can. Answers and errors as api().
 */
export function apiUpload<T>(path: string, file: Blob, contentType: string, onProgress: (sent: number) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/api/v1${path}`);
    for (const [name, value] of Object.entries(headersFor("POST", contentType))) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (e) => { if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total); };
    xhr.onerror = () => reject(new ApiError(0, plainWords(0, "")));
    xhr.onload = () => {
      try {
        resolve(answer<T>(path, xhr.status, xhr.responseText));
      } catch (err) {
        reject(err);
      }
    };
    xhr.send(file);
  });
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
