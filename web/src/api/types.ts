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
/** Deciding promotion requests (admins; keys given the scope). */
export const APPROVE_SCOPE = "prompts:approve" as Scope;

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
export type Promotion = Schemas["Promotion"] & { approvedBy: string | null; requestId: number | null };
/** A prompt with its promotions and promotion requests, newest first. */
export type PromptDetail = Prompt & { promotions: Promotion[]; requests: PromotionRequest[] };

/** Whether promoting into an environment needs an approval. */
export interface EnvironmentProtection { env: Environment; protected: boolean; updatedBy: string | null; updatedAt: string | null }
export type RequestStatus = "pending" | "approved" | "rejected" | "cancelled";
export interface PromotionRequest {
  id: number; prompt: string; env: Environment; version: number; status: RequestStatus;
  requestedBy: string; requestedAt: string; comment: string | null;
  decidedBy: string | null; decidedAt: string | null; decisionComment: string | null;
}
/** A promotion's answer: `request` when the environment is protected and the promotion waits for approval. */
export interface PromoteAnswer { name: string; env: Environment; version: number; request?: PromotionRequest }

export interface Variant { label: string; version: number; weight: number }
export interface Experiment {
  id: number; prompt: string; env: Environment; name: string; status: "running" | "ended"; variants: Variant[];
  startedBy: string; startedAt: string; endedBy: string | null; endedAt: string | null; chosenVersion: number | null;
}
export interface VariantResult extends Variant {
  traces: number; errors: number; errorRate: number; latencyP50Ms: number | null; latencyP95Ms: number | null;
  inputTokens: number; outputTokens: number; totalTokens: number; costUsd: number; avgCostUsd: number | null;
  scores: { name: string; count: number; average: number }[];
}
export interface ExperimentResults { experiment: Experiment; from: string; to: string; capped: boolean; variants: VariantResult[] }

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
