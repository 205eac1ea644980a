// The JSON shapes of api/openapi.yaml and of the session routes the dashboard uses.

export type Role = "admin" | "member" | "viewer";
export type Environment = "dev" | "staging" | "production";
export const ENVIRONMENTS: Environment[] = ["dev", "staging", "production"];
export const SCOPES = ["traces:write", "traces:read", "prompts:read", "prompts:write", "keys:manage"] as const;
export type Scope = (typeof SCOPES)[number];

export interface ProjectRole { name: string; role: Role; createdAt?: string }

export interface Session {
  user: { email: string };
  csrfToken: string;
  projects: ProjectRole[];
  currentProject: string;
}

export interface LlmSpan {
  model: string;
  provider: string;
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  estimatedCostUsd: number;
  temperature?: number | null;
  maxTokens?: number | null;
  promptContent?: string | null;
  completionContent?: string | null;
  isStreaming?: boolean;
  finishReason?: string | null;
}

export interface Span {
  traceId: string;
  spanId: string;
  parentSpanId?: string | null;
  name: string;
  kind: string;
  status: "ok" | "error";
  startTime: string;
  endTime: string;
  latencyMs: number;
  attributes: Record<string, string>;
  tags: string[];
  llmSpan?: LlmSpan | null;
}

export interface SpanNode extends Span { children?: SpanNode[] }

export interface TraceSummary {
  traceId: string;
  name: string;
  startTime: string;
  endTime: string;
  latencyMs: number;
  status: "ok" | "error";
  spanCount: number;
  models: string[];
  providers: string[];
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  costUsd: number;
  tags: string[];
}

export interface TraceDetail extends TraceSummary { spans: Span[]; tree: SpanNode[] }

export interface TracePage { traces: TraceSummary[]; nextCursor?: string | null }

export interface MetricPoint {
  time: string;
  requests: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  latencyP50Ms: number;
  latencyP95Ms: number;
  latencyP99Ms: number;
}

export interface Metrics {
  from: string;
  to: string;
  intervalSeconds: number;
  series: { group: string; points: MetricPoint[] }[];
}

export interface EnvState { version: number; updatedBy?: string; updatedAt?: string }

export interface Prompt {
  name: string;
  description?: string;
  latestVersion: number;
  createdBy?: string;
  createdAt?: string;
  environments: Partial<Record<Environment, EnvState>>;
}

export interface PromptVersion { version: number; content: string; message?: string; createdBy?: string; createdAt?: string }

export interface ApiKey {
  id: number;
  name?: string;
  prefix: string;
  project?: string;
  scopes: Scope[];
  createdAt: string;
  lastUsedAt?: string | null;
  revokedAt?: string | null;
  key?: string;
}

export interface Member { email: string; role: Role; password?: string }

export interface ServerInfo { version: string; endpoint: string }
