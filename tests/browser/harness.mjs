// What the browser tests stand on: the real stacklens binary on port 0 with a
// fresh data dir, Debian's chromium driven by playwright-core, and the real
// Python SDK run in a subprocess.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, existsSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const require = createRequire(path.join(ROOT, "web/package.json"));
const { chromium } = require("playwright-core");

export const SCREENSHOTS = path.join(ROOT, "artifacts/screenshots");
const CHROMIUM = process.env.STACKLENS_CHROMIUM ?? "/usr/bin/chromium";
const BINARY = process.env.STACKLENS_BINARY ?? path.join(ROOT, "build/stacklens");

async function waitFor(check, what, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts the server; resolves with its URL and the first admin's login. */
export async function startServer(extraArgs = []) {
  const dir = mkdtempSync(path.join(tmpdir(), "stacklens-browser-"));
  const portFile = path.join(dir, "port");
  const proc = spawn(BINARY, ["serve", "--port", "0", "--port-file", portFile, "--data-dir", path.join(dir, "data"),
    "--web-dir", path.join(ROOT, "web/dist"), "--log-level", "warn", ...extraArgs], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  proc.stdout.on("data", (d) => (out += d));
  proc.stderr.on("data", (d) => (err += d));
  let exited = null;
  proc.on("exit", (code) => (exited = code));
  const login = await waitFor(() => {
    if (exited !== null) throw new Error(`server exited ${exited}: ${err}`);
    const m = out.match(/Admin login:\s*(\S+)\s*\/\s*(\S+)/);
    const k = out.match(/API key:\s*(sl-\S+)/);
    return m && k && existsSync(portFile) && readFileSync(portFile, "utf8").trim()
      ? { email: m[1], password: m[2], apiKey: k[1] } : null;
  }, "the server's admin login");
  const port = Number(readFileSync(portFile, "utf8").trim());
  return {
    url: `http://127.0.0.1:${port}`,
    admin: { email: login.email, password: login.password },
    bootstrapKey: login.apiKey,
    logs: () => err,
    stop: async () => {
      if (exited === null) {
        proc.kill("SIGTERM");
        await waitFor(() => exited !== null, "the server to stop", 15000).catch(() => proc.kill("SIGKILL"));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function startBrowser() {
  // playwright-core gives every launch a fresh, empty --user-data-dir of its own.
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  return {
    browser,
    newPage: async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      page.setDefaultTimeout(10000);
      return page;
    },
    stop: async () => {
      await browser.close();
    },
  };
}

// Signed out, the dashboard learns it from this 401 on every load: expected, never a problem.
const ALWAYS_EXPECTED = [{ status: 401, method: "GET", path: "/api/v1/auth/me" }];

/**
 * Collects what goes wrong in the page: uncaught errors, console errors, failed requests and answers
 * >= 400, except those a test announced with expect(status, method, path) (for example a refused
 * sign-in). take() returns them and starts over, so each test answers for its own.
 */
export function watchProblems(page) {
  let seen = [];
  let expected = [...ALWAYS_EXPECTED];
  const isExpected = (status, method, url) => {
    const { pathname } = new URL(url);
    return expected.some((e) => e.status === status && e.method === method && e.path === pathname);
  };
  page.on("pageerror", (e) => seen.push(`page error: ${e.message}`));
  page.on("response", (r) => {
    const status = r.status();
    if (status < 400) return;
    if (!isExpected(status, r.request().method(), r.url())) seen.push(`${status} from ${r.request().method()} ${r.url()}`);
  });
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    // Chromium logs each answer >= 400 as "Failed to load resource": the response listener judges those.
    if (/^Failed to load resource: the server responded with a status of \d+/.test(m.text())) return;
    const url = m.location()?.url ?? "";
    seen.push(`console error: ${m.text()}${url ? ` (${url})` : ""}`);
  });
  page.on("requestfailed", (r) => {
    const why = r.failure()?.errorText ?? "";
    // A navigation (page.goto, a click on a link) cancels the fetches of the page it leaves.
    if (why === "net::ERR_ABORTED") return;
    seen.push(`request failed: ${r.method()} ${r.url()}: ${why}`);
  });
  return {
    expect: (status, method, path) => expected.push({ status, method, path }),
    take: () => {
      const found = seen;
      seen = [];
      expected = [...ALWAYS_EXPECTED];
      return found;
    },
  };
}

export async function screenshot(page, name, fullPage = false) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage });
  return file;
}

/** Runs tests/browser/sdk_client.py with the real SDK; returns its JSON answer. */
export function sdk(serverUrl, apiKey, ...args) {
  const text = execFileSync("python3", [path.join(ROOT, "tests/browser/sdk_client.py"), serverUrl, apiKey, ...args], {
    encoding: "utf8",
    env: { ...process.env, PYTHONPATH: path.join(ROOT, "sdk/python/src") },
  });
  return JSON.parse(text.trim().split("\n").pop());
}

/** Milliseconds from starting a navigation to a selector being visible. */
export async function timeToVisible(page, url, selector) {
  const t0 = performance.now();
  await page.goto(url);
  await page.waitForSelector(selector, { state: "visible", timeout: 60000 });
  return performance.now() - t0;
}

/** Starts tests/support/fake_llm_provider.py (OpenAI's and Anthropic's APIs, faked); resolves with its base URL. */
export async function startFakeProvider() {
  const proc = spawn("python3", [path.join(ROOT, "tests/support/fake_llm_provider.py")], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  let exited = null;
  proc.stdout.on("data", (d) => (out += d));
  proc.stderr.on("data", (d) => (err += d));
  proc.on("exit", (code) => (exited = code));
  const url = await waitFor(() => {
    if (exited !== null) throw new Error(`the fake provider exited ${exited}: ${err}`);
    return out.match(/^(http:\/\/\S+)\n/)?.[1];
  }, "the fake provider's URL");
  return {
    url,
    stop: async () => {
      if (exited !== null) return;
      proc.kill("SIGTERM");
      await waitFor(() => exited !== null, "the fake provider to stop", 5000).catch(() => proc.kill("SIGKILL"));
    },
  };
}
