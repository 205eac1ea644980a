#pragma once
// meta.db schema, as migrations applied in order (PRAGMA user_version counts them).
#include <string_view>
#include <vector>

namespace stacklens::sqlite {

inline const std::vector<std::string_view> kMetaMigrations = {
    R"sql(
CREATE TABLE organizations(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_us INTEGER NOT NULL);
CREATE TABLE projects(
  id INTEGER PRIMARY KEY,
  org_id INTEGER NOT NULL REFERENCES organizations(id),
  name TEXT NOT NULL UNIQUE,
  created_us INTEGER NOT NULL);
CREATE TABLE users(
  id INTEGER PRIMARY KEY,
  email TEXT NOT NULL UNIQUE COLLATE NOCASE,
  password_hash TEXT NOT NULL,
  created_us INTEGER NOT NULL);
CREATE TABLE memberships(
  user_id INTEGER NOT NULL REFERENCES users(id),
  project_id INTEGER NOT NULL REFERENCES projects(id),
  role TEXT NOT NULL,
  PRIMARY KEY(user_id, project_id));
CREATE TABLE api_keys(
  id INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL REFERENCES projects(id),
  name TEXT NOT NULL,
  prefix TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  scopes INTEGER NOT NULL,
  created_us INTEGER NOT NULL,
  last_used_us INTEGER,
  revoked_us INTEGER);
CREATE TABLE prompts(
  id INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL REFERENCES projects(id),
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_us INTEGER NOT NULL,
  UNIQUE(project_id, name));
CREATE TABLE prompt_versions(
  prompt_id INTEGER NOT NULL REFERENCES prompts(id),
  version INTEGER NOT NULL,
  content TEXT NOT NULL,
  message TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_us INTEGER NOT NULL,
  PRIMARY KEY(prompt_id, version));
CREATE TABLE prompt_promotions(
  id INTEGER PRIMARY KEY,
  prompt_id INTEGER NOT NULL REFERENCES prompts(id),
  env TEXT NOT NULL,
  version INTEGER NOT NULL,
  by TEXT NOT NULL,
  at_us INTEGER NOT NULL,
  rolled_back_us INTEGER,
  rolled_back_by TEXT);
CREATE INDEX prompt_promotions_env ON prompt_promotions(prompt_id, env, id);
)sql",
    R"sql(
CREATE TABLE sessions(
  id INTEGER PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  user_id INTEGER NOT NULL REFERENCES users(id),
  csrf_token TEXT NOT NULL,
  created_us INTEGER NOT NULL,
  expires_us INTEGER NOT NULL);
)sql",
    R"sql(
CREATE TABLE login_failures(
  email TEXT PRIMARY KEY,
  failures INTEGER NOT NULL,
  locked_until_us INTEGER NOT NULL,
  last_us INTEGER NOT NULL);
CREATE INDEX login_failures_last ON login_failures(last_us);
)sql",
    // Score configurations: categories are one per line (a category holds no line break).
    R"sql(
CREATE TABLE score_configs(
  project_id INTEGER NOT NULL REFERENCES projects(id),
  name TEXT NOT NULL,
  data_type TEXT NOT NULL,
  min_value REAL,
  max_value REAL,
  categories TEXT NOT NULL,
  description TEXT NOT NULL,
  created_us INTEGER NOT NULL,
  PRIMARY KEY(project_id, name));
)sql",
    // A project's own model prices (model/price.h): one row per model, provider ('' for any)
    // and start date; price_revision counts changes, which every node polls. Cost recomputes
    // keep their progress here so any node can answer for them.
    R"sql(
CREATE TABLE model_prices(
  id INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL REFERENCES projects(id),
  model TEXT NOT NULL,
  provider TEXT NOT NULL,
  effective_from_us INTEGER NOT NULL,
  definition TEXT NOT NULL,
  updated_by TEXT NOT NULL,
  created_us INTEGER NOT NULL,
  updated_us INTEGER NOT NULL);
CREATE UNIQUE INDEX model_price_key ON model_prices(project_id, model COLLATE NOCASE, provider, effective_from_us);
CREATE TABLE price_revision(revision INTEGER NOT NULL);
INSERT INTO price_revision VALUES(0);
CREATE TABLE cost_recomputes(
  id INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL REFERENCES projects(id),
  from_us INTEGER NOT NULL,
  to_us INTEGER NOT NULL,
  state TEXT NOT NULL,
  spans_total INTEGER NOT NULL,
  spans_done INTEGER NOT NULL,
  spans_changed INTEGER NOT NULL,
  error TEXT NOT NULL,
  started_by TEXT NOT NULL,
  created_us INTEGER NOT NULL,
  updated_us INTEGER NOT NULL,
  finished_us INTEGER);
CREATE INDEX cost_recompute_project ON cost_recomputes(project_id, id);
)sql",
    // GovernAI's audit log: the chain (model/audit.h), its signed checkpoints, and each project's
    // statements for the Article 13 report. No foreign key: entries outlive whatever they name.
    R"sql(
CREATE TABLE audit_log(
  id INTEGER PRIMARY KEY,
  time_us INTEGER NOT NULL,
  project_id INTEGER NOT NULL,
  data_type TEXT NOT NULL,
  policy TEXT NOT NULL,
  field TEXT NOT NULL,
  model TEXT NOT NULL,
  provider TEXT NOT NULL,
  trace_id TEXT NOT NULL,
  span_id TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL);
CREATE INDEX audit_project ON audit_log(project_id, id);
CREATE INDEX audit_project_time ON audit_log(project_id, time_us);
CREATE TABLE audit_checkpoints(
  entry_id INTEGER PRIMARY KEY,
  hash TEXT NOT NULL,
  signature TEXT NOT NULL,
  time_us INTEGER NOT NULL);
CREATE TABLE transparency(
  project_id INTEGER PRIMARY KEY REFERENCES projects(id),
  intended_purpose TEXT NOT NULL,
  provider_contact TEXT NOT NULL,
  human_oversight TEXT NOT NULL,
  known_limitations TEXT NOT NULL,
  updated_by TEXT NOT NULL,
  updated_us INTEGER NOT NULL);
)sql",
    // GovernAI's policies a project set itself (types it did not set take the default);
    // governai_revision counts changes, which every node polls.
    R"sql(
CREATE TABLE governai_policies(
  project_id INTEGER NOT NULL REFERENCES projects(id),
  data_type TEXT NOT NULL,
  action TEXT NOT NULL,
  updated_by TEXT NOT NULL,
  updated_us INTEGER NOT NULL,
  PRIMARY KEY(project_id, data_type));
CREATE TABLE governai_revision(revision INTEGER NOT NULL);
INSERT INTO governai_revision VALUES(0);
)sql",
    // A project's retention period in days; NULL: its spans are kept.
    R"sql(
ALTER TABLE projects ADD COLUMN retention_days INTEGER;
)sql",
    // The same column names as the PostgreSQL store's (`stacklens migrate` copies by name).
    R"sql(
ALTER TABLE prompt_promotions RENAME COLUMN "by" TO promoted_by;
)sql",
    // FlowOps' approval gates and experiments (model/prompt.h). At most one pending request and
    // one running experiment per prompt and environment (the partial unique indexes); a
    // promotion an approval carried out names its request and approver.
    R"sql(
CREATE TABLE environment_protection(
  project_id INTEGER NOT NULL REFERENCES projects(id),
  env TEXT NOT NULL,
  is_protected INTEGER NOT NULL,
  updated_by TEXT NOT NULL,
  updated_us INTEGER NOT NULL,
  PRIMARY KEY(project_id, env));
CREATE TABLE promotion_requests(
  id INTEGER PRIMARY KEY,
  prompt_id INTEGER NOT NULL REFERENCES prompts(id),
  env TEXT NOT NULL,
  version INTEGER NOT NULL,
  status TEXT NOT NULL,
  requested_by TEXT NOT NULL,
  requested_us INTEGER NOT NULL,
  comment TEXT,
  decided_by TEXT,
  decided_us INTEGER,
  decision_comment TEXT);
CREATE INDEX promotion_requests_prompt ON promotion_requests(prompt_id, id);
CREATE UNIQUE INDEX promotion_request_pending ON promotion_requests(prompt_id, env) WHERE status = 'pending';
ALTER TABLE prompt_promotions ADD COLUMN request_id INTEGER;
ALTER TABLE prompt_promotions ADD COLUMN approved_by TEXT;
CREATE TABLE experiments(
  id INTEGER PRIMARY KEY,
  prompt_id INTEGER NOT NULL REFERENCES prompts(id),
  env TEXT NOT NULL,
  name TEXT NOT NULL,
  status TEXT NOT NULL,
  started_by TEXT NOT NULL,
  started_us INTEGER NOT NULL,
  ended_by TEXT,
  ended_us INTEGER,
  chosen_version INTEGER);
CREATE INDEX experiments_prompt ON experiments(prompt_id, id);
CREATE UNIQUE INDEX experiment_running ON experiments(prompt_id, env) WHERE status = 'running';
CREATE TABLE experiment_variants(
  experiment_id INTEGER NOT NULL REFERENCES experiments(id),
  label TEXT NOT NULL,
  version INTEGER NOT NULL,
  weight INTEGER NOT NULL,
  PRIMARY KEY(experiment_id, label));
)sql",
    // Model connections (model/connection.h): the provider key sealed (hex of the sealed bytes
    // and the id of the key that sealed them); what each spent per calendar month.
    R"sql(
CREATE TABLE model_connections(
  id INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL REFERENCES projects(id),
  name TEXT NOT NULL,
  provider TEXT NOT NULL,
  base_url TEXT NOT NULL,
  default_model TEXT NOT NULL,
  monthly_budget_usd REAL,
  max_concurrency INTEGER NOT NULL,
  timeout_ms INTEGER NOT NULL,
  key_hint TEXT NOT NULL,
  sealed_key TEXT NOT NULL,
  sealed_key_id INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  created_us INTEGER NOT NULL,
  updated_us INTEGER NOT NULL,
  UNIQUE(project_id, name));
CREATE TABLE connection_usage(
  connection_id INTEGER NOT NULL REFERENCES model_connections(id),
  month TEXT NOT NULL,
  cost_usd REAL NOT NULL,
  calls INTEGER NOT NULL,
  PRIMARY KEY(connection_id, month));
)sql",
    // Datasets (model/dataset.h). An item's row holds it from the dataset version that wrote it
    // (valid_from) until the version that replaced or removed it (valid_to, NULL while current),
    // so the items of version N are the rows with valid_from <= N < valid_to. position keeps the
    // order items were added in, across their versions.
    R"sql(
CREATE TABLE datasets(
  id INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL REFERENCES projects(id),
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  version INTEGER NOT NULL,
  item_count INTEGER NOT NULL,
  next_position INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  created_us INTEGER NOT NULL,
  updated_us INTEGER NOT NULL,
  UNIQUE(project_id, name));
CREATE TABLE dataset_items(
  dataset_id INTEGER NOT NULL REFERENCES datasets(id),
  item_id TEXT NOT NULL,
  valid_from INTEGER NOT NULL,
  valid_to INTEGER,
  position INTEGER NOT NULL,
  input TEXT NOT NULL,
  expected_output TEXT,
  metadata TEXT,
  source_trace_id TEXT,
  source_span_id TEXT,
  created_us INTEGER NOT NULL,
  PRIMARY KEY(dataset_id, item_id, valid_from));
CREATE INDEX dataset_items_position ON dataset_items(dataset_id, position);
)sql",
    // LLM-as-judge evaluators (model/evaluator.h): the output schema as a type with its range
    // or categories (one per line); rules with their filter (tags one per line, attributes one
    // "key=value" per line) and the runs they made; eval_rule_revision counts rule changes,
    // which every node polls.
    R"sql(
CREATE TABLE evaluators(
  id INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL REFERENCES projects(id),
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  template TEXT NOT NULL,
  connection TEXT NOT NULL,
  model TEXT,
  output_type TEXT NOT NULL,
  min_value REAL NOT NULL,
  max_value REAL NOT NULL,
  categories TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_us INTEGER NOT NULL,
  updated_us INTEGER NOT NULL,
  UNIQUE(project_id, name));
CREATE TABLE eval_rules(
  id INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL REFERENCES projects(id),
  name TEXT NOT NULL,
  evaluator TEXT NOT NULL,
  filter_name TEXT,
  filter_model TEXT,
  filter_tags TEXT NOT NULL,
  filter_attributes TEXT NOT NULL,
  sampling_rate REAL NOT NULL,
  delay_seconds INTEGER NOT NULL,
  paused INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  created_us INTEGER NOT NULL,
  updated_us INTEGER NOT NULL,
  UNIQUE(project_id, name));
CREATE TABLE eval_rule_runs(
  id INTEGER PRIMARY KEY,
  rule_id INTEGER NOT NULL REFERENCES eval_rules(id),
  status TEXT NOT NULL,
  trace_id TEXT NOT NULL,
  span_id TEXT NOT NULL,
  score_id TEXT,
  error TEXT,
  cost_usd REAL NOT NULL,
  judge_trace_id TEXT,
  created_us INTEGER NOT NULL);
CREATE INDEX eval_rule_runs_rule ON eval_rule_runs(rule_id, id);
CREATE TABLE eval_rule_revision(revision INTEGER NOT NULL);
INSERT INTO eval_rule_revision VALUES(0);
)sql",
    // Experiment runs over a dataset version (model/dataset_run.h) and one result per item of a
    // run (written again, it replaces the item's earlier result).
    R"sql(
CREATE TABLE dataset_runs(
  id INTEGER PRIMARY KEY,
  dataset_id INTEGER NOT NULL REFERENCES datasets(id),
  dataset_version INTEGER NOT NULL,
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  metadata TEXT,
  status TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_us INTEGER NOT NULL,
  finished_us INTEGER,
  item_count INTEGER NOT NULL,
  summary TEXT);
CREATE INDEX dataset_runs_dataset ON dataset_runs(dataset_id, id);
CREATE TABLE dataset_run_results(
  run_id INTEGER NOT NULL REFERENCES dataset_runs(id),
  item_id TEXT NOT NULL,
  trace_id TEXT,
  output TEXT,
  error TEXT,
  latency_ms REAL NOT NULL,
  created_us INTEGER NOT NULL,
  PRIMARY KEY(run_id, item_id));
)sql",
    // A run row may stand for several spans: the drops of a rule while its queue was full are
    // recorded together.
    R"sql(
ALTER TABLE eval_rule_runs ADD COLUMN spans INTEGER NOT NULL DEFAULT 1;
)sql",
    // Budgets, the alerts they raised (one per budget, period and level: the first node to insert
    // one sends it), notification channels and their delivery attempts (model/alert.h).
    R"sql(
CREATE TABLE budgets(
  id INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL REFERENCES projects(id),
  name TEXT NOT NULL,
  period TEXT NOT NULL,
  scope TEXT NOT NULL,
  scope_value TEXT NOT NULL,
  soft_limit_usd REAL,
  hard_limit_usd REAL NOT NULL,
  created_by TEXT NOT NULL,
  created_us INTEGER NOT NULL,
  updated_us INTEGER NOT NULL,
  UNIQUE(project_id, name));
CREATE TABLE budget_alerts(
  budget_id INTEGER NOT NULL REFERENCES budgets(id),
  period_start_us INTEGER NOT NULL,
  level TEXT NOT NULL,
  spent_usd REAL NOT NULL,
  created_us INTEGER NOT NULL,
  PRIMARY KEY(budget_id, period_start_us, level));
CREATE TABLE notification_channels(
  id INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL REFERENCES projects(id),
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  url TEXT NOT NULL,
  sealed_secret TEXT NOT NULL,
  sealed_secret_id INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  created_us INTEGER NOT NULL,
  UNIQUE(project_id, name));
CREATE TABLE notification_deliveries(
  id INTEGER PRIMARY KEY,
  channel_id INTEGER NOT NULL REFERENCES notification_channels(id),
  event TEXT NOT NULL,
  status TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  status_code INTEGER,
  error TEXT,
  created_us INTEGER NOT NULL);
CREATE INDEX notification_deliveries_channel ON notification_deliveries(channel_id, id);
)sql",
    // The notification queue (model/alert.h QueuedNotification): pending notifications survive
    // a restart, and a claim lets one node at a time attempt each.
    R"sql(
CREATE TABLE notification_queue(
  id INTEGER PRIMARY KEY,
  channel_id INTEGER NOT NULL REFERENCES notification_channels(id),
  event TEXT NOT NULL,
  body TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_us INTEGER NOT NULL,
  claimed_until_us INTEGER NOT NULL,
  created_us INTEGER NOT NULL);
CREATE INDEX notification_queue_due ON notification_queue(next_attempt_us) WHERE state = 'pending';
CREATE INDEX notification_queue_channel ON notification_queue(channel_id);
)sql",
    // Monitors (model/monitor.h): the definition, the state with the last evaluation, and the
    // history of state changes. filter and channel_ids are JSON (an object, an array of ids).
    R"sql(
CREATE TABLE monitors(
  id INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL REFERENCES projects(id),
  name TEXT NOT NULL,
  metric TEXT NOT NULL,
  filter TEXT NOT NULL,
  window_s INTEGER NOT NULL,
  comparison TEXT NOT NULL,
  threshold REAL NOT NULL,
  channel_ids TEXT NOT NULL,
  paused INTEGER NOT NULL,
  state TEXT NOT NULL,
  last_value REAL,
  last_evaluated_us INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  created_us INTEGER NOT NULL,
  updated_us INTEGER NOT NULL,
  UNIQUE(project_id, name));
CREATE TABLE monitor_transitions(
  id INTEGER PRIMARY KEY,
  monitor_id INTEGER NOT NULL REFERENCES monitors(id),
  state TEXT NOT NULL,
  value REAL NOT NULL,
  threshold REAL NOT NULL,
  created_us INTEGER NOT NULL);
CREATE INDEX monitor_transitions_monitor ON monitor_transitions(monitor_id, id);
)sql",
};

}  // namespace stacklens::sqlite
