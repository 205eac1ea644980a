// The dashboard's names for the JSON shapes of api/openapi.yaml. The shapes are generated into schema.ts
// before every build and type check (scripts/api_types.mjs; not committed), so they follow the spec.
import { environmentValues, governaiActionValues, governaiTypeValues, scopeValues, type components, type paths } from "./schema";

type Schemas = components["schemas"];
/** The JSON body of a path's answer with the given status. */
type Answer<P extends keyof paths, M extends keyof paths[P], S extends number = 200> =
  paths[P][M] extends { responses: { [status in S]: { content: { "application/json": infer T } } } } ? T : never;

export type Role = Schemas["Role"];
export type Scope = Schemas["Scope"];
export type Environment = Schemas["Environment"];
export const SCOPES: readonly Scope[] = scopeValues;
export const ENVIRONMENTS: readonly Environment[] = environmentValues;

export type Session = Schemas["SessionInfo"];
export type ProjectRole = Answer<"/api/v1/projects", "get">["projects"][number];

export type Span = Schemas["Span"];
export type LlmSpan = NonNullable<Span["llmSpan"]>;
export type SpanNode = Schemas["SpanNode"];
export type TraceSummary = Schemas["TraceSummary"];
export type TraceDetail = Answer<"/api/v1/stacktrace/v1/traces/{traceId}", "get">;
export type TracePage = Answer<"/api/v1/stacktrace/v1/traces", "get">;
export type Metrics = Answer<"/api/v1/stacktrace/v1/metrics", "get">;
export type MetricPoint = Metrics["series"][number]["points"][number];
export type SessionSummary = Schemas["SessionSummary"];
export type UserSummary = Schemas["UserSummary"];
export type SessionPage = Answer<"/api/v1/stacktrace/v1/sessions", "get">;
export type UserPage = Answer<"/api/v1/stacktrace/v1/users", "get">;
export type SessionView = Answer<"/api/v1/stacktrace/v1/sessions/{sessionId}", "get">;

export type Prompt = Schemas["Prompt"];
export type EnvState = Prompt["environments"][string];
export type PromptVersion = Schemas["PromptVersion"];
export type Promotion = Schemas["Promotion"];
/** A prompt with its promotions and promotion requests, newest first. */
export type PromptDetail = Answer<"/api/v1/flowops/v1/prompts/{name}", "get">;
export type EnvironmentProtection = Schemas["EnvironmentProtection"];
export type PromotionRequest = Schemas["PromotionRequest"];
export type RequestStatus = PromotionRequest["status"];
/** A promotion's answer: `request` (202) when the environment is protected and the promotion waits for approval. */
export type PromoteAnswer = Answer<"/api/v1/flowops/v1/prompts/{name}/promote", "post"> & { request?: PromotionRequest };

export type Experiment = Schemas["Experiment"];
export type VariantResult = Schemas["VariantResult"];
export type ExperimentResults = Answer<"/api/v1/flowops/v1/prompts/{name}/experiments/{id}/results", "get">;

/** A key as listed; `key`, the secret, only in the answer that created it. */
export type ApiKey = Schemas["ApiKey"] & { key?: string };
/** A member as listed; `password` only when adding created the user with a generated one. */
export type Member = Answer<"/api/v1/members", "get">["members"][number] & { password?: string };

export type ServerInfo = Answer<"/api/v1/server", "get">;
export type Retention = Schemas["Retention"];

export type Score = Schemas["Score"];
export type ScoreValue = Schemas["ScoreValue"];
export type ScoreConfig = Schemas["ScoreConfig"];
export type ScoreConfigIn = Schemas["ScoreConfigIn"];
export type ScoreSummary = Answer<"/api/v1/stacktrace/v1/metrics/scores", "get">;
export type ScorePage = Answer<"/api/v1/stacktrace/v1/scores", "get">;

export type ModelPrice = Schemas["ModelPrice"];
/** Prices per usage type: any of them may be absent (a tier may change only the input price). */
export type TokenPrices = Partial<Schemas["TokenPrices"]>;
export type ModelPriceIn = Omit<Schemas["ModelPriceIn"], "prices" | "tiers"> & {
  prices: TokenPrices;
  tiers?: { aboveInputTokens: number; prices: TokenPrices }[];
};
export type CostRecompute = Schemas["CostRecompute"];
export type PriceLookup = Schemas["PriceLookup"];

export type GovernaiType = Schemas["GovernaiType"];
export type GovernaiAction = Schemas["GovernaiAction"];
export const GOVERNAI_TYPES: readonly GovernaiType[] = governaiTypeValues;
export const GOVERNAI_ACTIONS: readonly GovernaiAction[] = governaiActionValues;
export type GovernaiPolicy = Schemas["GovernaiPolicy"];
export type GovernaiPolicies = Schemas["GovernaiPolicies"];
export type AuditEntry = Schemas["AuditEntry"];
export type AuditPage = Answer<"/api/v1/governai/v1/audit", "get">;
export type Findings = Answer<"/api/v1/governai/v1/findings", "get">;
export type TransparencyReport = Schemas["TransparencyReport"];
export type OperatorStatements = Schemas["OperatorStatements"];
export type UsageVolume = Schemas["UsageVolume"];

export type ModelConnection = Schemas["ModelConnection"];
export type ModelConnectionInput = Schemas["ModelConnectionInput"];
export type Provider = ModelConnection["provider"];
export type ConnectionTest = Answer<"/api/v1/evaluations/v1/connections/{name}/test", "post">;

// The spec gives their times the input type Timestamp (string or nanoseconds); the server answers ISO-8601 strings.
type AnsweredTimes<T, K extends keyof T> = Omit<T, K> & { [P in K]: string };
export type Dataset = AnsweredTimes<Schemas["Dataset"], "createdAt" | "updatedAt">;
export type DatasetItem = AnsweredTimes<Schemas["DatasetItem"], "createdAt">;
export type DatasetItemIn = Schemas["DatasetItemIn"];
export type DatasetItemPage = Omit<Answer<"/api/v1/evaluations/v1/datasets/{name}/items", "get">, "items"> & { items: DatasetItem[] };
export type DatasetUpload = Omit<Answer<"/api/v1/evaluations/v1/datasets/{name}/upload", "post">, "dataset"> & { dataset: Dataset };

export type JudgeOutput = Schemas["JudgeOutput"];
export type Evaluator = AnsweredTimes<Schemas["Evaluator"], "createdAt" | "updatedAt">;
export type EvaluatorIn = Schemas["EvaluatorIn"];
export type EvaluatorTemplate = Schemas["EvaluatorTemplate"];
export type EvaluatorRun = Schemas["EvaluatorRun"];
/** A dry run's values, filled into the template instead of a span's. */
export type JudgeValues = { input?: string; output?: string; expected?: string; context?: string };

export type DatasetRun = AnsweredTimes<Schemas["DatasetRun"], "createdAt">;
export type DatasetRunAggregates = Schemas["DatasetRunAggregates"];
export type DatasetRunWithAggregates = DatasetRun & { aggregates: DatasetRunAggregates };
export type DatasetRunResult = AnsweredTimes<Schemas["DatasetRunResult"], "createdAt">;
type CompareAnswer = Answer<"/api/v1/evaluations/v1/datasets/{name}/compare", "get">;
export type RunComparisonRow = Omit<CompareAnswer["items"][number], "results"> & { results: (DatasetRunResult | null)[] };
/** Runs side by side: each row an item of `version`, its `results` in the order of `runs`. */
export type RunComparison = Omit<CompareAnswer, "runs" | "items"> & { runs: DatasetRunWithAggregates[]; items: RunComparisonRow[] };
/** A prompt run over a dataset: the server fills a prompt version with each item's input and calls the model. */
export type PromptRunIn = Schemas["PromptRunIn"];

export type EvalRule = AnsweredTimes<Schemas["EvalRule"], "createdAt" | "updatedAt">;
export type EvalRuleIn = Schemas["EvalRuleIn"];
export type EvalRun = AnsweredTimes<Schemas["EvalRun"], "createdAt">;
export type EvalRunPage = Omit<Answer<"/api/v1/evaluations/v1/rules/{id}/runs", "get">, "runs"> & { runs: EvalRun[] };

type PlaygroundPath = paths["/api/v1/evaluations/v1/playground/run"]["post"];
export type PlaygroundIn = PlaygroundPath["requestBody"]["content"]["application/json"];
export type PlaygroundAnswer = Answer<"/api/v1/evaluations/v1/playground/run", "post">;

export type Budget = Schemas["Budget"];
export type BudgetInput = Schemas["BudgetInput"];
export type BudgetStatusAnswer = Schemas["BudgetStatusAnswer"];
export type NotificationChannel = Schemas["NotificationChannel"];
export type NotificationChannelInput = Schemas["NotificationChannelInput"];
export type NotificationChannelChange = Schemas["NotificationChannelChange"];
export type NotificationDelivery = Schemas["NotificationDelivery"];
export type Monitor = Schemas["Monitor"];
export type MonitorInput = Schemas["MonitorInput"];
export type MonitorFilter = Schemas["MonitorFilter"];
export type MonitorTransition = Schemas["MonitorTransition"];
