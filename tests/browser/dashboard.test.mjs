// A new user's path through the dashboard, in Debian's chromium, against the
// real server and the real Python SDK. Each page's screenshot is saved to
// artifacts/screenshots/. Steps share one browser page and run in order.
import assert from "node:assert/strict";
import { after, afterEach, before, test } from "node:test";
import { screenshot, sdk, startBrowser, startFakeProvider, startServer, timeToVisible, watchProblems } from "./harness.mjs";

let server;
let fake;
let browser;
let page;
let problems;
let apiKey = "";
let keyPrefix = "";
let ids = {};
let viewer = { email: "viewer@example.com", password: "" };
const PROMPT = "support-system-prompt";
const V1 = "You are a support agent for StackLens.\nAnswer briefly.";
const V2 = "You are a support agent for StackLens.\nAnswer briefly and cite the docs.\nNever share API keys.";

before(async () => {
  server = await startServer();
  browser = await startBrowser();
  page = await browser.newPage();
  problems = watchProblems(page);
});

// A test fails when its page threw, logged an error or saw a request fail that it did not expect.
afterEach(() => {
  assert.deepEqual(problems.take(), [], "problems in the page");
});

after(async () => {
  await browser?.stop();
  await server?.stop();
  await fake?.stop();
});

const go = (path) => page.goto(server.url + path);
const text = (sel) => page.locator(sel).first().innerText();

async function signIn(email, password) {
  await go("/");
  await page.fill("input[name=email]", email);
  await page.fill("input[name=password]", password);
  await page.click("button[type=submit]");
  await page.waitForSelector("[data-testid=role]");
}

test("a wrong password is refused in plain words", async () => {
  problems.expect(401, "POST", "/api/v1/auth/login");
  problems.expect(429, "POST", "/api/v1/auth/login");
  await go("/");
  await page.fill("input[name=email]", server.admin.email);
  await page.fill("input[name=password]", "not-the-password");
  await page.click("button[type=submit]");
  assert.match(await text("[role=alert]"), /Wrong email or password|Too many/);
  await screenshot(page, "01-sign-in");
});

test("the first admin signs in and sees the empty state with this server's endpoint", async () => {
  await signIn(server.admin.email, server.admin.password);
  assert.match(await text("[data-testid=role]"), /admin of default/);
  await page.waitForSelector("[data-testid=empty-traces]");
  const endpoint = await text("[data-testid=endpoint]");
  assert.match(endpoint, /^http:\/\/127\.0\.0\.1:\d+/);
  assert.match(await text("[data-testid=sdk-snippet]"), /stacklens\.configure\(api_key="sl-\.\.\.", endpoint="http/);
  await screenshot(page, "02-overview-empty");
});

test("the admin creates an API key and sees its secret once", async () => {
  await page.click("nav >> text=API Keys");
  await page.fill("input[name=key-name]", "browser-test");
  await page.check("input[name='scope-traces:read']");
  await page.click("form[aria-label='Create API key'] button[type=submit]");
  apiKey = (await text("[data-testid=new-key-secret]")).trim();
  assert.match(apiKey, /^sl-/);
  await page.waitForSelector("[data-testid=keys-table] tbody tr[data-key-prefix]");
  const prefixes = await page.$$eval("[data-testid=keys-table] tbody tr[data-key-prefix]", (rows) => rows.map((r) => r.dataset.keyPrefix));
  keyPrefix = prefixes.find((p) => apiKey.startsWith(p));
  assert.ok(keyPrefix, `the list ${prefixes} holds the new key's prefix`);
  await screenshot(page, "03-api-keys");
});

test("traces sent with the Python SDK show in the Traces table", async () => {
  ids = sdk(server.url, apiKey, "send-traces");
  assert.ok(ids.summary && ids.agent && ids.error, JSON.stringify(ids));
  await page.click("nav >> text=Traces");
  for (const id of [ids.summary, ids.agent, ids.error]) await page.waitForSelector(`tr[data-trace-id="${id}"]`);
  const errorRow = page.locator(`tr[data-trace-id="${ids.error}"]`);
  assert.match(await errorRow.innerText(), /failing-run[\s\S]*error[\s\S]*\+1 unpriced/);
  assert.match(await text("[data-testid=unpriced-count]"), /^1 span with 340 tokens in this range have no price/);
  const agentRow = page.locator(`tr[data-trace-id="${ids.agent}"]`);
  assert.match(await agentRow.innerText(), /agent-run[\s\S]*claude-3-5-sonnet/);
  await screenshot(page, "04-traces");
});

test("filtering by tag and by attribute narrows the table and lives in the URL", async () => {
  await page.fill("input[name=tags]", "agent");
  await page.click("form[aria-label='Trace filters'] button[type=submit]");
  await page.waitForFunction(() => document.querySelectorAll("tr[data-trace-id]").length === 1);
  assert.ok(page.url().includes("tag=agent"), page.url());
  await page.waitForSelector(`tr[data-trace-id="${ids.agent}"]`);

  await go("/traces?attr=user_id%3Du-42");
  await page.waitForSelector(`tr[data-trace-id="${ids.summary}"]`);
  assert.equal(await page.locator("tr[data-trace-id]").count(), 1);
  assert.equal(await page.inputValue("input[name=attrs]"), "user_id=u-42");

  await go("/traces?status=error");
  await page.waitForSelector(`tr[data-trace-id="${ids.error}"]`);
  assert.equal(await page.locator("tr[data-trace-id]").count(), 1);

  await go("/traces?tag=no-such-tag");
  await page.waitForSelector("[data-testid=no-match]");
  await screenshot(page, "05-traces-filtered-empty");
});

test("Export downloads the spans of the filtered traces, as JSON Lines or CSV, with text only when asked", async () => {
  const { readFileSync } = await import("node:fs");
  const exported = async () => {
    const download = page.waitForEvent("download");
    await page.click("[data-testid=export-button]");
    const file = await download;
    return { name: file.suggestedFilename(), body: readFileSync(await file.path(), "utf8") };
  };
  await go("/traces?tag=agent");
  await page.waitForSelector(`tr[data-trace-id="${ids.agent}"]`);
  const jsonl = await exported();
  assert.match(jsonl.name, /^stacklens-spans-\d{8}T\d{6}Z\.jsonl$/);
  const rows = jsonl.body.trim().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(rows.map((r) => r.traceId), [ids.agent, ids.agent, ids.agent]);
  assert.deepEqual(rows.map((r) => r.name).sort(), ["agent-run", "plan-step", "search-tool"]);
  assert.ok(rows.every((r) => !("promptContent" in r)), "no text unless asked");

  await page.selectOption("[data-testid=export-format]", "csv");
  await page.check("[data-testid=export-text]");
  const csv = await exported();
  assert.match(csv.name, /\.csv$/);
  const lines = csv.body.split("\r\n").filter(Boolean);
  assert.ok(lines[0].startsWith("traceId,spanId,") && lines[0].endsWith(",promptContent,completionContent"), lines[0]);
  assert.equal(lines.length, 4);
  assert.ok(lines.slice(1).every((l) => l.startsWith(`${ids.agent},`)), csv.body);
  assert.ok(csv.body.includes("Plan a trip to Lisbon for the browser test."));
  await screenshot(page, "05b-traces-export");
});

test("the trace detail shows the span tree and the LLM call's prompt and completion", async () => {
  await go("/traces");
  await page.click(`tr[data-trace-id="${ids.agent}"] a`);
  await page.waitForSelector("[data-testid=waterfall]");
  assert.equal(await page.locator(".wf-row").count(), 3);
  await page.click(".wf-row:has-text('plan-step')");
  assert.equal(await text("[data-testid=prompt-content]"), "Plan a trip to Lisbon for the browser test.");
  assert.equal(await text("[data-testid=completion-content]"), "Day 1: Alfama and the castle. Day 2: Belem.");
  const llm = await text("[data-testid=llm-fields]");
  for (const want of ["claude-3-5-sonnet", "anthropic", "200 in / 150 out", "0.2", "512", "stop"]) assert.ok(llm.includes(want), `${want} in ${llm}`);
  assert.match(await text("[data-testid=cost-source]"), /sent with the span/);
  await screenshot(page, "06-trace-detail");
  await page.click(".wf-row:has-text('agent-run')");
  assert.match(await text("[data-testid=attributes]"), /session_id\s+s-777/);
});

test("the span detail shows OTLP's typed attribute values by their type", async () => {
  const traceId = "7a".repeat(16);
  const start = BigInt(Date.now()) * 1000000n;
  const value = (v) => (typeof v === "number" ? (Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v })
    : typeof v === "boolean" ? { boolValue: v } : Array.isArray(v) ? { arrayValue: { values: v.map(value) } } : { stringValue: v });
  const attributes = Object.entries({ retries: 3, ratio: 0.5, cached: true, labels: ["a", "b"], note: "3341" })
    .map(([key, v]) => ({ key, value: value(v) }));
  const answer = await fetch(`${server.url}/otlp/v1/traces`, {
    method: "POST", headers: { "Content-Type": "application/json", "X-Api-Key": apiKey },
    body: JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId, spanId: "0102030405060708",
      name: "typed-step", startTimeUnixNano: String(start), endTimeUnixNano: String(start + 1000000n), attributes }] }] }] }),
  });
  assert.equal(answer.status, 200, await answer.text());
  await go(`/traces/${traceId}`);
  await page.click(".wf-row:has-text('typed-step')");
  const cell = (key) => page.locator(`[data-testid=attributes] tr:has(th:text-is("${key}")) td > [data-type]`).first();
  assert.equal(await cell("retries").getAttribute("data-type"), "number");
  assert.equal(await cell("ratio").innerText(), "0.5");
  assert.equal(await cell("cached").getAttribute("data-type"), "boolean");
  assert.equal(await cell("labels").getAttribute("data-type"), "array");
  assert.deepEqual(await cell("labels").locator("li").allInnerTexts(), ["a", "b"]);
  assert.equal(await cell("note").getAttribute("data-type"), "string");
});

test("the overview charts the traffic", async () => {
  await page.click("nav >> text=Overview");
  await page.waitForSelector("[data-testid=overview-data]");
  assert.match(await text(".stats"), /Requests\s+[1-9]/);
  await page.waitForSelector("[data-testid=chart-latency] circle");
  await page.waitForSelector(".top-lists >> text=document-summary");
  assert.match(await text("[data-testid=unpriced-summary]"), /without 1 unpriced span \(340 tokens\)/);
  await screenshot(page, "07-overview");
  await page.click("[data-testid=unpriced-summary] a");
  await page.waitForSelector(`tr[data-trace-id="${ids.error}"]`);
  assert.equal(await page.locator("tr[data-trace-id]").count(), 1);
  assert.ok(await page.isChecked("[data-testid=unpriced-toggle]"));
  await page.click("nav >> text=Overview");
  await page.waitForSelector("[data-testid=overview-data]");
});

test("the admin scores a trace and a span, edits a score, filters and sorts by it and sees it charted", async () => {
  await go(`/traces/${ids.agent}`);
  await page.waitForSelector("[data-testid=trace-scores]");
  const traceForm = "form[aria-label='Score this trace']";
  await page.fill(`${traceForm} input[name=score-name]`, "accuracy");
  await page.fill(`${traceForm} input[name=score-value]`, "0.8");
  await page.fill(`${traceForm} input[name=score-comment]`, "one fact missing");
  await page.click(`${traceForm} button[type=submit]`);
  await page.waitForSelector("[data-testid=trace-scores] [data-testid=score-row]:has-text('accuracy')");
  assert.match(await text("[data-testid=trace-scores]"), /accuracy\s+0\.8\s+— one fact missing[\s\S]*annotation by admin@stacklens\.local/);

  await page.click("[data-testid=trace-scores] button:has-text('Edit')");
  await page.fill("input[name=edit-value]", "0.9");
  await page.click("form[aria-label='Edit score accuracy'] button[type=submit]");
  await page.waitForSelector("[data-testid=trace-scores] [data-testid=score-row]:has-text('0.9')");

  // A configured name: the value is picked from its categories.
  await go("/settings/scores");
  await page.fill("input[name=config-name]", "verdict");
  await page.selectOption("select[name=config-type]", "categorical");
  await page.fill("input[name=config-categories]", "good, bad");
  await page.click("form[aria-label='Create score configuration'] button[type=submit]");
  await page.waitForSelector("tr[data-config=verdict]:has-text('good, bad')");
  await screenshot(page, "15-score-configs");
  await go(`/traces/${ids.agent}`);
  await page.waitForSelector("[data-testid=trace-scores]");
  await page.fill(`${traceForm} input[name=score-name]`, "verdict");
  await page.selectOption(`${traceForm} select[name=score-value]`, "bad");
  await page.click(`${traceForm} button[type=submit]`);
  await page.waitForSelector("[data-testid=trace-scores] [data-testid=score-row]:has-text('verdict')");
  assert.match(await text("[data-testid=trace-scores]"), /verdict\s+bad/);

  await page.click(".wf-row:has-text('plan-step')");
  const spanForm = "form[aria-label='Score this span']";
  await page.fill(`${spanForm} input[name=score-name]`, "helpful");
  await page.fill(`${spanForm} input[name=score-value]`, "true");
  await page.click(`${spanForm} button[type=submit]`);
  await page.waitForSelector("[data-testid=span-scores] [data-testid=score-row]:has-text('helpful')");
  assert.match(await text("[data-testid=span-scores]"), /helpful\s+true/);
  assert.doesNotMatch(await text("[data-testid=trace-scores]"), /helpful/);
  await screenshot(page, "13-trace-scores", true);

  await go("/traces?score=accuracy%3E0.5");
  await page.waitForSelector(`tr[data-trace-id="${ids.agent}"]`);
  assert.equal(await page.locator("tr[data-trace-id]").count(), 1);
  assert.equal(await page.inputValue("input[name=scores]"), "accuracy>0.5");
  await page.fill("input[name=scores]", "");
  await page.fill("input[name=sort_score]", "helpful");
  await page.click("form[aria-label='Trace filters'] button[type=submit]");
  await page.waitForFunction(() => document.querySelectorAll("tr[data-trace-id]").length === 1);
  assert.ok(page.url().includes("sort=score%3Ahelpful"), page.url());

  await page.click("nav >> text=Overview");
  await page.waitForSelector("[data-testid=score-trends] select[name=overview-score]");
  await page.selectOption("select[name=overview-score]", "accuracy");
  await page.waitForSelector("[data-testid=chart-score] circle");
  assert.match(await text("[data-testid=score-totals]"), /Scores\s+1 in this range\s+Average\s+0\.9/);
  await screenshot(page, "14-overview-scores", true);
});

test("the admin edits a score configuration, prices a model and recomputes stored costs with progress", async () => {
  await go("/settings/scores");
  await page.click("tr[data-config=verdict] button:has-text('Edit')");
  await page.fill("form[aria-label='Edit score configuration'] input[name=config-categories]", "good, bad, ugly");
  await page.click("form[aria-label='Edit score configuration'] button[type=submit]");
  await page.waitForSelector("tr[data-config=verdict]:has-text('good, bad, ugly')");

  await go("/settings/prices");
  await page.waitForSelector("[data-testid=prices-table]");
  await page.fill("input[name=lookup-model]", "house-model");
  await page.click("form[aria-label='Look up a price'] button[type=submit]");
  await page.waitForSelector("[data-testid=lookup-result]:has-text('unpriced')");

  // Spans of a model nobody prices, sent before the price exists: unpriced until recomputed. They
  // start at the beginning of today (the recompute's default period), older than the other steps' traces.
  const now = `${new Date().toISOString().slice(0, 10)}T00:00:01Z`;
  const sent = await fetch(`${server.url}/api/v1/stacktrace/v1/traces/batch`, {
    method: "POST",
    headers: { "X-Api-Key": apiKey, "Content-Type": "application/json" },
    body: JSON.stringify({ spans: Array.from({ length: 5 }, (_, i) => ({
      traceId: `priced-${i}`, spanId: "s", name: "call", startTime: now,
      llmSpan: { model: "house-model", provider: "acme", inputTokens: 1000, outputTokens: 1000 } })) }),
  });
  assert.equal(sent.status, 200);

  const form = "form[aria-label='Add price']";
  await page.fill(`${form} input[name=price-model]`, "house-model");
  await page.fill(`${form} input[name=price-input]`, "1");
  await page.fill(`${form} input[name=price-output]`, "2");
  await page.fill(`${form} input[name=price-cacheRead]`, "0.1");
  await page.check(`${form} input[name=price-recompute]`);
  await page.click(`${form} button[type=submit]`);
  await page.waitForSelector("tr[data-price=house-model]:has-text('$0.1')");
  await page.waitForSelector("[data-testid=recompute-progress][data-state=done]");
  assert.match(await text("[data-testid=recompute-progress]"), /Done: 5 of \d+ spans got a new cost/);
  assert.match(await text("[data-testid=recomputes-table]"), /done/);
  await screenshot(page, "16-model-prices");

  await go("/traces/priced-0");
  await page.waitForSelector(".wf-row");
  const detail = await (await fetch(`${server.url}/api/v1/stacktrace/v1/traces/priced-0`,
    { headers: { "X-Api-Key": apiKey } })).json();
  assert.equal(detail.spans[0].llmSpan.costSource, "custom");
  assert.ok(Math.abs(detail.costUsd - 0.003) < 1e-12, String(detail.costUsd));
});

test("the Sessions page lists sessions, and a session opens as a conversation with its tool calls", async () => {
  ids.turns = sdk(server.url, apiKey, "conversation").turns;
  assert.equal(ids.turns?.length, 3);
  await page.click("nav >> text=Sessions");
  const row = page.locator('tr[data-session-id="s-chat"]');
  await row.waitFor();
  assert.match(await row.innerText(), /s-chat\s+u-chat\s+3\b/);
  await page.waitForSelector('tr[data-session-id="s-777"]');
  await screenshot(page, "07a-sessions");
  await page.click('tr[data-session-id="s-chat"] a');
  await page.waitForFunction(() => document.querySelectorAll("[data-testid=session-trace]").length === 3);
  assert.deepEqual(await page.$$eval("[data-testid=session-trace]", (els) => els.map((e) => e.dataset.traceId)), ids.turns);
  // Each message once, in order, though every prompt resends the conversation so far.
  const said = await page.$$eval("[data-testid=session-page] .chat-msg", (els) => els.map((e) => `${e.dataset.role}: ${e.innerText.replace(/\s+/g, " ")}`));
  assert.equal(said.length, 7, said.join("\n"));
  assert.match(said[0], /^system: .*weather assistant/);
  assert.match(said[1], /^user: .*weather in Lisbon/);
  assert.match(said[2], /^assistant: .*calls get_weather .*call_1.*Lisbon/);
  assert.match(said[3], /^tool: .*result of call_1.*22 C, sunny/i);
  assert.match(said[4], /^assistant: .*22 C and sunny/);
  assert.match(said[5], /^user: .*And tomorrow/);
  assert.match(said[6], /^assistant: .*19 C with clouds/);
  await screenshot(page, "07b-session-conversation");
  await page.locator("[data-testid=llm-call] button:has-text('Raw')").first().click();
  assert.match(await text("[data-testid=session-page] [data-testid=prompt-content]"), /"role": "system"/);
});

test("the Users page sorts by any column and links to the user's traces", async () => {
  await page.click("nav >> text=Users");
  await page.waitForSelector('tr[data-user-id="u-chat"]');
  await page.waitForSelector('tr[data-user-id="u-42"]');
  const users = () => page.$$eval("tr[data-user-id]", (rows) => rows.map((r) => r.dataset.userId));
  await page.click("th[data-sort=traces]");
  await page.waitForFunction(() => location.search.includes("sort=traces") && location.search.includes("order=desc"));
  await page.waitForSelector("th[data-sort=traces][aria-sort=descending]");
  assert.deepEqual(await users(), ["u-chat", "u-42"]);
  await page.click("th[data-sort=traces]");
  await page.waitForSelector("th[data-sort=traces][aria-sort=ascending]");
  await page.waitForFunction(() => document.querySelector("tr[data-user-id]")?.dataset.userId === "u-42");
  await screenshot(page, "07c-users");
  await page.click('tr[data-user-id="u-chat"] td:first-child a');
  await page.waitForSelector("[data-testid=user_id-filter]");
  await page.waitForFunction(() => document.querySelectorAll("tr[data-trace-id]").length === 3);
  assert.ok(page.url().includes("user_id=u-chat"), page.url());
  await page.click("[data-testid=user_id-filter] button");
  await page.waitForSelector(`tr[data-trace-id="${ids.summary}"]`);
});

test("the trace detail shows chat messages as a conversation, with the raw text one click away", async () => {
  await go(`/traces/${ids.turns[1]}`);
  const convo = page.locator("[data-testid=span-detail] [data-testid=conversation]");
  await convo.first().waitFor();
  assert.equal(await convo.count(), 1);  // the prompt; the completion is plain text
  assert.match(await convo.first().innerText(), /get_weather[\s\S]*22 C, sunny/);
  assert.equal(await page.locator("[data-testid=span-detail] [data-testid=tool-call]").count(), 1);
  assert.equal(await text("[data-testid=completion-content]"), "It is 22 C and sunny in Lisbon.");
  await screenshot(page, "07d-trace-conversation");
  await page.click("[data-testid=span-detail] .textblock button:has-text('Raw')");
  assert.match(await text("[data-testid=prompt-content]"), /^\{"messages": \[/);
});

test("a state-changing request without the CSRF token is refused", async () => {
  problems.expect(403, "POST", "/api/v1/flowops/v1/prompts");
  const status = await page.evaluate(() =>
    fetch("/api/v1/flowops/v1/prompts", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ name: "no-csrf", content: "x" }),
    }).then((r) => r.status));
  assert.equal(status, 403);
});

test("a trace of 500 spans renders as a waterfall", async () => {
  const traceId = "big" + Date.now().toString(16);
  const t0 = Date.parse("2026-01-01T00:00:00Z") * 1e6;
  const spans = Array.from({ length: 500 }, (_, i) => ({
    traceId, spanId: `s${i}`, parentSpanId: i === 0 ? null : `s${Math.floor((i - 1) / 4)}`,
    name: i === 0 ? "big-agent-run" : `step-${i}`, startTime: String(t0 + i * 1e6), endTime: String(t0 + i * 1e6 + 5e6),
    ...(i % 3 === 0 ? { llmSpan: { model: "gpt-4o-mini", provider: "openai", inputTokens: 10, outputTokens: 5, promptContent: "p".repeat(2000), completionContent: "c" } } : {}),
  }));
  const r = await fetch(`${server.url}/api/v1/stacktrace/v1/traces/batch`, {
    method: "POST", headers: { "Content-Type": "application/json", "X-Api-Key": apiKey }, body: JSON.stringify({ spans }),
  });
  assert.equal(r.status, 200, await r.text());
  const ms = await timeToVisible(page, `${server.url}/traces/${traceId}`, ".wf-row >> nth=499");
  console.log(`timing: trace detail with 500 spans rendered in ${ms.toFixed(0)} ms`);
  const t1 = performance.now();
  await page.click(".wf-row >> nth=3");
  await page.waitForSelector("[data-testid=prompt-content]");
  console.log(`timing: selecting a span of the 500 took ${(performance.now() - t1).toFixed(0)} ms`);
  assert.match(await text("[data-testid=prompt-content]"), /…$/);
  await screenshot(page, "12-trace-500-spans");
});

test("a prompt is created, edited into v2, compared, promoted to two environments and fetched by the SDK", async () => {
  await page.click("nav >> text=Prompts");
  await page.click("text=New prompt");
  await page.fill("input[name=name]", PROMPT);
  await page.fill("input[name=description]", "System prompt of the support bot");
  await page.fill("textarea[name=content]", V1);
  await page.click("form[aria-label='New prompt'] button[type=submit]");
  await page.waitForSelector("[data-testid=prompt-detail-page]");
  await page.click("text=Edit (saves a new version)");
  await page.fill("textarea[name=content]", V2);
  await page.fill("input[name=message]", "cite the docs");
  await page.click("form[aria-label='Edit prompt'] button[type=submit]");
  await page.waitForSelector("text=Saved as v2");
  assert.match(await text("[data-testid=diff]"), /2 lines added, 1 removed/);

  await page.selectOption("select[aria-label='Version to promote to production']", "1");
  await page.click("[data-testid=env-production] button:has-text('Promote')");
  await page.waitForSelector("text=production now serves v1");
  await page.selectOption("select[aria-label='Version to promote to staging']", "2");
  await page.click("[data-testid=env-staging] button:has-text('Promote')");
  await page.waitForSelector("text=staging now serves v2");
  assert.equal(await text("[data-testid=sdk-line-staging]"), `stacklens.prompts.get("${PROMPT}", env="staging")`);
  await screenshot(page, "08-prompt-detail", true);

  assert.equal(sdk(server.url, apiKey, "prompt", PROMPT, "production").content, V1);
  assert.equal(sdk(server.url, apiKey, "prompt", PROMPT, "staging").content, V2);
});

test("promoting v2 to production then rolling back serves v1 again", async () => {
  await page.selectOption("select[aria-label='Version to promote to production']", "2");
  await page.click("[data-testid=env-production] button:has-text('Promote')");
  await page.waitForSelector("text=production now serves v2");
  assert.equal(sdk(server.url, apiKey, "prompt", PROMPT, "production").content, V2);
  await page.click("[data-testid=env-production] button:has-text('Roll back')");
  await page.waitForSelector("text=production rolled back");
  // The notice shows before the prompt is read again: wait for the card to follow.
  await page.waitForFunction(() => document.querySelector("[data-testid=env-production-version]")?.textContent === "v1");
  assert.equal(sdk(server.url, apiKey, "prompt", PROMPT, "production").content, V1);
  await page.click("nav >> text=Prompts");
  await page.waitForSelector("[data-testid=prompts-table]");
  await screenshot(page, "09-prompts");
});

// Approval gates: a second user, a member, in a browser context of their own beside the admin's.
let memberPage;
let memberProblems;
const member = { email: "member@example.com", password: "" };

/** A call of the JSON API from inside a signed-in page (its cookie and CSRF token); resolves to {status, body}. */
const apiIn = (p, method, path, body) => p.evaluate(async ({ method, path, body }) => {
  const me = await (await fetch("/api/v1/auth/me")).json();
  const r = await fetch(`/api/v1${path}`, { method, headers: { "Content-Type": "application/json", "X-CSRF-Token": me.csrfToken },
    body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: r.status, body: await r.json() };
}, { method, path, body });

async function signInOn(p, email, password) {
  await p.goto(server.url + "/");
  await p.fill("input[name=email]", email);
  await p.fill("input[name=password]", password);
  await p.click("button[type=submit]");
  await p.waitForSelector("[data-testid=role]");
}

const historyRow = (p, kind, has) => p.locator(`[data-testid=promotion-history] tr[data-kind="${kind}"]:has-text("${has}")`);

test("an admin protects production; a member's promotion into it waits for approval while production keeps serving v1", async () => {
  await page.click("nav >> text=Prompts");
  await page.click("[data-testid=env-protection] button[name=protect-production]:has-text('Protect')");
  await page.waitForSelector(".protection[data-env=production][data-protected=true]");
  assert.equal(await page.locator(".protection[data-env=staging][data-protected=false]").count(), 1);
  await screenshot(page, "25-environment-protection");

  const added = await apiIn(page, "POST", "/members", { email: member.email, role: "member" });
  assert.ok(added.status < 300 && added.body.password, JSON.stringify(added));
  member.password = added.body.password;
  memberPage = await browser.newPage();
  memberProblems = watchProblems(memberPage);
  await signInOn(memberPage, member.email, member.password);
  assert.match(await memberPage.locator("[data-testid=role]").innerText(), /member of default/);
  await memberPage.click("nav >> text=Prompts");
  await memberPage.waitForSelector(".protection[data-env=production] .lock.on");
  assert.equal(await memberPage.locator("[data-testid=env-protection] button").count(), 0);

  await memberPage.goto(`${server.url}/prompts/${PROMPT}`);
  await memberPage.waitForSelector("[data-testid=env-production-protected]");
  await memberPage.selectOption("select[aria-label='Version to promote to production']", "2");
  await memberPage.fill("input[name=promote-comment-production]", "ready for prod");
  await memberPage.click("[data-testid=env-production] button:has-text('Promote')");
  await memberPage.waitForSelector("[data-testid=notice]:has-text('awaiting approval')");
  assert.doesNotMatch(await memberPage.locator("[data-testid=notice]").innerText(), /now serves/);
  assert.equal(await memberPage.locator("[data-testid=env-production-version]").innerText(), "v1");
  await memberPage.waitForSelector("[data-testid=env-production-waiting]:has-text('v2')");
  assert.equal(sdk(server.url, apiKey, "prompt", PROMPT, "production").content, V1);

  // The requester may cancel but not decide their own request.
  const mine = memberPage.locator("[data-testid=pending-request][data-env=production]");
  assert.match(await mine.innerText(), /v2 → production[\s\S]*awaiting approval[\s\S]*member@example\.com[\s\S]*ready for prod/);
  assert.equal(await mine.locator("button:has-text('Cancel request')").count(), 1);
  assert.equal(await mine.locator("button:has-text('Approve')").count(), 0);
  assert.equal(await mine.locator("button:has-text('Reject')").count(), 0);
  const id = Number(await mine.getAttribute("data-request"));
  memberProblems.expect(403, "POST", `/api/v1/flowops/v1/prompts/${PROMPT}/requests/${id}/approve`);
  assert.equal((await apiIn(memberPage, "POST", `/flowops/v1/prompts/${PROMPT}/requests/${id}/approve`, {})).status, 403);
  await historyRow(memberPage, "requested", "ready for prod").waitFor();
  await screenshot(memberPage, "26-promotion-awaiting-approval", true);
  assert.deepEqual(memberProblems.take(), [], "problems in the member's page");
});

test("the admin sees the pending approval, approves it with a comment, and production serves v2", async () => {
  await go("/prompts");
  assert.match(await text("[data-testid=pending-count]"), /^1 pending approval$/);
  const row = page.locator(`[data-testid=pending-approvals] tr:has-text("${PROMPT}")`);
  assert.match(await row.innerText(), /v2 → production[\s\S]*member@example\.com[\s\S]*ready for prod/);
  await screenshot(page, "27-pending-approvals");
  await row.locator("a").click();
  const request = page.locator("[data-testid=pending-request][data-env=production]");
  await request.waitFor();
  assert.equal(await request.locator("button:has-text('Cancel request')").count(), 0);
  await request.locator("input").fill("looks good");
  await request.locator("button:has-text('Approve')").click();
  await page.waitForSelector("[data-testid=notice]:has-text('production now serves v2')");
  assert.equal(await text("[data-testid=env-production-version]"), "v2");
  assert.equal(await page.locator("[data-testid=pending-request]").count(), 0);
  assert.equal(sdk(server.url, apiKey, "prompt", PROMPT, "production").content, V2);
  await historyRow(page, "approved", "looks good").waitFor();
  assert.match(await historyRow(page, "approved", "looks good").innerText(), /admin@stacklens\.local/);
  assert.match(await historyRow(page, "promoted", "approved by admin@stacklens.local").innerText(), /production\s+v2/);
  assert.match(await historyRow(page, "requested", "ready for prod").innerText(), /production\s+v2\s+member@example\.com/);

  // The prompt's API history says the same.
  const detail = await apiIn(page, "GET", `/flowops/v1/prompts/${PROMPT}`);
  const promoted = detail.body.promotions.find((p) => p.env === "production" && p.version === 2 && p.requestId !== null);
  assert.equal(promoted?.approvedBy, "user:admin@stacklens.local", JSON.stringify(detail.body.promotions));
});

test("a rejection needs a comment, keeps what production serves and shows in the history", async () => {
  await memberPage.reload();
  await memberPage.waitForSelector("[data-testid=env-production-version]:has-text('v2')");
  await memberPage.selectOption("select[aria-label='Version to promote to production']", "1");
  await memberPage.fill("input[name=promote-comment-production]", "back to the short one");
  await memberPage.click("[data-testid=env-production] button:has-text('Promote')");
  await memberPage.waitForSelector("[data-testid=notice]:has-text('awaiting approval')");

  await page.reload();
  const request = page.locator("[data-testid=pending-request][data-env=production]");
  await request.waitFor();
  await request.locator("button:has-text('Reject')").click();
  assert.match(await request.locator("[role=alert]").innerText(), /needs one/);
  await request.locator("input").fill("the docs citation is required");
  await request.locator("button:has-text('Reject')").click();
  await page.waitForSelector("[data-testid=notice]:has-text('Rejected')");
  assert.equal(await text("[data-testid=env-production-version]"), "v2");
  assert.equal(sdk(server.url, apiKey, "prompt", PROMPT, "production").content, V2);
  assert.match(await historyRow(page, "rejected", "the docs citation is required").innerText(), /production\s+v1\s+admin@stacklens\.local/);
  await historyRow(page, "requested", "back to the short one").waitFor();
  await screenshot(page, "28-promotion-history", true);
  assert.deepEqual(memberProblems.take(), [], "problems in the member's page");
});

test("nobody approves their own request: the admin's own request offers only a cancel", async () => {
  await page.selectOption("select[aria-label='Version to promote to production']", "1");
  await page.click("[data-testid=env-production] button:has-text('Promote')");
  await page.waitForSelector("[data-testid=notice]:has-text('awaiting approval')");
  const request = page.locator("[data-testid=pending-request][data-env=production]");
  await request.waitFor();
  assert.equal(await request.locator("button:has-text('Approve')").count(), 0);
  const id = Number(await request.getAttribute("data-request"));
  problems.expect(403, "POST", `/api/v1/flowops/v1/prompts/${PROMPT}/requests/${id}/approve`);
  const own = await apiIn(page, "POST", `/flowops/v1/prompts/${PROMPT}/requests/${id}/approve`, { comment: "mine" });
  assert.equal(own.status, 403);
  assert.match(own.body.error, /own request/);
  await request.locator("button:has-text('Cancel request')").click();
  await page.waitForSelector("[data-testid=notice]:has-text('Request cancelled')");
  await historyRow(page, "cancelled", "request #").waitFor();
  assert.equal(await text("[data-testid=env-production-version]"), "v2");
  await memberPage.close();
});

test("an experiment splits production between v1 and v2, compares the variants' traces and ends promoting v1", async () => {
  await page.click("[data-testid=experiments] button:has-text('Start an experiment')");
  const form = "form[aria-label='Start experiment']";
  await page.selectOption(`${form} select[name=experiment-env]`, "production");
  await page.fill(`${form} input[name=experiment-name]`, "short or cited");
  await page.selectOption(`${form} select[name=variant-version-0]`, "1");
  await page.selectOption(`${form} select[name=variant-version-1]`, "2");
  await page.fill(`${form} input[name=variant-weight-0]`, "1");
  await page.fill(`${form} input[name=variant-weight-1]`, "3");
  assert.equal(await text("[data-testid=variant-share-0]"), "25%");
  assert.equal(await text("[data-testid=variant-share-1]"), "75%");
  await page.click(`${form} button[type=submit]`);
  const running = page.locator("[data-testid=running-experiment][data-env=production]");
  await running.waitFor();
  const id = await running.getAttribute("data-experiment");
  assert.match(await running.locator("[data-testid=experiment-split]").innerText(), /a · v1 · 25%\s*b · v2 · 75%/);
  await page.waitForSelector("[data-testid=results-table] tr[data-variant=b] [data-metric=traces]:has-text('0')");

  // A sticky fetch names the experiment and its variant.
  const fetched = await (await fetch(`${server.url}/api/v1/flowops/v1/prompts/by-name/${PROMPT}?env=production&user_id=u-7`,
    { headers: { "X-Api-Key": apiKey } })).json();
  assert.equal(String(fetched.experiment?.id), id, JSON.stringify(fetched));
  assert.ok(["a", "b"].includes(fetched.variant), JSON.stringify(fetched));

  // Variant a: three traces of 100 ms, one failed; variant b: two of 300 ms. Each with one scored trace.
  const t0 = Date.now();
  const spans = [["a", 100, "ok"], ["a", 100, "error"], ["a", 100, "ok"], ["b", 300, "ok"], ["b", 300, "ok"]].map(([variant, ms, status], i) => ({
    traceId: `exp-${id}-${i}`, spanId: "s1", name: "answer", status,
    startTime: new Date(t0 + i).toISOString(), endTime: new Date(t0 + i + ms).toISOString(),
    attributes: { "stacklens.prompt.name": PROMPT, "stacklens.prompt.version": variant === "a" ? "1" : "2",
      "stacklens.prompt.variant": variant, "stacklens.experiment": id },
    llmSpan: { model: "gpt-4o-mini", provider: "openai", inputTokens: 100, outputTokens: 50, estimatedCostUsd: variant === "a" ? 0.001 : 0.002 },
  }));
  const sent = await fetch(`${server.url}/api/v1/stacktrace/v1/traces/batch`, {
    method: "POST", headers: { "Content-Type": "application/json", "X-Api-Key": server.bootstrapKey }, body: JSON.stringify({ spans }) });
  assert.equal(sent.status, 200, await sent.text());
  const cell = (variant, metric) => `[data-testid=results-table] tr[data-variant=${variant}] [data-metric=${metric}]`;
  // The results are read when asked: refresh until what was written is counted.
  const refreshUntil = (sel, want) => page.waitForFunction(([sel, want]) => {
    if (document.querySelector(sel)?.textContent === want) return true;
    const refresh = document.querySelector("[data-testid=experiment-results] button");
    if (refresh && !refresh.disabled) refresh.click();
    return false;
  }, [sel, want], { polling: 250, timeout: 20000 });
  await refreshUntil(cell("b", "traces"), "2");
  for (const [trace, value] of [[`exp-${id}-0`, 0.5], [`exp-${id}-3`, 0.9]]) {
    const scored = await apiIn(page, "POST", "/stacktrace/v1/scores", { traceId: trace, name: "accuracy", value });
    assert.ok(scored.status < 300, JSON.stringify(scored));
  }
  await refreshUntil(cell("b", "score-accuracy"), "0.900 (1)");
  assert.equal(await text(cell("a", "traces")), "3");
  assert.equal(await text(cell("a", "errors")), "1 (33.3%)");
  assert.equal(await text(cell("b", "errors")), "0 (0.0%)");
  assert.equal(await text(cell("a", "p50")), "100 ms");
  assert.equal(await text(cell("b", "p95")), "300 ms");
  assert.equal(await text(cell("a", "tokens")), "300 / 150");
  assert.equal(await text(cell("a", "cost")), "$0.003");
  assert.equal(await text(cell("b", "avg-cost")), "$0.002");
  assert.equal(await text(cell("a", "score-accuracy")), "0.500 (1)");
  assert.equal(await text(cell("b", "score-accuracy")), "0.900 (1)");
  const bars = (figure) => page.$$eval(`[data-testid=experiment-charts] [data-figure="${figure}"] .bar-row`,
    (rows) => rows.map((r) => r.innerText.replace(/\s+/g, " ")));
  assert.deepEqual(await bars("Traces"), ["a · v1 3", "b · v2 2"]);
  assert.deepEqual(await bars("Latency p95"), ["a · v1 100 ms", "b · v2 300 ms"]);
  assert.deepEqual(await bars("Score accuracy (average)"), ["a · v1 0.500", "b · v2 0.900"]);
  await screenshot(page, "29-experiment-results", true);

  await running.locator("select[aria-label='Version to keep']").selectOption("1");
  let asked = "";
  page.once("dialog", (d) => { asked = d.message(); void d.accept(); });
  await running.locator("button:has-text('End experiment')").click();
  await page.waitForSelector("[data-testid=notice]:has-text('production now serves v1')");
  assert.match(asked, /promote v1 to production/);
  await page.locator("[data-testid=running-experiment]").waitFor({ state: "detached" });  // the notice comes before the reload
  assert.match(await page.locator(`[data-testid=ended-experiments] tr[data-experiment="${id}"]`).innerText(), /short or cited\s+production[\s\S]*v1/);
  assert.equal(await text(`[data-testid=ended-experiments] tr[data-experiment="${id}"] [data-testid=chosen-version]`), "v1");
  assert.equal(await text("[data-testid=env-production-version]"), "v1");
  assert.equal(sdk(server.url, apiKey, "prompt", PROMPT, "production").content, V1);
  const after = await (await fetch(`${server.url}/api/v1/flowops/v1/prompts/by-name/${PROMPT}?env=production&user_id=u-7`,
    { headers: { "X-Api-Key": apiKey } })).json();
  assert.equal(after.variant, null, JSON.stringify(after));
  assert.equal(after.version, 1);
});

// Evaluations: model connections (against the fake provider) and datasets.
const DATASET = "support-questions";
const CONNECTION = "fake-openai";
const KEY = "sk-browser-test-0123456789";

test("an admin adds a model connection to the fake provider, tests it, sees the answer and then the spend", async () => {
  fake = await startFakeProvider();
  await page.click("nav >> text=Model connections");
  await page.waitForSelector("[data-testid=no-connections]");
  await page.click("button:has-text('Add connection')");
  const form = "form[aria-label='Add connection']";
  assert.equal(await page.inputValue(`${form} input[name=connection-base-url]`), "https://api.openai.com/v1");
  await page.selectOption(`${form} select[name=connection-provider]`, "anthropic");
  assert.equal(await page.inputValue(`${form} input[name=connection-base-url]`), "https://api.anthropic.com");
  await page.selectOption(`${form} select[name=connection-provider]`, "openai");
  assert.equal(await page.inputValue(`${form} input[name=connection-base-url]`), "https://api.openai.com/v1");
  await page.fill(`${form} input[name=connection-name]`, CONNECTION);
  await page.fill(`${form} input[name=connection-base-url]`, `${fake.url}/v1`);
  await page.fill(`${form} input[name=connection-api-key]`, KEY);
  await page.fill(`${form} input[name=connection-model]`, "gpt-4o-mini");
  await page.fill(`${form} input[name=connection-budget]`, "5");
  await page.click(`${form} button[type=submit]`);
  const row = page.locator(`tr[data-connection="${CONNECTION}"]`);
  await row.waitFor();
  assert.equal(await row.locator("[data-testid=key-hint]").innerText(), "sk-…6789");
  assert.match(await row.innerText(), /openai[\s\S]*\/v1[\s\S]*gpt-4o-mini[\s\S]*\$0 of \$5\.00/);
  assert.equal(await row.locator("[data-testid=calls]").innerText(), "0");
  assert.equal(await page.locator("[data-testid=connections-page]").innerText().then((t) => t.includes(KEY)), false);

  await row.locator("button:has-text('Test')").click();
  await page.waitForSelector("[data-testid=connection-answer]");
  assert.equal(await text("[data-testid=connection-answer]"), "echo: Reply with the single word: ok");
  assert.match(await text("[data-testid=connection-answer-usage]"), /gpt-4o-mini\s+[1-9]\d* in \/ [1-9]\d* out tokens\s+\$0\.0\d+\s+\d/);
  const cost = await text("[data-testid=connection-answer-cost]");
  await page.waitForSelector(`tr[data-connection="${CONNECTION}"] [data-testid=calls]:has-text('1')`);
  assert.equal(await row.locator("[data-testid=spent]").innerText(), cost);
  assert.equal(await row.locator("[role=progressbar]").count(), 1);
  await screenshot(page, "30-connection-tested", true);

  await page.click("[data-testid=connection-test] a:has-text('recorded trace')");
  await page.waitForSelector(".wf-row:has-text('connection.test')");
  assert.match(await text("[data-testid=llm-fields]"), /gpt-4o-mini[\s\S]*openai/);
  assert.equal(await text("[data-testid=completion-content]"), "echo: Reply with the single word: ok");

  // A change keeps the key unless a new one is typed.
  await page.click("nav >> text=Model connections");
  await row.locator("button:has-text('Edit')").click();
  const edit = "form[aria-label='Edit connection']";
  assert.match(await page.getAttribute(`${edit} input[name=connection-api-key]`, "placeholder"), /leave empty to keep the key \(sk-…6789\)/);
  assert.equal(await page.inputValue(`${edit} input[name=connection-api-key]`), "");
  await page.fill(`${edit} input[name=connection-budget]`, "10");
  await page.click(`${edit} button[type=submit]`);
  await page.waitForSelector(`tr[data-connection="${CONNECTION}"]:has-text('of $10.00')`);
  assert.equal(await row.locator("[data-testid=key-hint]").innerText(), "sk-…6789");
  await row.locator("button:has-text('Test')").click();
  await page.waitForSelector(`tr[data-connection="${CONNECTION}"] [data-testid=calls]:has-text('2')`);
});

test("a provider's refusal shows as its own words, and a connection is deleted after a confirm", async () => {
  await page.click("button:has-text('Add connection')");
  const form = "form[aria-label='Add connection']";
  await page.fill(`${form} input[name=connection-name]`, "refused");
  await page.fill(`${form} input[name=connection-base-url]`, `${fake.url}/v1`);
  await page.fill(`${form} input[name=connection-api-key]`, KEY);
  await page.fill(`${form} input[name=connection-model]`, "error-401");
  await page.click(`${form} button[type=submit]`);
  const row = page.locator("tr[data-connection=refused]");
  await row.waitFor();
  assert.match(await row.innerText(), /\$0 · no cap/);
  problems.expect(424, "POST", "/api/v1/evaluations/v1/connections/refused/test");
  await row.locator("button:has-text('Test')").click();
  const refusal = page.locator("[data-testid=connection-test][data-connection=refused] [role=alert]");
  await refusal.waitFor();
  assert.match(await refusal.innerText(), /401[\s\S]*error-401/);
  await screenshot(page, "31-connection-refused");
  let asked = "";
  page.once("dialog", (d) => { asked = d.message(); void d.accept(); });
  await row.locator("button:has-text('Delete')").click();
  await page.waitForFunction(() => !document.querySelector("tr[data-connection=refused]"));
  assert.match(asked, /Delete the connection refused/);
  await page.waitForSelector(`tr[data-connection="${CONNECTION}"]`);
});

test("a member sees model connections read-only, and may test them", async () => {
  const p = await browser.newPage();
  const seen = watchProblems(p);
  await signInOn(p, member.email, member.password);
  await p.click("nav >> text=Model connections");
  const row = p.locator(`tr[data-connection="${CONNECTION}"]`);
  await row.waitFor();
  await p.waitForSelector("[data-testid=connections-read-only]");
  assert.equal(await p.locator("button:has-text('Add connection')").count(), 0);
  assert.equal(await row.locator("button:has-text('Edit')").count(), 0);
  assert.equal(await row.locator("button:has-text('Delete')").count(), 0);
  assert.equal(await row.locator("[data-testid=key-hint]").innerText(), "sk-…6789");
  await row.locator("button:has-text('Test')").click();
  await p.waitForSelector("[data-testid=connection-answer]");
  await screenshot(p, "32-connections-member");
  seen.expect(403, "POST", "/api/v1/evaluations/v1/connections");
  const refused = await apiIn(p, "POST", "/evaluations/v1/connections",
    { name: "mine", provider: "openai", apiKey: "k", defaultModel: "m", baseUrl: `${fake.url}/v1` });
  assert.equal(refused.status, 403);
  assert.deepEqual(seen.take(), [], "problems in the member's page");
  await p.close();
});

test("a dataset is created and items are added, checked as JSON, expanded and edited by hand", async () => {
  await page.click("nav >> text=Datasets");
  await page.waitForSelector("[data-testid=no-datasets]");
  await page.click("button:has-text('New dataset')");
  await page.fill("input[name=dataset-name]", DATASET);
  await page.fill("input[name=dataset-description]", "Questions support gets, with the answers we want");
  await page.click("form[aria-label='New dataset'] button[type=submit]");
  await page.waitForSelector("[data-testid=dataset-summary]:has-text('version 0 · 0 items')");

  await page.click("button:has-text('Add item')");
  const form = "form[aria-label='Add item']";
  await page.fill(`${form} textarea[name=item-input]`, '{"question": "How do I reset my password?"');
  assert.match(await text("[data-testid=item-input-error]"), /^Not JSON/);
  assert.ok(await page.isDisabled(`${form} button[type=submit]`));
  await page.fill(`${form} textarea[name=item-input]`, '{"question": "How do I reset my password?", "locale": "en"}');
  await page.fill(`${form} textarea[name=item-expected]`, '"Open Settings, then Security, then Reset password."');
  await page.fill(`${form} textarea[name=item-metadata]`, "[1]");
  assert.match(await text("[data-testid=item-metadata-error]"), /JSON object/);
  await page.fill(`${form} textarea[name=item-metadata]`, '{"topic": "account"}');
  await page.click(`${form} button[type=submit]`);
  await page.waitForSelector("[data-testid=notice]:has-text('the dataset is now at version 1')");

  await page.click("button:has-text('Add item')");
  await page.fill(`${form} input[name=item-id]`, "refund");
  await page.fill(`${form} textarea[name=item-input]`, '"Can I get a refund?"');
  await page.click(`${form} button[type=submit]`);
  await page.waitForSelector("[data-testid=notice]:has-text('Item refund added: the dataset is now at version 2')");
  await page.waitForFunction(() => document.querySelectorAll("[data-testid=items-table] tr[data-item]").length === 2);
  const first = page.locator("[data-testid=items-table] tr[data-item]").first();
  assert.equal(await first.locator("[data-testid=item-input] code").innerText(), '{"question":"How do I reset my password?","locale":"en"}');
  await first.locator("[data-testid=item-input] button:has-text('Expand')").click();
  assert.equal(await first.locator("[data-testid=item-input] pre").innerText(),
    '{\n  "question": "How do I reset my password?",\n  "locale": "en"\n}');
  assert.equal(await page.locator("tr[data-item=refund] [data-testid=item-expected]").innerText(), "–");

  await page.click("tr[data-item=refund] button:has-text('Edit')");
  const edit = "form[aria-label='Edit item']";
  assert.equal(await page.inputValue(`${edit} textarea[name=item-input]`), '"Can I get a refund?"');
  await page.fill(`${edit} textarea[name=item-expected]`, '"Yes, within 30 days."');
  await page.click(`${edit} button[type=submit]`);
  await page.waitForSelector("[data-testid=notice]:has-text('Item refund changed: the dataset is now at version 3')");
  await page.waitForSelector("tr[data-item=refund] [data-testid=item-expected]:has-text('Yes, within 30 days.')");
  await screenshot(page, "33-dataset-items", true);
});

test("items are uploaded from JSON Lines and CSV files, a bad file is refused naming its line, and versions are switched", async () => {
  const upload = async (name, mimeType, content) => {
    await page.click("button:has-text('Upload JSON Lines or CSV')");
    await page.setInputFiles("form[aria-label='Upload items'] input[name=upload-file]", { name, mimeType, buffer: Buffer.from(content) });
    await page.click("form[aria-label='Upload items'] button[type=submit]");
  };
  const jsonl = [
    { id: "ship-1", input: { question: "Where is my parcel?" }, expectedOutput: "Track it under Orders.", metadata: { topic: "shipping" } },
    { id: "ship-2", input: { question: "Do you ship abroad?" }, expectedOutput: "To 30 countries." },
    { input: "Is there a student discount?" },
  ].map((l) => JSON.stringify(l)).join("\n") + "\n";
  await upload("shipping.jsonl", "application/x-ndjson", jsonl);
  await page.waitForSelector("[data-testid=notice]:has-text('Uploaded 3 items from shipping.jsonl: the dataset is now at version 4 with 5 items')");
  await page.waitForFunction(() => document.querySelectorAll("[data-testid=items-table] tr[data-item]").length === 5);

  problems.expect(400, "POST", `/api/v1/evaluations/v1/datasets/${DATASET}/upload`);
  await upload("bad.csv", "text/csv", "input,expected_output\nq1,a1\nq2\n");
  const refusal = page.locator("form[aria-label='Upload items'] [role=alert]");
  await refusal.waitFor();
  assert.match(await refusal.innerText(), /bad\.csv was refused, nothing was written: line 3: 1 cells, but the header names 2 columns/);
  await screenshot(page, "34-upload-refused");
  assert.match(await text("[data-testid=dataset-summary]"), /version 4 · 5 items/);

  await page.setInputFiles("form[aria-label='Upload items'] input[name=upload-file]", { name: "billing.csv", mimeType: "text/csv",
    buffer: Buffer.from('id,input,expected_output,topic\nbill-1,"{""question"": ""Why was I charged twice?""}",We refund the second charge.,billing\nrefund,Can I get a refund?,"Yes, within 14 days.",billing\n') });
  await page.click("form[aria-label='Upload items'] button[type=submit]");
  await page.waitForSelector("[data-testid=notice]:has-text('Uploaded 2 items from billing.csv: the dataset is now at version 5 with 6 items')");
  await page.waitForSelector("[data-testid=items-table][data-version='5']");
  const bill = page.locator("tr[data-item=bill-1]");
  assert.equal(await bill.locator("[data-testid=item-input] code").innerText(), '{"question":"Why was I charged twice?"}');
  assert.equal(await bill.locator("[data-testid=item-metadata] code").innerText(), '{"topic":"billing"}');
  assert.equal(await page.locator("tr[data-item=refund] [data-testid=item-expected]").innerText(), '"Yes, within 14 days."');

  let asked = "";
  page.once("dialog", (d) => { asked = d.message(); void d.accept(); });
  await page.click("tr[data-item=ship-2] button:has-text('Delete')");
  await page.waitForSelector("[data-testid=notice]:has-text('Item ship-2 removed: the dataset is now at version 6')");
  assert.match(asked, /Older versions of the dataset keep it/);
  await page.waitForFunction(() => document.querySelectorAll("[data-testid=items-table] tr[data-item]").length === 5);

  // Older versions, read-only: the refund's expected output as it was at each.
  const expectedAt = async (version, want) => {
    await page.selectOption("select[name=dataset-version]", String(version));
    await page.waitForSelector(`[data-testid=items-table][data-version="${version}"]`);
    assert.ok(page.url().endsWith(`?version=${version}`), page.url());
    assert.equal(await page.locator("tr[data-item=refund] [data-testid=item-expected]").innerText(), want);
  };
  await expectedAt(2, "–");
  assert.equal(await page.locator("[data-testid=items-table] tr[data-item]").count(), 2);
  assert.match(await text("[data-testid=old-version]"), /version 2: read-only/);
  assert.equal(await page.locator("button:has-text('Add item')").count(), 0);
  assert.equal(await page.locator("[data-testid=items-table] button:has-text('Edit')").count(), 0);
  await expectedAt(3, '"Yes, within 30 days."');
  await expectedAt(5, '"Yes, within 14 days."');
  assert.equal(await page.locator("tr[data-item=ship-2]").count(), 1);
  await screenshot(page, "35-dataset-version", true);
  await page.selectOption("select[name=dataset-version]", "6");
  await page.waitForSelector("[data-testid=items-table][data-version='6']");
  assert.ok(page.url().endsWith(`/evaluations/datasets/${DATASET}`), page.url());
  assert.equal(await page.locator("tr[data-item=ship-2]").count(), 0);
  await page.waitForSelector("button:has-text('Add item')");
});

test("a dataset's items are paged, fifty at a time, and the dataset is deleted after a confirm", async () => {
  const made = await apiIn(page, "POST", "/evaluations/v1/datasets", { name: "paged" });
  assert.equal(made.status, 201, JSON.stringify(made));
  const status = await page.evaluate(async (body) => {
    const me = await (await fetch("/api/v1/auth/me")).json();
    const r = await fetch("/api/v1/evaluations/v1/datasets/paged/upload", { method: "POST", body,
      headers: { "Content-Type": "application/x-ndjson", "X-CSRF-Token": me.csrfToken } });
    return r.status;
  }, Array.from({ length: 120 }, (_, i) => JSON.stringify({ id: `q-${String(i).padStart(3, "0")}`, input: { n: i } })).join("\n"));
  assert.equal(status, 200);
  await go("/evaluations/datasets/paged");
  const ids = () => page.$$eval("[data-testid=items-table] tr[data-item]", (rows) => rows.map((r) => r.dataset.item));
  const firstIs = (id) => page.waitForFunction((id) => document.querySelector("[data-testid=items-table] tr[data-item]")?.dataset.item === id, id);
  await firstIs("q-000");
  assert.equal((await ids()).length, 50);
  await page.click(".pager button:has-text('Next')");
  await firstIs("q-050");
  await page.click(".pager button:has-text('Next')");
  await firstIs("q-100");
  assert.deepEqual((await ids()).slice(-1), ["q-119"]);
  assert.equal((await ids()).length, 20);
  assert.ok(await page.isDisabled(".pager button:has-text('Next')"));
  await page.click(".pager button:has-text('Previous')");
  await firstIs("q-050");

  let asked = "";
  page.once("dialog", (d) => { asked = d.message(); void d.accept(); });
  await page.click("button:has-text('Delete dataset')");
  await page.waitForSelector(`[data-testid=datasets-page] tr[data-dataset="${DATASET}"]`);
  assert.match(asked, /Delete the dataset paged with every version/);
  assert.equal(await page.locator("tr[data-dataset=paged]").count(), 0);
});

test("a span of an ingested trace becomes a dataset item from the trace page", async () => {
  await go(`/traces/${ids.agent}`);
  await page.click(".wf-row:has-text('plan-step')");
  await page.click("[data-testid=add-to-dataset] button:has-text('Add to dataset')");
  await page.selectOption("form[aria-label='Add span to dataset'] select[name=span-dataset]", DATASET);
  await page.click("form[aria-label='Add span to dataset'] button[type=submit]");
  await page.waitForSelector("[data-testid=added-to-dataset]:has-text('version 7')");
  await screenshot(page, "36-span-added-to-dataset");
  await page.click(`[data-testid=added-to-dataset] a:has-text('${DATASET}')`);
  await page.waitForSelector("[data-testid=dataset-summary]:has-text('version 7 · 6 items')");
  const made = page.locator("[data-testid=items-table] tr[data-item]").last();
  assert.equal(await made.locator("[data-testid=item-input]").innerText(), '"Plan a trip to Lisbon for the browser test."');
  assert.equal(await made.locator("[data-testid=item-expected]").innerText(), '"Day 1: Alfama and the castle. Day 2: Belem."');
  await made.locator("a:has-text('trace')").click();
  await page.waitForSelector(`[data-testid=trace-detail-page] code:has-text('${ids.agent}')`);

  await page.click("nav >> text=Datasets");
  const listed = page.locator(`tr[data-dataset="${DATASET}"]`);
  await listed.waitFor();
  assert.equal(await listed.locator("[data-testid=dataset-version]").innerText(), "v7");
  assert.equal(await listed.locator("[data-testid=dataset-items]").innerText(), "6");
  await screenshot(page, "37-datasets");
});

test("an evaluator is made from a ready template, edited and deleted after a confirm", async () => {
  await page.click("nav >> text=Evaluators");
  await page.waitForSelector("[data-testid=no-evaluators]");
  await page.click("button:has-text('New evaluator')");
  const form = "form[aria-label='New evaluator']";
  await page.selectOption(`${form} select[name=evaluator-template]`, "correctness");
  assert.equal(await page.inputValue(`${form} input[name=evaluator-name]`), "correctness");
  assert.match(await page.inputValue(`${form} textarea[name=evaluator-prompt]`), /\{\{output\}\}[\s\S]*\{\{expected\}\}/);
  assert.equal(await page.inputValue(`${form} select[name=evaluator-connection]`), CONNECTION);
  assert.equal(await page.inputValue(`${form} select[name=evaluator-output]`), "numeric");
  await page.click(`${form} button[type=submit]`);
  await page.waitForSelector("[data-testid=notice]:has-text('Evaluator correctness created')");
  const row = page.locator("tr[data-evaluator=correctness]");
  assert.match(await row.innerText(), /correctness[\s\S]*a number from 1 to 5\s+fake-openai\s+default/);

  await page.click("button:has-text('New evaluator')");
  await page.fill(`${form} input[name=evaluator-name]`, "tone");
  await page.fill(`${form} textarea[name=evaluator-prompt]`, "Is this answer polite?\n\n{{output}}");
  await page.selectOption(`${form} select[name=evaluator-output]`, "categorical");
  await page.fill(`${form} input[name=evaluator-categories]`, "polite, neutral");
  await page.click(`${form} button[type=submit]`);
  await page.waitForSelector("tr[data-evaluator=tone] [data-testid=evaluator-output]:has-text('one of polite, neutral')");
  await page.click("tr[data-evaluator=tone] button:has-text('Edit')");
  const edit = "form[aria-label='Edit evaluator']";
  assert.ok(await page.isDisabled(`${edit} input[name=evaluator-name]`));
  await page.fill(`${edit} input[name=evaluator-categories]`, "polite, neutral, rude");
  await page.fill(`${edit} input[name=evaluator-model]`, "gpt-4o");
  await page.click(`${edit} button[type=submit]`);
  await page.waitForSelector("tr[data-evaluator=tone] [data-testid=evaluator-output]:has-text('one of polite, neutral, rude')");
  assert.match(await page.locator("tr[data-evaluator=tone]").innerText(), /fake-openai\s+gpt-4o/);
  await screenshot(page, "38-evaluators");
  page.once("dialog", (d) => void d.accept());
  await page.click("tr[data-evaluator=tone] button:has-text('Delete')");
  await page.waitForSelector("[data-testid=notice]:has-text('Evaluator tone deleted')");
  await page.waitForFunction(() => !document.querySelector("tr[data-evaluator=tone]"));
  await page.waitForSelector("tr[data-evaluator=correctness]");
});

test("an evaluator is tried on typed values: the judge's verdict, and an answer off its schema shown as an error", async () => {
  await page.click("tr[data-evaluator=correctness] button:has-text('Try')");
  const form = "form[aria-label='Try evaluator']";
  await page.fill(`${form} textarea[name=try-input]`, "How do I reset my password?");
  await page.fill(`${form} textarea[name=try-output]`, 'Open Settings. REPLY<<{"score": 4, "reasoning": "Names the right menu."}>>REPLY');
  await page.fill(`${form} textarea[name=try-expected]`, "Open Settings, then Security.");
  await page.click(`${form} button[type=submit]`);
  await page.waitForSelector("[data-testid=verdict]");
  assert.equal(await text("[data-testid=verdict-value]"), "4");
  assert.equal(await text("[data-testid=verdict-reasoning]"), "Names the right menu.");
  await screenshot(page, "39-evaluator-verdict");

  problems.expect(422, "POST", "/api/v1/evaluations/v1/evaluators/correctness/run");
  await page.fill(`${form} textarea[name=try-output]`, 'REPLY<<{"score": 9, "reasoning": "Too generous."}>>REPLY');
  await page.click(`${form} button[type=submit]`);
  const refusal = page.locator(`${form} [role=alert]`);
  await refusal.waitFor();
  assert.match(await refusal.innerText(), /does not fit the schema: score 9 is outside 1 to 5/);
  await screenshot(page, "40-evaluator-off-schema");
  assert.equal(await page.locator("[data-testid=verdict]").count(), 0);
});

// Evaluations: experiment runs compared, evaluation rules on live spans, the playground.
const ok = (answer, what) => assert.ok(answer.status < 300, `${what}: ${JSON.stringify(answer)}`);
const ingest = (spans) => fetch(`${server.url}/api/v1/stacktrace/v1/traces/batch`, {
  method: "POST", headers: { "Content-Type": "application/json", "X-Api-Key": server.bootstrapKey }, body: JSON.stringify({ spans }) });
const llmSpan = (traceId, name, completion, extra = {}) => ({
  traceId, spanId: "s1", name, startTime: new Date().toISOString(),
  llmSpan: { model: "gpt-4o-mini", provider: "openai", promptContent: "How do I reset my password?", completionContent: completion, ...extra },
});

test("two experiment runs over a dataset are compared item by item: figures, bars, progress and the differences marked", async () => {
  const ds = "compare-set";
  const base = `/evaluations/v1/datasets/${ds}`;
  ok(await apiIn(page, "POST", "/evaluations/v1/datasets", { name: ds }), "dataset");
  for (const item of [{ id: "q1", input: { question: "How do I reset my password?" }, expectedOutput: "Open Settings." },
    { id: "q2", input: { question: "Can I get a refund?" }, expectedOutput: "Within 30 days." }])
    ok(await apiIn(page, "POST", `${base}/items`, item), "item");
  const sent = await ingest([
    ["cmp-a-q1", 100, 20, 0.002], ["cmp-a-q2", 150, 30, 0.003], ["cmp-b-q1", 80, 10, 0.001],
  ].map(([trace, input, output, cost]) => llmSpan(trace, "answer", "…", { inputTokens: input, outputTokens: output, estimatedCostUsd: cost })));
  assert.equal(sent.status, 200, await sent.text());
  ok(await apiIn(page, "POST", "/stacktrace/v1/scores", { traceId: "cmp-a-q1", name: "accuracy", value: 0.5 }), "score a");
  ok(await apiIn(page, "POST", "/stacktrace/v1/scores", { traceId: "cmp-b-q1", name: "accuracy", value: 0.9 }), "score b");
  const a = (await apiIn(page, "POST", `${base}/runs`, { name: "baseline" })).body;
  const b = (await apiIn(page, "POST", `${base}/runs`, { name: "candidate", description: "cites the docs" })).body;
  ok(await apiIn(page, "POST", `${base}/runs/${a.id}/results`, { results: [
    { itemId: "q1", traceId: "cmp-a-q1", output: "Open Settings.", latencyMs: 120 },
    { itemId: "q2", traceId: "cmp-a-q2", output: "Within 30 days.", latencyMs: 200 }] }), "results a");
  ok(await apiIn(page, "POST", `${base}/runs/${a.id}/finish`, {}), "finish a");
  ok(await apiIn(page, "POST", `${base}/runs/${b.id}/results`, { results: [
    { itemId: "q1", traceId: "cmp-b-q1", output: "Open Settings, then Security.", latencyMs: 80 }] }), "results b");

  await go(`/evaluations/datasets/${ds}`);
  const runRow = (id) => page.locator(`[data-testid=runs-table] tr[data-run="${id}"]`);
  await runRow(b.id).waitFor();
  assert.equal(await runRow(b.id).locator("[data-testid=run-status]").innerText(), "running");
  assert.equal(await runRow(b.id).locator("[data-testid=run-items-done]").innerText(), "1 of 2 items");
  assert.equal(await runRow(a.id).locator("[data-testid=run-status]").innerText(), "finished");
  assert.ok(await page.isDisabled("[data-testid=runs] button:has-text('Compare')"));
  await runRow(b.id).locator("input[type=checkbox]").check();
  await runRow(a.id).locator("input[type=checkbox]").check();
  await page.click("[data-testid=runs] button:has-text('Compare')");
  await page.waitForSelector("[data-testid=compare-table]");
  assert.ok(page.url().endsWith(`/evaluations/datasets/${ds}/compare?runs=${a.id},${b.id}`), page.url());
  await page.waitForSelector("[data-testid=compare-live]");
  const agg = (id, metric) => `[data-testid=compare-runs] tr[data-run="${id}"] [data-metric="${metric}"]`;
  assert.equal(await text(`[data-testid=compare-runs] tr[data-run="${b.id}"] [data-testid=run-items-done]`), "1 of 2 items");
  assert.equal(await text(`[data-testid=compare-table] tr[data-item=q2] td[data-run="${b.id}"]`), "not yet");

  // The candidate ends while the page is open: it follows without a reload.
  ok(await apiIn(page, "POST", `${base}/runs/${b.id}/results`, { results: [{ itemId: "q2", error: "timeout after 5 s", latencyMs: 5000 }] }), "error b");
  ok(await apiIn(page, "POST", `${base}/runs/${b.id}/finish`, {}), "finish b");
  await page.waitForSelector(`[data-testid=compare-runs] tr[data-run="${b.id}"] [data-testid=run-status]:has-text('finished')`, { timeout: 15000 });
  await page.waitForFunction(() => !document.querySelector("[data-testid=compare-live]"));
  assert.equal(await text(`[data-testid=compare-runs] tr[data-run="${b.id}"] [data-testid=run-items-done]`), "2 of 2 items");

  assert.equal(await text(agg(a.id, "items")), "2");
  assert.equal(await text(agg(b.id, "errors")), "1");
  assert.equal(await text(agg(a.id, "latency")), "160 ms");
  assert.equal(await text(agg(b.id, "latency")), "2.54 s");
  assert.match(await text(agg(a.id, "tokens")), /^300\s+250 in \/ 50 out$/);
  assert.equal(await text(agg(a.id, "cost")), "$0.005");
  assert.equal(await text(agg(b.id, "cost")), "$0.001");
  assert.equal(await text(agg(a.id, "score-accuracy")), "0.500 (1)");
  assert.equal(await text(agg(b.id, "score-accuracy")), "0.900 (1)");
  const best = (sel) => page.locator(sel).first().getAttribute("data-best");
  for (const [id, metric, want] of [[a.id, "errors", "true"], [b.id, "errors", null], [a.id, "latency", "true"], [b.id, "cost", "true"],
    [a.id, "cost", null], [b.id, "score-accuracy", "true"], [a.id, "items", null]])
    assert.equal(await best(agg(id, metric)), want, `${metric} of run ${id}`);
  const bars = (figure) => page.$$eval(`[data-testid=compare-charts] [data-figure="${figure}"] .bar-row`,
    (rows) => rows.map((r) => r.innerText.replace(/\s+/g, " ")));
  assert.deepEqual(await bars("Cost"), [`baseline #${a.id} $0.005`, `candidate #${b.id} $0.001`]);
  assert.deepEqual(await bars("Score accuracy (average)"), [`baseline #${a.id} 0.500`, `candidate #${b.id} 0.900`]);

  const cell = (item, id) => `[data-testid=compare-table] tr[data-item=${item}] td[data-run="${id}"]`;
  assert.equal(await text(`[data-testid=compare-table] tr[data-item=q1] [data-testid=compare-input]`), '{"question":"How do I reset my password?"}Expand');
  assert.equal(await text(`[data-testid=compare-table] tr[data-item=q1] [data-testid=compare-expected]`), '"Open Settings."');
  assert.equal(await text(`${cell("q1", a.id)} [data-testid=result-output]`), '"Open Settings."');
  assert.equal(await text(`${cell("q1", b.id)} [data-testid=result-output]`), '"Open Settings, then Security."');
  assert.equal(await text(`${cell("q1", b.id)} [data-testid=differs]`), `differs from baseline #${a.id}`);
  assert.equal(await page.locator(`${cell("q2", a.id)} [data-testid=differs]`).count(), 0);
  assert.match(await text(`${cell("q1", b.id)} [data-metric=cost]`), /^\$0\.001\s*cheapest$/);
  assert.match(await text(`${cell("q1", b.id)} [data-metric=latency]`), /^80 ms\s*fastest$/);
  assert.match(await text(`${cell("q1", b.id)} [data-score=accuracy]`), /^accuracy 0\.900\s*best$/);
  assert.equal(await best(`${cell("q1", a.id)} [data-metric=cost]`), null);
  assert.equal(await best(`${cell("q1", a.id)} [data-score=accuracy]`), null);
  assert.equal(await text(`${cell("q1", a.id)} [data-metric=tokens]`), "100 in / 20 out");
  assert.equal(await text(`${cell("q2", b.id)} [data-testid=result-error]`), "timeout after 5 s");
  assert.equal(await best(`${cell("q2", a.id)} [data-metric=cost]`), null);
  await screenshot(page, "41-runs-compared", true);
  await page.click(`${cell("q1", b.id)} a:has-text('trace')`);
  await page.waitForSelector("[data-testid=trace-detail-page] code:has-text('cmp-b-q1')");
});

test("a rule judges new LLM spans in the background: its history shows the score and the judge's error, and the score is on the span", async () => {
  await page.click("nav >> text=Evaluation rules");
  await page.waitForSelector("[data-testid=no-rules]");
  await page.click("button:has-text('New rule')");
  const form = "form[aria-label='New rule']";
  assert.equal(await page.inputValue(`${form} select[name=rule-evaluator]`), "correctness");
  await page.fill(`${form} input[name=rule-name]`, "judge answers");
  await page.fill(`${form} input[name=rule-filter-name]`, "rule-answer");
  await page.fill(`${form} input[name=rule-filter-attributes]`, "tier");
  await page.click(`${form} button[type=submit]`);
  assert.match(await text(`${form} [role=alert]`), /Attributes: "tier" is not key=value/);
  await page.fill(`${form} input[name=rule-filter-attributes]`, "");
  await page.click(`${form} button[type=submit]`);
  await page.waitForSelector("[data-testid=notice]:has-text('Rule judge answers created')");
  const row = page.locator("tr[data-rule='judge answers']");
  assert.match(await row.innerText(), /judge answers\s+correctness\s+operation rule-answer\s+100%\s+0 s\s+running\s+0\s+0\s+\$0/);

  const run = `rule-${Date.now()}`;
  const sent = await ingest([
    llmSpan(`${run}-judged`, "rule-answer", 'Open Settings. REPLY<<{"score": 5, "reasoning": "Names the right menu."}>>REPLY'),
    llmSpan(`${run}-refused`, "rule-answer", "I do not know."),
    llmSpan(`${run}-other`, "another-operation", "Not for this rule."),
  ]);
  assert.equal(sent.status, 200, await sent.text());
  await row.locator("button:has-text('History')").click();
  const history = "[data-testid=rule-history]";
  await page.waitForSelector(`${history} tr[data-status=ok][data-trace="${run}-judged"]`, { timeout: 20000 });
  await page.waitForSelector(`${history} tr[data-status=error][data-trace="${run}-refused"]`, { timeout: 20000 });
  assert.equal(await page.locator(`${history} tr[data-trace="${run}-other"]`).count(), 0);
  assert.match(await text(`${history} tr[data-trace="${run}-refused"] [data-testid=rule-run-error]`), /schema|JSON/);
  await page.waitForSelector(`${history} [data-testid=totals-runs]:has-text('2')`);
  assert.equal(await text(`${history} [data-testid=totals-ok]`), "1");
  assert.equal(await text(`${history} [data-testid=totals-errors]`), "1");
  assert.match(await text(`${history} [data-testid=totals-cost]`), /^\$0\.0\d+$/);
  await page.waitForSelector("tr[data-rule='judge answers'] [data-testid=rule-runs]:text-is('2')");
  await screenshot(page, "42-rule-history", true);

  await page.click(`${history} tr[data-trace="${run}-judged"] a:has-text('${run}-judged')`);
  const score = page.locator("[data-testid=span-scores] [data-testid=score-row]:has-text('correctness')");
  await score.waitFor();
  assert.match(await score.innerText(), /correctness[\s\S]*5[\s\S]*Names the right menu\.[\s\S]*eval/);
  await screenshot(page, "43-rule-score-on-span");

  await page.click("nav >> text=Evaluation rules");
  await row.waitFor();
  assert.match(await row.innerText(), /running\s+2\s+1\s+\$0\.0\d+/);
  await row.locator("button:has-text('Pause')").click();
  await page.waitForSelector("[data-testid=notice]:has-text('Rule judge answers paused')");
  assert.equal(await row.locator("[data-testid=rule-state]").innerText(), "paused");
  await row.locator("button:has-text('Edit')").click();
  const edit = "form[aria-label='Edit rule']";
  assert.equal(await page.inputValue(`${edit} input[name=rule-filter-name]`), "rule-answer");
  assert.ok(await page.isChecked(`${edit} input[name=rule-paused]`));
  await page.fill(`${edit} input[name=rule-sampling]`, "25");
  await page.fill(`${edit} input[name=rule-filter-tags]`, "support, prod");
  await page.click(`${edit} button[type=submit]`);
  await page.waitForSelector("tr[data-rule='judge answers'] [data-testid=rule-sampling]:has-text('25%')");
  assert.equal(await row.locator("[data-testid=rule-filter]").innerText(), "operation rule-answer · tags support, prod");
  await row.locator("button:has-text('Resume')").click();
  await page.waitForSelector("tr[data-rule='judge answers'] [data-testid=rule-state]:has-text('running')");
  let asked = "";
  page.once("dialog", (d) => { asked = d.message(); void d.accept(); });
  await row.locator("button:has-text('Delete')").click();
  await page.waitForSelector("[data-testid=notice]:has-text('Rule judge answers deleted')");
  assert.match(asked, /The scores it gave stay/);
  await page.waitForSelector("[data-testid=no-rules]");
});

test("the playground fills a prompt's variables, runs it on a connection and saves the result as a prompt version and a dataset item", async () => {
  await page.click("nav >> text=Playground");
  const form = "form[aria-label=Playground]";
  await page.fill(`${form} textarea[name=playground-text]`, "Answer {{ customer }} briefly: {{question}}");
  await page.fill(`${form} textarea[name=var-customer]`, "Ana");
  await page.fill(`${form} textarea[name=var-question]`, "How do I reset my password?");
  assert.equal(await page.inputValue(`${form} select[name=playground-connection]`), CONNECTION);
  await page.fill(`${form} input[name=playground-temperature]`, "0.2");
  await page.fill(`${form} input[name=playground-max-tokens]`, "64");
  await page.click(`${form} button[type=submit]`);
  await page.waitForSelector("[data-testid=playground-answer]");
  assert.equal(await text("[data-testid=playground-completion]"), "echo: Answer Ana briefly: How do I reset my password?");
  assert.equal(await text("[data-testid=playground-model]"), "gpt-4o-mini");
  assert.match(await text("[data-testid=playground-tokens]"), /^[1-9]\d* in \/ [1-9]\d* out tokens$/);
  assert.match(await text("[data-testid=playground-cost]"), /^\$0\.0\d+$/);
  assert.match(await text("[data-testid=playground-latency]"), /^\d+(\.\d+)? (ms|s)$/);

  // A stored version runs as stored (the server compiles it); its text saved again is the prompt's next version.
  const latest = (await apiIn(page, "GET", `/flowops/v1/prompts/${PROMPT}`)).body.latestVersion;
  await page.selectOption(`${form} select[name=playground-prompt]`, PROMPT);
  await page.selectOption(`${form} select[name=playground-version]`, "2");
  assert.equal(await page.inputValue(`${form} textarea[name=playground-text]`), V2);
  assert.equal(await text("[data-testid=playground-source]"), `Runs ${PROMPT} v2 as stored.`);
  assert.equal(await page.locator("[data-testid=playground-variables]").count(), 0);
  await page.click(`${form} button[type=submit]`);
  await page.waitForSelector(`[data-testid=playground-completion]:has-text("${V2.split("\n").pop()}")`);
  assert.equal(await text("[data-testid=playground-completion]"), `echo: ${V2}`);
  await page.fill(`${form} textarea[name=playground-text]`, `${V2}\nThe customer asks: {{question}}`);
  assert.equal(await text("[data-testid=playground-source]"), `Edited from ${PROMPT} v2: runs the text below.`);
  await page.fill(`${form} textarea[name=var-question]`, "Where is my parcel?");
  await page.click(`${form} button[type=submit]`);
  await page.waitForSelector("[data-testid=playground-completion]:has-text('Where is my parcel?')");
  assert.equal(await page.inputValue("input[name=save-prompt-name]"), PROMPT);
  await page.fill("input[name=save-prompt-message]", "asks for the question");
  await page.click("form[aria-label='Save as prompt version'] button[type=submit]");
  await page.waitForSelector(`[data-testid=saved-version]:has-text('Saved as v${latest + 1} of ${PROMPT}')`);
  const versions = (await apiIn(page, "GET", `/flowops/v1/prompts/${PROMPT}/versions`)).body.versions;
  assert.equal(versions.find((v) => v.version === latest + 1)?.content, `${V2}\nThe customer asks: {{question}}`);

  await page.selectOption("form[aria-label='Save as dataset item'] select[name=save-dataset]", DATASET);
  await page.click("form[aria-label='Save as dataset item'] button[type=submit]");
  const saved = await text("[data-testid=saved-item]");
  const [, id] = saved.match(/^Item (\S+) added to support-questions: now at version \d+\.$/) ?? [];
  assert.ok(id, saved);
  const item = (await apiIn(page, "GET", `/evaluations/v1/datasets/${DATASET}/items/${id}`)).body;
  assert.deepEqual({ input: item.input, expectedOutput: item.expectedOutput },
    { input: { question: "Where is my parcel?" }, expectedOutput: `echo: ${V2}\nThe customer asks: Where is my parcel?` });
  await screenshot(page, "44-playground", true);
});

test("the playground shows a provider's refusal in its own words", async () => {
  problems.expect(424, "POST", "/api/v1/evaluations/v1/playground/run");
  const form = "form[aria-label=Playground]";
  await page.fill(`${form} input[name=playground-model]`, "error-401");
  await page.click(`${form} button[type=submit]`);
  const refusal = page.locator("[data-testid=playground-error] [role=alert]");
  await refusal.waitFor();
  assert.match(await refusal.innerText(), /401[\s\S]*error-401/);
  assert.equal(await page.locator("[data-testid=playground-answer]").count(), 0);
  await screenshot(page, "45-playground-refused");
});

test("a prompt is run over a dataset by the server: the run shows its progress, then its outputs, the judge's scores and the item that failed", async () => {
  const ds = "prompt-run-set";
  ok(await apiIn(page, "POST", "/flowops/v1/prompts", { name: "answer-question", content: "Answer briefly: {{question}}" }), "prompt");
  ok(await apiIn(page, "POST", "/evaluations/v1/datasets", { name: ds }), "dataset");
  const judged = (score) => `REPLY<<{"score": ${score}, "reasoning": "Judged ${score}."}>>REPLY`;
  for (const item of [{ id: "p1", input: { question: "How do I reset my password?" }, expectedOutput: judged(4) },
    { id: "p2", input: { question: "Where is my parcel?" }, expectedOutput: judged(2) },
    { id: "p3", input: { topic: "no question here" } }])
    ok(await apiIn(page, "POST", `/evaluations/v1/datasets/${ds}/items`, item), "item");

  await go(`/evaluations/datasets/${ds}`);
  await page.waitForSelector("[data-testid=no-runs]");
  await page.click("button:has-text('Run a prompt over this dataset')");
  const form = "form[aria-label='Run a prompt']";
  await page.fill(`${form} input[name=run-name]`, "answer v1");
  await page.selectOption(`${form} select[name=run-prompt]`, "answer-question");
  await page.selectOption(`${form} select[name=run-version]`, "v:1");
  assert.equal(await text("[data-testid=run-variables]"), "v1 fills {{question}} from each item's input.");
  assert.equal(await page.inputValue(`${form} select[name=run-connection]`), CONNECTION);
  await page.check(`${form} input[name=run-evaluator-correctness]`);
  await page.click(`${form} button[type=submit]`);
  await page.waitForSelector("[data-testid=notice]:has-text('Run answer v1 started over the 3 items of version 3.')");
  const row = page.locator("[data-testid=runs-table] tr[data-run-name='answer v1']");
  await row.waitFor();
  assert.equal(await row.locator("[role=progressbar]").getAttribute("aria-valuemax"), "3");
  await page.waitForSelector("[data-testid=runs-table] tr[data-run-name='answer v1'] [data-testid=run-status]:text-is('finished')", { timeout: 30000 });
  assert.equal(await row.locator("[data-testid=run-items-done]").innerText(), "3 of 3 items");
  assert.equal(await row.locator("[data-testid=run-errors]").innerText(), "1");
  assert.match(await row.locator("[data-testid=run-cost]").innerText(), /^\$0\.0\d+$/);
  assert.equal(await row.locator("[data-testid=run-used]").innerText(), "answer-question v1 · fake-openai · gpt-4o-mini");
  await screenshot(page, "46-prompt-run", true);

  const id = await row.getAttribute("data-run");
  await row.locator("input[type=checkbox]").check();
  await page.click("[data-testid=runs] button:has-text('Compare')");
  const cell = (item) => `[data-testid=compare-table] tr[data-item=${item}] td[data-run="${id}"]`;
  await page.waitForSelector(cell("p1"));
  assert.equal(await text(`${cell("p1")} [data-testid=result-output]`), '"echo: Answer briefly: How do I reset my password?"');
  assert.match(await text(`${cell("p1")} [data-score=correctness]`), /^correctness 4$/);
  assert.match(await text(`${cell("p2")} [data-score=correctness]`), /^correctness 2$/);
  assert.match(await text(`${cell("p3")} [data-testid=result-error]`), /question/);
  assert.equal(await text(`[data-testid=compare-runs] tr[data-run="${id}"] [data-metric=score-correctness]`), "3 (2)");

  // A connection at its spend cap ends a run as failed, and the runs list says why.
  ok(await apiIn(page, "POST", "/evaluations/v1/connections", { name: "capped", provider: "openai", baseUrl: `${fake.url}/v1`,
    apiKey: KEY, defaultModel: "gpt-4o-mini", monthlyBudgetUsd: 0 }), "capped connection");
  const capped = await apiIn(page, "POST", `/evaluations/v1/datasets/${ds}/runs/prompt`,
    { name: "over the cap", prompt: "answer-question", version: 1, connection: "capped", concurrency: 1 });
  assert.equal(capped.status, 202, JSON.stringify(capped));
  await go(`/evaluations/datasets/${ds}`);
  await page.waitForSelector(`[data-testid=runs-table] tr[data-run="${capped.body.id}"] [data-testid=run-status]:text-is('failed')`, { timeout: 30000 });
  assert.match(await text(`[data-testid=runs-table] tr[data-run="${capped.body.id}"] [data-testid=run-failure]`), /cap/);
});

test("Governance: the admin blocks card numbers, sees redacted and blocked fields, the findings, the audit log and its export, and prints the report", async () => {
  const run = `gov-${Date.now()}`;
  await page.click("nav >> text=Policies");
  await page.waitForSelector("[data-testid=policies-table]");
  await page.selectOption("select[aria-label='Action for card']", "block");
  await page.click("button:has-text('Save policies')");
  await page.waitForSelector("[data-testid=policies-saved]");
  assert.equal(await page.inputValue("select[aria-label='Action for card']"), "block");
  await screenshot(page, "20-governance-policies");

  const send = (trace, prompt) => fetch(`${server.url}/api/v1/stacktrace/v1/traces`, {
    method: "POST", headers: { "Content-Type": "application/json", "X-Api-Key": server.bootstrapKey },
    body: JSON.stringify({ traceId: trace, spanId: "s1", name: "support-answer", startTime: new Date().toISOString(),
      llmSpan: { model: "gpt-4o", provider: "openai", inputTokens: 12, outputTokens: 3, promptContent: prompt,
        completionContent: "Done." } }),
  }).then((r) => r.status);
  assert.equal(await send(`${run}-mail`, "Reply to jane.doe@example.com about her order"), 200);
  assert.equal(await send(`${run}-card`, "My card is 4111 1111 1111 1111"), 422);

  await go(`/traces/${run}-mail`);
  await page.waitForSelector("[data-testid=redacted-prompt]");
  assert.match(await text("[data-testid=redacted-prompt]"), /redacted: email/);
  assert.match(await text("[data-testid=prompt-content]"), /\[EMAIL\]/);
  assert.doesNotMatch(await text("[data-testid=prompt-content]"), /jane\.doe/);
  await screenshot(page, "21-governance-redacted-span");
  await go(`/traces/${run}-card`);
  await page.waitForSelector("[data-testid=span-blocked]");
  assert.match(await text("[data-testid=span-blocked]"), /prompt \(card\)/);
  assert.equal(await page.locator(".wf-row .governai-mark.blocked").count(), 1);

  await page.click("nav >> text=Personal data");
  await page.waitForSelector("[data-testid=chart-findings]");
  assert.match(await text("[data-testid=findings-total]"), /^[1-9]/);
  await screenshot(page, "22-governance-findings");

  await page.click("nav >> text=Audit log");
  await page.waitForSelector(`[data-testid=audit-table] tr[data-trace="${run}-card"]`);
  await page.selectOption("select[aria-label=Policy]", "block");
  await page.waitForFunction(() => [...document.querySelectorAll("[data-testid=audit-table] tr[data-entry]")]
    .every((r) => r.innerText.includes("block")));
  assert.ok(page.url().includes("policy=block"), page.url());
  assert.equal(await page.locator(`[data-testid=audit-table] tr[data-trace="${run}-mail"]`).count(), 0);
  const download = page.waitForEvent("download");
  await page.click("[data-testid=audit-export]");
  const file = await (await download).path();
  const { readFileSync } = await import("node:fs");
  const lines = readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l));
  assert.ok(lines.length > 0 && lines.every((e) => e.policy === "block"), JSON.stringify(lines));
  assert.ok(lines.some((e) => e.traceId === `${run}-card` && e.type === "card"));
  await screenshot(page, "23-governance-audit");

  await page.click("nav >> text=Transparency report");
  await page.waitForSelector("[data-testid=report]");
  await page.click("button:has-text(\"Edit the operator's statements\")");
  await page.fill("textarea[name=intendedPurpose]", `Answering support mail (${run})`);
  await page.fill("textarea[name=humanOversight]", "An agent reviews every answer before it is sent.");
  await page.click("form[aria-label='Operator statements'] button[type=submit]");
  await page.waitForSelector(`[data-testid=report-statements]:has-text("${run}")`);
  assert.match(await text("[data-testid=report-integrity]"), /Verified intact/);
  assert.match(await text("[data-testid=report-models]"), /gpt-4o/);
  assert.match(await text("[data-testid=report-personal-data]"), /card\s+block/);
  await page.emulateMedia({ media: "print" });
  assert.equal(await page.locator("aside.sidebar").isVisible(), false);
  assert.equal(await page.locator("[data-testid=report-print]").isVisible(), false);
  assert.ok(await page.locator("[data-testid=report]").isVisible());
  await screenshot(page, "24-governance-report-print", true);
  await page.emulateMedia({ media: "screen" });
});

test("a revoked key makes the SDK raise AuthError", async () => {
  await page.click("nav >> text=API Keys");
  page.once("dialog", (d) => d.accept());
  await page.click(`tr[data-key-prefix="${keyPrefix}"] button:has-text('Revoke')`);
  await page.waitForSelector(`tr[data-key-prefix="${keyPrefix}"] >> text=revoked`);
  assert.ok(sdk(server.url, apiKey, "prompt", PROMPT, "production").authError);
  assert.ok(sdk(server.url, apiKey, "one-trace").authError);
});

test("the admin sets the project's retention period and goes back to keeping everything", async () => {
  await page.click("nav >> text=Members");
  await page.waitForSelector("[data-testid=retention-now]");
  assert.match(await text("[data-testid=retention-now]"), /kept until deleted/);
  await page.fill("input[aria-label='Retention days']", "400");
  await page.click("[data-testid=retention] button[type=submit]");
  await page.waitForSelector("[data-testid=retention-saved]");
  assert.match(await text("[data-testid=retention-now]"), /kept 400 days/);
  await screenshot(page, "10-retention");
  await page.click("[data-testid=retention] >> text=Keep everything");
  await page.waitForFunction(() => /kept until deleted/.test(document.querySelector("[data-testid=retention-now]")?.textContent ?? ""));
});

test("the admin adds a viewer, who finds no edit controls and whose API calls are refused", async () => {
  await page.click("nav >> text=Members");
  await page.fill("input[name=member-email]", viewer.email);
  await page.selectOption("select[name=member-role]", "viewer");
  await page.click("form[aria-label='Add member'] button[type=submit]");
  viewer.password = (await text("[data-testid=new-member-password]")).trim();
  await page.waitForSelector(`tr[data-email="${viewer.email}"]`);
  await screenshot(page, "10-members");

  await page.click("text=Sign out");
  await page.waitForSelector("input[name=password]");
  await signIn(viewer.email, viewer.password);
  assert.match(await text("[data-testid=role]"), /viewer of default/);
  assert.equal(await page.locator("nav >> text=API Keys").count(), 0);
  await go(`/prompts/${PROMPT}`);
  await page.waitForSelector("[data-testid=env-production]");
  assert.equal(await page.locator("button:has-text('Promote')").count(), 0);
  assert.equal(await page.locator("button:has-text('Roll back')").count(), 0);
  assert.equal(await page.locator("text=Edit (saves a new version)").count(), 0);
  await go("/prompts");
  await page.waitForSelector("[data-testid=prompts-table]");
  assert.equal(await page.locator("text=New prompt").count(), 0);
  await screenshot(page, "11-viewer-prompts");

  problems.expect(403, "POST", `/api/v1/flowops/v1/prompts/${PROMPT}/promote`);
  problems.expect(403, "POST", "/api/v1/flowops/v1/prompts");
  problems.expect(403, "POST", "/api/v1/keys");
  problems.expect(403, "GET", "/api/v1/keys");
  const refused = await page.evaluate(async (name) => {
    const me = await (await fetch("/api/v1/auth/me")).json();
    const h = { "Content-Type": "application/json", "X-CSRF-Token": me.csrfToken };
    const post = (path, body) => fetch(path, { method: "POST", headers: h, body: JSON.stringify(body) }).then((r) => r.status);
    return {
      promote: await post(`/api/v1/flowops/v1/prompts/${name}/promote`, { version: 2, env: "production" }),
      create: await post("/api/v1/flowops/v1/prompts", { name: "viewer-made", content: "x" }),
      key: await post("/api/v1/keys", { scopes: ["traces:read"] }),
      listKeys: (await fetch("/api/v1/keys")).status,
    };
  }, PROMPT);
  assert.deepEqual(refused, { promote: 403, create: 403, key: 403, listKeys: 403 });
});

test("a viewer reads scores but finds no controls to give or edit them", async () => {
  await go(`/traces/${ids.agent}`);
  await page.waitForSelector("[data-testid=trace-scores] [data-testid=score-row]:has-text('accuracy')");
  assert.equal(await page.locator("form[aria-label='Score this trace']").count(), 0);
  assert.equal(await page.locator("[data-testid=trace-scores] button:has-text('Edit')").count(), 0);
});

test("a viewer reads datasets, evaluators and model connections but finds no controls to change, test or add to them", async () => {
  await page.click("nav >> text=Datasets");
  await page.waitForSelector(`tr[data-dataset="${DATASET}"]`);
  assert.equal(await page.locator("button:has-text('New dataset')").count(), 0);
  await page.click(`tr[data-dataset="${DATASET}"] a`);
  await page.waitForSelector("[data-testid=items-table] tr[data-item=refund]");
  for (const control of ["Add item", "Upload JSON Lines or CSV", "Edit", "Delete"])
    assert.equal(await page.locator(`button:has-text('${control}')`).count(), 0, control);
  await page.click("nav >> text=Evaluators");
  await page.waitForSelector("tr[data-evaluator=correctness]");
  assert.equal(await page.locator("button:has-text('New evaluator')").count(), 0);
  assert.equal(await page.locator("[data-testid=evaluators-table] button").count(), 0);
  await page.click("nav >> text=Model connections");
  await page.waitForSelector(`tr[data-connection="${CONNECTION}"]`);
  assert.match(await text("[data-testid=connections-read-only]"), /Only admins/);
  assert.equal(await page.locator("[data-testid=connections-table] button").count(), 0);
  await go(`/traces/${ids.agent}`);
  await page.waitForSelector("[data-testid=span-detail]");
  assert.equal(await page.locator("[data-testid=add-to-dataset]").count(), 0);
});

test("a viewer compares runs and reads rules, but finds no controls to start a run, change rules or run the playground", async () => {
  await go("/evaluations/datasets/compare-set");
  const baseline = page.locator("[data-testid=runs-table] tr[data-run-name=baseline]");
  await baseline.waitFor();
  assert.equal(await page.locator("button:has-text('Run a prompt over this dataset')").count(), 0);
  await baseline.locator("input[type=checkbox]").check();
  await page.click("[data-testid=runs] button:has-text('Compare')");
  await page.waitForSelector("[data-testid=compare-table] tr[data-item=q1] [data-testid=result-output]");
  await page.click("nav >> text=Evaluation rules");
  await page.waitForSelector("[data-testid=no-rules]");
  assert.equal(await page.locator("button:has-text('New rule')").count(), 0);
  await page.click("nav >> text=Playground");
  await page.waitForSelector("form[aria-label=Playground] select[name=playground-connection]");
  assert.ok(await page.isDisabled("form[aria-label=Playground] button[type=submit]"));
});

test("what the page does wrong is caught: an uncaught error, a console error, an unexpected answer", async () => {
  await page.evaluate(async () => {
    console.error("logged on purpose");
    await fetch("/api/v1/no-such-route");
    // Resolves in the task after the one that throws, so the error is reported before evaluate returns.
    await new Promise((resolve) => setTimeout(() => { setTimeout(resolve); throw new Error("thrown on purpose"); }));
  });
  const seen = problems.take();
  for (const want of [/^page error: thrown on purpose/, /^console error: logged on purpose/, /^404 from GET .*\/api\/v1\/no-such-route$/])
    assert.ok(seen.some((p) => want.test(p)), `${want} in ${JSON.stringify(seen)}`);
});

test("Alerts: a user's budget draws its spend against the soft and hard marks, and a webhook channel's test shows as delivered", async () => {
  await page.click("nav >> text=Budgets"); // still the viewer: reads budgets, adds none
  await page.waitForSelector("[data-testid=budgets-read-only]");
  assert.equal(await page.locator("button:has-text('Add budget')").count(), 0);
  await page.click("text=Sign out");
  await page.waitForSelector("input[name=password]");
  await signIn(server.admin.email, server.admin.password);
  await page.click("nav >> text=Budgets");
  await page.waitForSelector("[data-testid=no-budgets]");
  await page.click("button:has-text('Add budget')");
  await page.fill("input[aria-label='Budget name']", "u42-daily");
  await page.selectOption("select[aria-label=Period]", "daily");
  await page.selectOption("select[aria-label='Applies to']", "user");
  await page.fill("input[aria-label='Scope value']", "u-42"); // the SDK's document-summary trace: $0.0012
  await page.fill("input[aria-label='Soft limit']", "0.0005");
  await page.fill("input[aria-label='Hard limit']", "0.001");
  await page.click("button:has-text('Save budget')");
  const row = page.locator("tr[data-budget='u42-daily']");
  await row.waitFor();
  assert.equal(await row.locator("[data-testid=budget-state]").innerText(), "hard");
  assert.match(await row.innerText(), /user u-42[\s\S]*daily[\s\S]*\$0\.0012[\s\S]*soft \$0\.0005[\s\S]*hard \$0\.001(?!\d)/);
  assert.equal(await row.locator("[data-testid=soft-mark]").count(), 1);
  assert.equal(await row.locator("[data-testid=hard-mark]").count(), 1);
  await screenshot(page, "60-budgets");

  const received = [];
  const http = await import("node:http");
  const receiver = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => { body += c; });
    req.on("end", () => { received.push({ headers: req.headers, body }); res.end("ok"); });
  });
  await new Promise((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  try {
    await page.click("nav >> text=Notification channels");
    await page.waitForSelector("[data-testid=no-channels]");
    await page.fill("input[aria-label='Channel name']", "ops");
    await page.fill("input[aria-label=URL]", `http://127.0.0.1:${receiver.address().port}/hook`);
    await page.click("button:has-text('Add channel')");
    assert.match(await text("[data-testid=channel-secret]"), /whsec_[0-9a-f]{48}/);
    const channel = page.locator("tr[data-channel=ops]");
    await channel.locator("button:has-text('Send test')").click();
    for (let i = 0; received.length === 0 && i < 100; i++) await new Promise((r) => setTimeout(r, 100));
    assert.match(received[0].headers["x-stacklens-signature"], /^t=\d+,v1=[0-9a-f]{64}$/);
    // The budget above may notify the new channel too (budget.soft, budget.hard): read the test's row.
    const delivered = page.locator("[data-testid=deliveries] tr[data-delivery=delivered][data-event=test]");
    for (let i = 0; (await delivered.count()) === 0 && i < 100; i++) {
      await page.click("[data-testid=deliveries] button:has-text('Refresh')");
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(await delivered.innerText(), /test[\s\S]*1[\s\S]*delivered[\s\S]*200/);
    await screenshot(page, "61-notification-channels");
    // Edit: a new name and a rotated secret, answered once.
    const first = await text("[data-testid=channel-secret]");
    await channel.locator("button:has-text('Edit')").click();
    await page.fill("input[aria-label='New channel name']", "ops-renamed");
    await page.check("input[aria-label='Rotate signing secret']");
    await page.click("[data-testid=channel-edit-form] button:has-text('Save')");
    await page.waitForSelector("tr[data-channel=ops-renamed]");
    const rotated = await text("[data-testid=channel-secret]");
    assert.match(rotated, /ops-renamed[\s\S]*whsec_[0-9a-f]{48}/);
    assert.notEqual(rotated.match(/whsec_\w+/)[0], first.match(/whsec_\w+/)[0]);
    assert.equal(await page.locator("tr[data-channel=ops]").count(), 0);
  } finally {
    receiver.close();
  }
});

test("Alerts: a monitor of a user's spend fires when evaluated, resolves once its threshold is raised, and draws its history", async () => {
  await page.click("nav >> text=Monitors");
  await page.waitForSelector("[data-testid=no-monitors]");
  await page.click("button:has-text('Add monitor')");
  await page.fill("input[aria-label='Monitor name']", "u42-spend");
  await page.selectOption("select[aria-label=Metric]", "cost");
  await page.selectOption("select[aria-label=Window]", "86400");
  await page.fill("input[aria-label=Threshold]", "0.001");
  await page.fill("input[aria-label='User id']", "u-42"); // the SDK's document-summary trace: $0.0012
  await page.click("button:has-text('Save monitor')");
  const row = page.locator("tr[data-monitor='u42-spend']");
  await row.waitFor();
  assert.equal(await row.locator("[data-testid=monitor-state]").innerText(), "ok");
  assert.match(await row.innerText(), /user u-42[\s\S]*cost over 1 day above \$0\.001(?!\d)/);

  await row.locator("button:has-text('Evaluate now')").click();
  await page.waitForSelector("tr[data-monitor='u42-spend'] [data-testid=monitor-state]:has-text('firing')");
  assert.match(await row.locator("[data-testid=monitor-value]").innerText(), /\$0\.0012/);

  await row.locator("button:has-text('Edit')").click();
  await page.fill("input[aria-label=Threshold]", "1");
  await page.click("button:has-text('Save monitor')");
  await page.waitForSelector("tr[data-monitor='u42-spend'] [data-testid=monitor-condition]:has-text('above $1')");
  await row.locator("button:has-text('Evaluate now')").click();
  await page.waitForSelector("tr[data-monitor='u42-spend'] [data-testid=monitor-state]:has-text('resolved')");

  await row.locator("button:has-text('u42-spend')").click();
  await page.waitForSelector("[data-testid=monitor-chart]");
  assert.equal(await page.locator("[data-testid=monitor-chart] svg path").count(), 2); // value and threshold
  const steps = await page.locator("[data-testid=monitor-transitions] li").allInnerTexts();
  assert.equal(steps.length, 2);
  assert.match(steps[0], /resolved[\s\S]*\$0\.0012 against \$1/);
  assert.match(steps[1], /firing[\s\S]*\$0\.0012 against \$0\.001/);
  await screenshot(page, "62-monitors");
});
