// One typed function per API operation the dashboard uses.
import { api, apiText, apiUpload, Query } from "./client";
import type {
  AuditPage, Findings, GovernaiAction, GovernaiPolicies, OperatorStatements, TransparencyReport,
  ApiKey, ConnectionTest, CostRecompute, Dataset, DatasetItem, DatasetItemIn, DatasetItemPage, DatasetUpload, Evaluator, EvaluatorIn,
  DatasetRun, DatasetRunWithAggregates, EvalRule, EvalRuleIn, EvalRunPage, PlaygroundAnswer, PlaygroundIn, PromptRunIn, RunComparison,
  EvaluatorRun, EvaluatorTemplate, JudgeValues, ModelConnection, ModelConnectionInput, Environment, EnvironmentProtection, Experiment, ExperimentResults, Member, ModelPrice, ModelPriceIn, PriceLookup, Metrics, ProjectRole, PromoteAnswer, Prompt, PromptDetail, PromotionRequest, PromptVersion, RequestStatus, Scope, Score, ScoreConfig, ScoreConfigIn, ScorePage,
  Retention, ScoreSummary, ScoreValue, ServerInfo, Session, SessionPage, SessionView, TraceDetail, TracePage, UserPage,
  Budget, BudgetInput, Monitor, MonitorInput, MonitorTransition, NotificationChannel, NotificationChannelChange, NotificationChannelInput, NotificationDelivery,
} from "./types";

const enc = encodeURIComponent;

export const auth = {
  login: (email: string, password: string) => api<Session>("POST", "/auth/login", { email, password }),
  me: () => api<Session>("GET", "/auth/me"),
  logout: () => api<object>("POST", "/auth/logout", {}),
};

export const server = { info: () => api<ServerInfo>("GET", "/server") };

export const conversations = {
  sessions: (query: Query) => api<SessionPage>("GET", "/stacktrace/v1/sessions", undefined, query),
  session: (sessionId: string, query: Query) =>
    api<SessionView>("GET", `/stacktrace/v1/sessions/${enc(sessionId)}`, undefined, query),
  users: (query: Query) => api<UserPage>("GET", "/stacktrace/v1/users", undefined, query),
};

export const traces = {
  list: (query: Query) => api<TracePage>("GET", "/stacktrace/v1/traces", undefined, query),
  get: (traceId: string) => api<TraceDetail>("GET", `/stacktrace/v1/traces/${enc(traceId)}`),
  metrics: (query: Query) => api<Metrics>("GET", "/stacktrace/v1/metrics", undefined, query),
};

const P = "/flowops/v1/prompts";
export const prompts = {
  list: () => api<{ prompts: Prompt[] }>("GET", P),
  get: (name: string) => api<PromptDetail>("GET", `${P}/${enc(name)}`),
  create: (name: string, content: string, description: string) =>
    api<Prompt>("POST", P, { name, content, description }),
  versions: (name: string) => api<{ name: string; versions: PromptVersion[] }>("GET", `${P}/${enc(name)}/versions`),
  addVersion: (name: string, content: string, message: string) =>
    api<PromptVersion>("POST", `${P}/${enc(name)}/versions`, { content, message }),
  promote: (name: string, version: number, env: Environment, comment?: string) =>
    api<PromoteAnswer>("POST", `${P}/${enc(name)}/promote`, comment ? { version, env, comment } : { version, env }),
  rollback: (name: string, env: Environment) =>
    api<{ env: Environment; version: number }>("POST", `${P}/${enc(name)}/rollback`, { env }),
};

const F = "/flowops/v1";
export const environments = {
  list: () => api<{ environments: EnvironmentProtection[] }>("GET", `${F}/environments`),
  protect: (env: Environment, on: boolean) => api<EnvironmentProtection>("PUT", `${F}/environments/${env}`, { protected: on }),
};

/** Promotion requests: into a protected environment a promotion waits for another member's approval. */
export const requests = {
  ofProject: (status?: RequestStatus) =>
    api<{ requests: PromotionRequest[] }>("GET", `${F}/promotion-requests`, undefined, { status }),
  approve: (r: PromotionRequest, comment: string) =>
    api<PromotionRequest>("POST", `${P}/${enc(r.prompt)}/requests/${r.id}/approve`, comment ? { comment } : {}),
  reject: (r: PromotionRequest, comment: string) =>
    api<PromotionRequest>("POST", `${P}/${enc(r.prompt)}/requests/${r.id}/reject`, { comment }),
  cancel: (r: PromotionRequest) => api<PromotionRequest>("POST", `${P}/${enc(r.prompt)}/requests/${r.id}/cancel`, {}),
};

export const experiments = {
  list: (name: string) => api<{ experiments: Experiment[] }>("GET", `${P}/${enc(name)}/experiments`),
  start: (name: string, env: Environment, title: string, variants: { version: number; weight: number }[]) =>
    api<Experiment>("POST", `${P}/${enc(name)}/experiments`, { env, name: title, variants }),
  results: (e: Experiment) => api<ExperimentResults>("GET", `${P}/${enc(e.prompt)}/experiments/${e.id}/results`),
  end: (e: Experiment, version: number) => api<Experiment>("POST", `${P}/${enc(e.prompt)}/experiments/${e.id}/end`, { version }),
};

export const keys = {
  list: () => api<{ keys: ApiKey[] }>("GET", "/keys"),
  create: (name: string, scopes: Scope[]) => api<ApiKey>("POST", "/keys", { name, scopes }),
  revoke: (id: number) => api<ApiKey>("DELETE", `/keys/${id}`),
};

export const retention = {
  get: () => api<Retention>("GET", "/retention"),
  set: (retentionDays: number | null) => api<Retention>("PUT", "/retention", { retentionDays }),
};

export const members = {
  list: () => api<{ members: Member[] }>("GET", "/members"),
  add: (email: string, role: string, password?: string) =>
    api<Member>("POST", "/members", password ? { email, role, password } : { email, role }),
  remove: (email: string) => api<object>("DELETE", `/members/${enc(email)}`),
};

export const projects = {
  list: () => api<{ projects: ProjectRole[] }>("GET", "/projects"),
  create: (name: string) => api<ProjectRole>("POST", "/projects", { name }),
};

const S = "/stacktrace/v1/scores";
export const scores = {
  list: (query: Query) => api<ScorePage>("GET", S, undefined, query),
  create: (score: { traceId: string; spanId?: string; name: string; value: ScoreValue; comment?: string }) =>
    api<Score>("POST", S, score),
  update: (id: string, change: { value?: ScoreValue; comment?: string | null }) =>
    api<Score>("PATCH", `${S}/${enc(id)}`, change),
  remove: (id: string) => api<object>("DELETE", `${S}/${enc(id)}`),
  summary: (query: Query) => api<ScoreSummary>("GET", "/stacktrace/v1/metrics/scores", undefined, query),
  configs: () => api<{ configs: ScoreConfig[] }>("GET", "/stacktrace/v1/score-configs"),
  createConfig: (config: ScoreConfigIn) => api<ScoreConfig>("POST", "/stacktrace/v1/score-configs", config),
  updateConfig: (name: string, config: ScoreConfigIn) =>
    api<ScoreConfig>("PUT", `/stacktrace/v1/score-configs/${enc(name)}`, config),
  removeConfig: (name: string) => api<object>("DELETE", `/stacktrace/v1/score-configs/${enc(name)}`),
};

const PRICES = "/stacktrace/v1/prices";
export const prices = {
  list: () => api<{ prices: ModelPrice[] }>("GET", PRICES),
  create: (price: ModelPriceIn) => api<ModelPrice>("POST", PRICES, price),
  update: (id: number, price: ModelPriceIn) => api<ModelPrice>("PUT", `${PRICES}/${id}`, price),
  remove: (id: number) => api<object>("DELETE", `${PRICES}/${id}`),
  lookup: (model: string, provider: string) =>
    api<PriceLookup>("GET", `${PRICES}/lookup`, undefined, provider ? { model, provider } : { model }),
  recompute: (from: string, to: string) => api<CostRecompute>("POST", `${PRICES}/recompute`, { from, to }),
  recomputes: () => api<{ recomputes: CostRecompute[] }>("GET", `${PRICES}/recompute`),
  recomputeOf: (id: number) => api<CostRecompute>("GET", `${PRICES}/recompute/${id}`),
};

const GOVERNAI = "/governai/v1";
export const governai = {
  policies: () => api<GovernaiPolicies>("GET", `${GOVERNAI}/policies`),
  setPolicies: (policies: Record<string, GovernaiAction | "default">) =>
    api<GovernaiPolicies>("PUT", `${GOVERNAI}/policies`, { policies }),
  audit: (query: Query) => api<AuditPage>("GET", `${GOVERNAI}/audit`, undefined, query),
  /** Every matching entry as JSON Lines. */
  auditExport: (query: Query) => apiText(`${GOVERNAI}/audit`, { ...query, format: "jsonl" }),
  findings: (query: Query) => api<Findings>("GET", `${GOVERNAI}/findings`, undefined, query),
  report: (from: string, to: string) => api<TransparencyReport>("GET", `${GOVERNAI}/report`, undefined, { from, to }),
  setOperator: (statements: Partial<OperatorStatements>) =>
    api<OperatorStatements>("PUT", `${GOVERNAI}/report/operator`, statements),
};

const EV = "/evaluations/v1";
export const connections = {
  list: () => api<{ connections: ModelConnection[] }>("GET", `${EV}/connections`),
  create: (c: ModelConnectionInput) => api<ModelConnection>("POST", `${EV}/connections`, c),
  update: (name: string, c: ModelConnectionInput) => api<ModelConnection>("PUT", `${EV}/connections/${enc(name)}`, c),
  remove: (name: string) => api<object>("DELETE", `${EV}/connections/${enc(name)}`),
  test: (name: string) => api<ConnectionTest>("POST", `${EV}/connections/${enc(name)}/test`, {}),
};

const DS = `${EV}/datasets`;
export const datasets = {
  list: () => api<{ datasets: Dataset[] }>("GET", DS),
  get: (name: string) => api<Dataset>("GET", `${DS}/${enc(name)}`),
  create: (name: string, description: string) => api<Dataset>("POST", DS, { name, description }),
  remove: (name: string) => api<object>("DELETE", `${DS}/${enc(name)}`),
  items: (name: string, query: Query) => api<DatasetItemPage>("GET", `${DS}/${enc(name)}/items`, undefined, query),
  addItem: (name: string, item: DatasetItemIn) => api<DatasetItem>("POST", `${DS}/${enc(name)}/items`, item),
  updateItem: (name: string, id: string, item: DatasetItemIn) =>
    api<DatasetItem>("PUT", `${DS}/${enc(name)}/items/${enc(id)}`, item),
  removeItem: (name: string, id: string) => api<{ version: number }>("DELETE", `${DS}/${enc(name)}/items/${enc(id)}`),
  /** JSON Lines or CSV, by contentType; onProgress gets the share of the file sent. */
  upload: (name: string, file: Blob, contentType: string, onProgress: (sent: number) => void) =>
    apiUpload<DatasetUpload>(`${DS}/${enc(name)}/upload`, file, contentType, onProgress),
  fromSpan: (name: string, traceId: string, spanId: string) =>
    api<DatasetItem>("POST", `${DS}/${enc(name)}/items/from-span`, { traceId, spanId }),
};

const EVS = `${EV}/evaluators`;
export const evaluators = {
  list: () => api<{ evaluators: Evaluator[] }>("GET", EVS),
  templates: () => api<{ templates: EvaluatorTemplate[] }>("GET", `${EV}/evaluator-templates`),
  create: (e: EvaluatorIn) => api<Evaluator>("POST", EVS, e),
  update: (name: string, e: EvaluatorIn) => api<Evaluator>("PUT", `${EVS}/${enc(name)}`, e),
  remove: (name: string) => api<object>("DELETE", `${EVS}/${enc(name)}`),
  /** A dry run: the judge's verdict on the given values; nothing is stored. */
  tryOn: (name: string, values: JudgeValues) => api<EvaluatorRun>("POST", `${EVS}/${enc(name)}/run`, values),
};

export const runs = {
  list: (dataset: string) => api<{ runs: DatasetRun[] }>("GET", `${DS}/${enc(dataset)}/runs`),
  get: (dataset: string, id: number) => api<DatasetRunWithAggregates>("GET", `${DS}/${enc(dataset)}/runs/${id}`),
  /** Runs side by side, a page of items at a time. */
  compare: (dataset: string, ids: number[], cursor: string | undefined, limit: number) =>
    api<RunComparison>("GET", `${DS}/${enc(dataset)}/compare`, undefined, { runs: ids.join(","), cursor, limit }),
  /** The server runs a prompt over the dataset's items in the background: the run answers at once (202), running. */
  startPrompt: (dataset: string, run: PromptRunIn) =>
    api<DatasetRunWithAggregates>("POST", `${DS}/${enc(dataset)}/runs/prompt`, run),
};

const RULES = `${EV}/rules`;
export const rules = {
  list: () => api<{ rules: EvalRule[] }>("GET", RULES),
  get: (id: number) => api<EvalRule>("GET", `${RULES}/${id}`),
  create: (rule: EvalRuleIn) => api<EvalRule>("POST", RULES, rule),
  update: (id: number, rule: EvalRuleIn) => api<EvalRule>("PUT", `${RULES}/${id}`, rule),
  remove: (id: number) => api<object>("DELETE", `${RULES}/${id}`),
  pause: (id: number) => api<EvalRule>("POST", `${RULES}/${id}/pause`),
  resume: (id: number) => api<EvalRule>("POST", `${RULES}/${id}/resume`),
  runs: (id: number, query: Query) => api<EvalRunPage>("GET", `${RULES}/${id}/runs`, undefined, query),
};

export const playground = {
  run: (body: PlaygroundIn) => api<PlaygroundAnswer>("POST", `${EV}/playground/run`, body),
};

export const monitors = {
  list: () => api<{ monitors: Monitor[] }>("GET", "/monitors"),
  create: (m: MonitorInput) => api<Monitor>("POST", "/monitors", m),
  update: (id: number, m: MonitorInput) => api<Monitor>("PATCH", `/monitors/${id}`, m),
  remove: (id: number) => api<object>("DELETE", `/monitors/${id}`),
  evaluate: (id: number) => api<{ value: number; changed: boolean; monitor: Monitor }>("POST", `/monitors/${id}/evaluate`),
  history: (id: number) => api<{ transitions: MonitorTransition[] }>("GET", `/monitors/${id}/history`),
};

export const budgets = {
  list: () => api<{ budgets: Budget[] }>("GET", "/budgets"),
  create: (b: BudgetInput) => api<Budget>("POST", "/budgets", b),
  update: (name: string, b: BudgetInput) => api<Budget>("PUT", `/budgets/${enc(name)}`, b),
  remove: (name: string) => api<object>("DELETE", `/budgets/${enc(name)}`),
};

const CHANNELS = "/notifications/channels";
export const channels = {
  list: () => api<{ channels: NotificationChannel[] }>("GET", CHANNELS),
  create: (c: NotificationChannelInput) => api<NotificationChannel>("POST", CHANNELS, c),
  update: (name: string, c: NotificationChannelChange) =>
    api<NotificationChannel>("PATCH", `${CHANNELS}/${enc(name)}`, c),
  remove: (name: string) => api<object>("DELETE", `${CHANNELS}/${enc(name)}`),
  test: (name: string) => api<{ queued: boolean }>("POST", `${CHANNELS}/${enc(name)}/test`, {}),
  deliveries: (name: string) =>
    api<{ deliveries: NotificationDelivery[] }>("GET", `${CHANNELS}/${enc(name)}/deliveries`, undefined, { limit: "50" }),
};
