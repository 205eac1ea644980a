// Loads N spans (default 1,000,000) into a fresh server through the batch
// ingest API, then measures in Chromium how long the Overview and the Traces
// page take from navigation to showing their data. Prints figures; asserts
// nothing. Usage: node bench/dashboard_load.mjs [spans]   (after scripts/build.sh
// and scripts/build_web.sh)
import { startBrowser, startServer, timeToVisible } from "../tests/browser/harness.mjs";

const TOTAL = Number(process.argv[2] ?? 1_000_000);
const BATCH = 1000;
const PARALLEL = 4;
const SPANS_PER_TRACE = 4;
const MODELS = [["gpt-4o", "openai"], ["gpt-4o-mini", "openai"], ["claude-3-5-sonnet", "anthropic"], ["gemini-1.5-pro", "gemini"], ["llama-3-70b", "bedrock"]];
const OPS = ["document-summary", "agent-run", "support-chat", "classify-ticket", "rag-answer", "translate"];

const server = await startServer(["--ingest-queue-spans", "200000"]);
const now = Date.now();
const DAY_MS = 86_400_000;

function batch(b) {
  const spans = [];
  for (let i = 0; i < BATCH; i++) {
    const n = b * BATCH + i;
    const t = Math.floor(n / SPANS_PER_TRACE);
    const k = n % SPANS_PER_TRACE;
    const startMs = now - DAY_MS + ((t * 7919) % DAY_MS) + k * 20;
    const [model, provider] = MODELS[t % MODELS.length];
    const span = {
      traceId: `bench-${t}`, spanId: `s${k}`, parentSpanId: k === 0 ? null : "s0",
      name: k === 0 ? OPS[t % OPS.length] : `step-${k}`,
      status: t % 53 === 0 && k === 1 ? "error" : "ok",
      startTime: String(startMs * 1e6), endTime: String((startMs + 50 + ((t * 31 + k * 17) % 1500)) * 1e6),
      attributes: { user_id: `u-${t % 1000}` },
      tags: k === 0 ? [t % 2 ? "prod" : "beta"] : [],
    };
    if (k > 0) span.llmSpan = { model, provider, inputTokens: 100 + (t % 900), outputTokens: 20 + (t % 300), estimatedCostUsd: 0.0001 * (1 + (t % 20)) };
    spans.push(span);
  }
  return JSON.stringify({ spans });
}

async function send(b) {
  for (;;) {
    const r = await fetch(`${server.url}/api/v1/stacktrace/v1/traces/batch`, {
      method: "POST", headers: { "Content-Type": "application/json", "X-Api-Key": server.bootstrapKey }, body: batch(b),
    });
    if (r.status === 429 || r.status === 503) { await new Promise((res) => setTimeout(res, 200)); continue; }
    const body = await r.json();
    if (r.status !== 200 || body.rejected) throw new Error(`batch ${b}: ${r.status} ${JSON.stringify(body).slice(0, 300)}`);
    return;
  }
}

const t0 = performance.now();
let next = 0;
await Promise.all(Array.from({ length: PARALLEL }, async () => {
  while (next < TOTAL / BATCH) await send(next++);
}));
const ingestS = (performance.now() - t0) / 1000;
console.log(`ingested ${TOTAL.toLocaleString()} spans (${(TOTAL / SPANS_PER_TRACE).toLocaleString()} traces) in ${ingestS.toFixed(1)} s (${Math.round(TOTAL / ingestS).toLocaleString()} spans/s)`);

const browser = await startBrowser();
const page = await browser.newPage();
page.setDefaultTimeout(60000);
await page.goto(server.url + "/");
await page.fill("input[name=email]", server.admin.email);
await page.fill("input[name=password]", server.admin.password);
await page.click("button[type=submit]");
await page.waitForSelector("[data-testid=role]");

const runs = { overview: [], traces: [], tracesFiltered: [] };
for (let i = 0; i < 5; i++) {
  // Each page's requests finish before the next navigation, so runs do not share the server.
  runs.overview.push(await timeToVisible(page, `${server.url}/`, "[data-testid=overview-data]"));
  await page.waitForLoadState("networkidle");
  runs.traces.push(await timeToVisible(page, `${server.url}/traces`, "tr[data-trace-id]"));
  await page.waitForLoadState("networkidle");
  runs.tracesFiltered.push(await timeToVisible(page, `${server.url}/traces?model=gpt-4o&tag=prod&attr=user_id%3Du-45`, "tr[data-trace-id], [data-testid=no-match]"));
  await page.waitForLoadState("networkidle");
}
// The API requests behind those pages, timed alone (server side plus transfer).
const since = new Date(Date.now() - DAY_MS).toISOString();
const until = new Date().toISOString();
const apiCalls = {
  "metrics group_by=none (chart)": `/stacktrace/v1/metrics?from=${since}&to=${until}&group_by=none`,
  "metrics group_by=name (top list)": `/stacktrace/v1/metrics?from=${since}&to=${until}&group_by=name&interval=86400`,
  "traces page 1": `/stacktrace/v1/traces?from=${since}&limit=50`,
  "traces filtered": `/stacktrace/v1/traces?from=${since}&limit=50&model=gpt-4o&tag=prod&attr=user_id%3Du-45`,
};
const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
for (const [name, path] of Object.entries(apiCalls)) {
  const t = performance.now();
  const r = await fetch(`${server.url}/api/v1${path}`, { headers: { Cookie: cookie } });
  await r.text();
  console.log(`api ${name}: ${(performance.now() - t).toFixed(0)} ms (status ${r.status})`);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const [name, xs] of Object.entries(runs)) {
  console.log(`${name}: median ${median(xs).toFixed(0)} ms (runs: ${xs.map((x) => x.toFixed(0)).join(", ")} ms), navigation to data shown`);
}
await browser.stop();
await server.stop();
