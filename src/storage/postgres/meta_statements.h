#pragma once
// Every statement of the PostgreSQL metadata store, prepared once per connection. Emails
// compare as SQLite's NOCASE does and names sort as SQLite's BINARY does, whatever the
// database's locale: hence lower(... COLLATE "C") and ORDER BY ... COLLATE "C".
#include "storage/postgres/pg_connection.h"

namespace stacklens::postgres::sql {

inline constexpr Statement kIsEmpty{"is_empty", "SELECT count(*) FROM projects"};
inline constexpr Statement kPing{"ping", "SELECT 1"};
// Taken for the rest of the transaction by the node that sets up an empty store.
inline constexpr Statement kBootstrapLock{"bootstrap_lock", "SELECT pg_advisory_xact_lock($1)"};
inline constexpr Statement kCreateOrg{
    "create_org", "INSERT INTO organizations(id, name, created_us) VALUES(1, 'default', $1) ON CONFLICT DO NOTHING"};
inline constexpr Statement kCreateProject{
    "create_project", "INSERT INTO projects(org_id, name, created_us) VALUES(1, $1, $2) RETURNING id"};
inline constexpr Statement kFindProject{"find_project",
                                        "SELECT id, name, created_us, retention_days FROM projects WHERE name = $1"};
inline constexpr Statement kListProjects{"list_projects",
                                         "SELECT id, name, created_us, retention_days FROM projects ORDER BY id"};
inline constexpr Statement kSetRetention{"set_retention",
                                         "UPDATE projects SET retention_days = $2 WHERE id = $1 RETURNING id"};

inline constexpr Statement kCreateUser{
    "create_user", "INSERT INTO users(email, password_hash, created_us) VALUES($1, $2, $3) RETURNING id"};
inline constexpr Statement kSetPassword{
    "set_password",
    R"(UPDATE users SET password_hash = $2 WHERE lower(email COLLATE "C") = lower($1 COLLATE "C") RETURNING id)"};
inline constexpr Statement kSetRole{
    "set_role",
    "INSERT INTO memberships(user_id, project_id, role) VALUES($1, $2, $3) "
    "ON CONFLICT(user_id, project_id) DO UPDATE SET role = excluded.role"};
inline constexpr Statement kListUsers{"list_users", "SELECT id, email, created_us FROM users ORDER BY id"};
inline constexpr Statement kFindUser{
    "find_user",
    R"(SELECT id, email, created_us, password_hash FROM users WHERE lower(email COLLATE "C") = lower($1 COLLATE "C"))"};
#define SL_MEMBERSHIPS(where)                                                                                \
  "SELECT p.id, p.name, u.email, m.role, p.created_us FROM memberships m JOIN projects p ON p.id = m.project_id " \
  "JOIN users u ON u.id = m.user_id " where R"( ORDER BY p.id, lower(u.email COLLATE "C"))"
inline constexpr Statement kMembershipsOf{"memberships_of", SL_MEMBERSHIPS("WHERE m.user_id = $1")};
inline constexpr Statement kMembersOf{"members_of", SL_MEMBERSHIPS("WHERE m.project_id = $1")};
#undef SL_MEMBERSHIPS
inline constexpr Statement kRemoveMember{
    "remove_member",
    "DELETE FROM memberships WHERE project_id = $2 AND user_id = "
    R"((SELECT id FROM users WHERE lower(email COLLATE "C") = lower($1 COLLATE "C")) RETURNING user_id)"};

// Expired sessions are swept where sessions are written anyway, in the same round trip.
inline constexpr Statement kCreateSession{
    "create_session",
    "WITH sweep AS (DELETE FROM sessions WHERE expires_us < $4) "
    "INSERT INTO sessions(token_hash, user_id, csrf_token, created_us, expires_us) VALUES($1, $2, $3, $4, $5) "
    "RETURNING id"};
inline constexpr Statement kFindSession{
    "find_session",
    "SELECT s.id, u.id, u.email, u.created_us, s.csrf_token, s.expires_us FROM sessions s "
    "JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_us > $2"};
inline constexpr Statement kDeleteSession{"delete_session", "DELETE FROM sessions WHERE token_hash = $1"};

// Sign-in throttling. $3 is the oldest time a record is still remembered from: older records
// are swept where failures are written, and an old record of this email starts over.
inline constexpr Statement kLoginFailures{
    "login_failures", "SELECT failures, locked_until_us FROM login_failures WHERE email = $1"};
inline constexpr Statement kCountLoginFailure{
    "count_login_failure",
    "WITH sweep AS (DELETE FROM login_failures WHERE last_us < $3 AND email <> $1) "
    "INSERT INTO login_failures(email, failures, locked_until_us, last_us) VALUES($1, 1, 0, $2) "
    "ON CONFLICT(email) DO UPDATE SET last_us = excluded.last_us, failures = CASE "
    "WHEN login_failures.last_us < $3 THEN 1 ELSE login_failures.failures + 1 END "
    "RETURNING failures"};
inline constexpr Statement kLockLogin{
    "lock_login",
    "UPDATE login_failures SET locked_until_us = greatest(locked_until_us, $2) WHERE email = $1 "
    "RETURNING failures, locked_until_us"};
inline constexpr Statement kClearLogin{"clear_login", "DELETE FROM login_failures WHERE email = $1"};

// API keys, always read with their project's name (columns as read_key in the store expects).
#define SL_KEY_COLUMNS "k.id, k.project_id, p.name, k.name, k.prefix, k.scopes, k.created_us, k.last_used_us, k.revoked_us"
#define SL_KEYS_OF(source, where) "SELECT " SL_KEY_COLUMNS " FROM " source " JOIN projects p ON p.id = k.project_id " where
#define SL_KEYS(where) SL_KEYS_OF("api_keys k", where)
inline constexpr Statement kCreateKey{
    "create_key",
    "WITH k AS (INSERT INTO api_keys(project_id, name, prefix, hash, scopes, created_us) "
    "VALUES($1, $2, $3, $4, $5, $6) RETURNING *) " SL_KEYS_OF("k", "")};
inline constexpr Statement kKeyByHash{"key_by_hash", SL_KEYS("WHERE k.hash = $1")};
inline constexpr Statement kTouchKey{"touch_key", "UPDATE api_keys SET last_used_us = $2 WHERE id = $1"};
inline constexpr Statement kAllKeys{"all_keys", SL_KEYS("ORDER BY k.id")};
inline constexpr Statement kProjectKeys{"project_keys", SL_KEYS("WHERE k.project_id = $1 ORDER BY k.id")};
inline constexpr Statement kKeysNamed{
    "keys_named",
    SL_KEYS("WHERE (k.prefix = $1 OR k.id::text = $1) AND ($2::bigint IS NULL OR k.project_id = $2) ORDER BY k.id")};
inline constexpr Statement kRevokeKey{
    "revoke_key",
    "WITH k AS (UPDATE api_keys SET revoked_us = coalesce(revoked_us, $2) WHERE id = $1 RETURNING *) " SL_KEYS_OF("k", "")};
#undef SL_KEYS
#undef SL_KEYS_OF
#undef SL_KEY_COLUMNS

inline constexpr Statement kPromptId{"prompt_id", "SELECT id FROM prompts WHERE project_id = $1 AND name = $2"};
// Writers of a prompt's versions and promotions lock its row: they run one after the other.
inline constexpr Statement kLockPrompt{
    "lock_prompt", "SELECT id FROM prompts WHERE project_id = $1 AND name = $2 FOR UPDATE"};
inline constexpr Statement kCreatePrompt{
    "create_prompt",
    "WITH p AS (INSERT INTO prompts(project_id, name, description, created_by, created_us) "
    "VALUES($1, $2, $3, $4, $5) RETURNING id) "
    "INSERT INTO prompt_versions(prompt_id, version, content, message, created_by, created_us) "
    "SELECT p.id, 1, $6::text, 'initial version', $4::text, $5::bigint FROM p"};
inline constexpr Statement kGetPrompt{
    "get_prompt",
    "SELECT p.id, p.name, p.description, p.created_by, p.created_us, "
    "(SELECT max(version) FROM prompt_versions v WHERE v.prompt_id = p.id) "
    "FROM prompts p WHERE p.project_id = $1 AND p.name = $2"};
inline constexpr Statement kPromptEnvironments{
    "prompt_environments",
    "SELECT env, version, promoted_by, at_us FROM prompt_promotions WHERE id IN ("
    "SELECT max(id) FROM prompt_promotions WHERE prompt_id = $1 AND rolled_back_us IS NULL GROUP BY env)"};
inline constexpr Statement kPromptNames{
    "prompt_names", R"(SELECT name FROM prompts WHERE project_id = $1 ORDER BY name COLLATE "C")"};
inline constexpr Statement kAddVersion{
    "add_version",
    "INSERT INTO prompt_versions(prompt_id, version, content, message, created_by, created_us) "
    "SELECT $1::bigint, coalesce(max(version), 0) + 1, $2::text, $3::text, $4::text, $5::bigint "
    "FROM prompt_versions WHERE prompt_id = $1::bigint RETURNING version"};
#define SL_VERSIONS(where) \
  "SELECT version, content, message, created_by, created_us FROM prompt_versions WHERE prompt_id = $1 " where
inline constexpr Statement kListVersions{"list_versions", SL_VERSIONS("ORDER BY version DESC")};
inline constexpr Statement kGetVersion{"get_version", SL_VERSIONS("AND version = $2")};
#undef SL_VERSIONS
inline constexpr Statement kPromote{
    "promote", "INSERT INTO prompt_promotions(prompt_id, env, version, promoted_by, at_us) VALUES($1, $2, $3, $4, $5)"};
inline constexpr Statement kServing{
    "serving",
    "SELECT id, version, promoted_by, at_us FROM prompt_promotions WHERE prompt_id = $1 AND env = $2 "
    "AND rolled_back_us IS NULL ORDER BY id DESC LIMIT 2"};
inline constexpr Statement kRollBack{
    "roll_back", "UPDATE prompt_promotions SET rolled_back_us = $2, rolled_back_by = $3 WHERE id = $1"};
inline constexpr Statement kListPromotions{
    "list_promotions",
    "SELECT env, version, promoted_by, at_us, rolled_back_us, coalesce(rolled_back_by, ''), request_id, "
    "coalesce(approved_by, '') FROM prompt_promotions WHERE prompt_id = $1 ORDER BY id DESC"};
inline constexpr Statement kActiveVersion{
    "active_version",
    "SELECT v.version, v.content, v.message, v.created_by, v.created_us FROM prompt_versions v "
    "WHERE v.prompt_id = $1 AND v.version = (SELECT version FROM prompt_promotions WHERE prompt_id = $1 "
    "AND env = $2 AND rolled_back_us IS NULL ORDER BY id DESC LIMIT 1)"};

inline constexpr Statement kCreateScoreConfig{
    "create_score_config",
    "INSERT INTO score_configs(project_id, name, data_type, min_value, max_value, categories, description, "
    "created_us) VALUES($1, $2, $3, $4, $5, $6, $7, $8)"};
inline constexpr Statement kUpdateScoreConfig{
    "update_score_config",
    "UPDATE score_configs SET data_type = $3, min_value = $4, max_value = $5, categories = $6, description = $7 "
    "WHERE project_id = $1 AND name = $2 RETURNING created_us"};
inline constexpr Statement kDeleteScoreConfig{
    "delete_score_config", "DELETE FROM score_configs WHERE project_id = $1 AND name = $2 RETURNING name"};
inline constexpr Statement kListScoreConfigs{
    "list_score_configs",
    "SELECT name, data_type, min_value::text, max_value::text, categories, description, created_us "
    R"(FROM score_configs WHERE project_id = $1 ORDER BY name COLLATE "C")"};

#define SL_PRICE_COLUMNS \
  "id, project_id, model, provider, effective_from_us, definition, updated_by, created_us, updated_us"
inline constexpr Statement kCreateModelPrice{
    "create_model_price",
    "INSERT INTO model_prices(project_id, model, provider, effective_from_us, definition, updated_by, created_us, "
    "updated_us) VALUES($1, $2, $3, $4, $5, $6, $7, $7) RETURNING " SL_PRICE_COLUMNS};
inline constexpr Statement kUpdateModelPrice{
    "update_model_price",
    "UPDATE model_prices SET model = $3, provider = $4, effective_from_us = $5, definition = $6, updated_by = $7, "
    "updated_us = $8 WHERE project_id = $1 AND id = $2 RETURNING " SL_PRICE_COLUMNS};
inline constexpr Statement kDeleteModelPrice{
    "delete_model_price", "DELETE FROM model_prices WHERE project_id = $1 AND id = $2 RETURNING id"};
inline constexpr Statement kListModelPrices{
    "list_model_prices",
    "SELECT " SL_PRICE_COLUMNS " FROM model_prices WHERE $1::bigint IS NULL OR project_id = $1 "
    R"(ORDER BY project_id, lower(model COLLATE "C") COLLATE "C", provider COLLATE "C", effective_from_us)"};
#undef SL_PRICE_COLUMNS
inline constexpr Statement kBumpPriceRevision{"bump_price_revision",
                                              "UPDATE price_revision SET revision = revision + 1"};
inline constexpr Statement kPriceRevision{"price_revision", "SELECT revision FROM price_revision"};

#define SL_RECOMPUTE_COLUMNS                                                                              \
  "id, project_id, from_us, to_us, state, spans_total, spans_done, spans_changed, error, started_by, " \
  "created_us, updated_us, finished_us"
inline constexpr Statement kCreateCostRecompute{
    "create_cost_recompute",
    "INSERT INTO cost_recomputes(project_id, from_us, to_us, state, spans_total, spans_done, spans_changed, error, "
    "started_by, created_us, updated_us, finished_us) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11) "
    "RETURNING id"};
inline constexpr Statement kUpdateCostRecompute{
    "update_cost_recompute",
    "UPDATE cost_recomputes SET state = $3, spans_total = $4, spans_done = $5, spans_changed = $6, error = $7, "
    "updated_us = $8, finished_us = $9 WHERE project_id = $1 AND id = $2"};
inline constexpr Statement kGetCostRecompute{
    "get_cost_recompute", "SELECT " SL_RECOMPUTE_COLUMNS " FROM cost_recomputes WHERE project_id = $1 AND id = $2"};
inline constexpr Statement kListCostRecomputes{
    "list_cost_recomputes",
    "SELECT " SL_RECOMPUTE_COLUMNS " FROM cost_recomputes WHERE project_id = $1 ORDER BY id DESC LIMIT $2"};
#undef SL_RECOMPUTE_COLUMNS

#define SL_AUDIT_COLUMNS \
  "id, time_us, project_id, data_type, policy, field, model, provider, trace_id, span_id, prev_hash, hash"
inline constexpr Statement kLockAuditHead{"lock_audit_head", "SELECT id, hash FROM audit_head FOR UPDATE"};
inline constexpr Statement kSetAuditHead{"set_audit_head", "UPDATE audit_head SET id = $1, hash = $2"};
inline constexpr Statement kAppendAudit{
    "append_audit", "INSERT INTO audit_log(" SL_AUDIT_COLUMNS
                    ") VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"};
inline constexpr Statement kListAudit{
    "list_audit",
    "SELECT " SL_AUDIT_COLUMNS " FROM audit_log WHERE project_id = $1 AND ($2::text IS NULL OR data_type = $2) "
    "AND ($3::text IS NULL OR policy = $3) AND ($4::text IS NULL OR model = $4) AND ($5::bigint IS NULL OR "
    "time_us >= $5) AND ($6::bigint IS NULL OR time_us < $6) AND ($7::bigint = 0 OR id < $7) ORDER BY id DESC "
    "LIMIT $8"};
inline constexpr Statement kAuditChain{
    "audit_chain", "SELECT " SL_AUDIT_COLUMNS " FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2"};
inline constexpr Statement kLastAudit{"last_audit",
                                      "SELECT " SL_AUDIT_COLUMNS " FROM audit_log ORDER BY id DESC LIMIT 1"};
#undef SL_AUDIT_COLUMNS
inline constexpr Statement kAuditCounts{
    "audit_counts",
    "SELECT $2::bigint + (time_us - $2::bigint) / $4::bigint * $4::bigint AS bucket, data_type, policy, count(*) "
    "FROM audit_log WHERE project_id = $1 AND time_us >= $2 AND time_us < $3 GROUP BY bucket, data_type, policy "
    R"(ORDER BY bucket, data_type COLLATE "C", policy COLLATE "C")"};
inline constexpr Statement kAddAuditCheckpoint{
    "add_audit_checkpoint",
    "INSERT INTO audit_checkpoints(entry_id, hash, signature, time_us) VALUES($1, $2, $3, $4) ON CONFLICT DO "
    "NOTHING"};
inline constexpr Statement kListAuditCheckpoints{
    "list_audit_checkpoints", "SELECT entry_id, hash, signature, time_us FROM audit_checkpoints ORDER BY entry_id"};
inline constexpr Statement kGetTransparency{
    "get_transparency",
    "SELECT intended_purpose, provider_contact, human_oversight, known_limitations, updated_by, updated_us FROM "
    "transparency WHERE project_id = $1"};
inline constexpr Statement kPutTransparency{
    "put_transparency",
    "INSERT INTO transparency(project_id, intended_purpose, provider_contact, human_oversight, known_limitations, "
    "updated_by, updated_us) VALUES($1, $2, $3, $4, $5, $6, $7) ON CONFLICT(project_id) DO UPDATE SET "
    "intended_purpose = excluded.intended_purpose, provider_contact = excluded.provider_contact, human_oversight = "
    "excluded.human_oversight, known_limitations = excluded.known_limitations, updated_by = excluded.updated_by, "
    "updated_us = excluded.updated_us"};

inline constexpr Statement kListGovernaiPolicies{
    "list_governai_policies",
    "SELECT project_id, data_type, action, updated_by, updated_us FROM governai_policies "
    R"(WHERE $1::bigint IS NULL OR project_id = $1 ORDER BY project_id, data_type COLLATE "C")"};
inline constexpr Statement kPutGovernaiPolicy{
    "put_governai_policy",
    "INSERT INTO governai_policies(project_id, data_type, action, updated_by, updated_us) VALUES($1, $2, $3, $4, $5) "
    "ON CONFLICT(project_id, data_type) DO UPDATE SET action = excluded.action, updated_by = excluded.updated_by, "
    "updated_us = excluded.updated_us"};
inline constexpr Statement kDropGovernaiPolicy{
    "drop_governai_policy", "DELETE FROM governai_policies WHERE project_id = $1 AND data_type = $2"};
inline constexpr Statement kBumpGovernaiRevision{"bump_governai_revision",
                                                 "UPDATE governai_revision SET revision = revision + 1"};
inline constexpr Statement kGovernaiRevision{"governai_revision", "SELECT revision FROM governai_revision"};

// FlowOps' approval gates and experiments.
inline constexpr Statement kListProtection{
    "list_protection", "SELECT env, is_protected, updated_by, updated_us FROM environment_protection WHERE project_id = $1"};
inline constexpr Statement kSetProtection{
    "set_protection",
    "INSERT INTO environment_protection(project_id, env, is_protected, updated_by, updated_us) VALUES($1, $2, $3, $4, $5) "
    "ON CONFLICT(project_id, env) DO UPDATE SET is_protected = excluded.is_protected, updated_by = excluded.updated_by, "
    "updated_us = excluded.updated_us"};
#define SL_REQUEST_COLUMNS                                                                                  \
  "r.id, p.name, r.env, r.version, r.status, r.requested_by, r.requested_us, r.comment, r.decided_by, "   \
  "r.decided_us, r.decision_comment FROM promotion_requests r JOIN prompts p ON p.id = r.prompt_id "
inline constexpr Statement kCreateRequest{
    "create_request",
    "INSERT INTO promotion_requests(prompt_id, env, version, status, requested_by, requested_us, comment) "
    "VALUES($1, $2, $3, 'pending', $4, $5, $6) RETURNING id"};
inline constexpr Statement kListRequests{
    "list_requests", "SELECT " SL_REQUEST_COLUMNS
    "WHERE p.project_id = $1 AND ($2::text IS NULL OR p.name = $2) AND ($3::text IS NULL OR r.status = $3) "
    "ORDER BY r.id DESC"};
inline constexpr Statement kGetRequest{"get_request", "SELECT " SL_REQUEST_COLUMNS "WHERE p.id = $1 AND r.id = $2"};
inline constexpr Statement kLockRequest{"lock_request",
                                        "SELECT " SL_REQUEST_COLUMNS "WHERE p.id = $1 AND r.id = $2 FOR UPDATE OF r"};
#undef SL_REQUEST_COLUMNS
inline constexpr Statement kDecideRequest{
    "decide_request",
    "UPDATE promotion_requests SET status = $2, decided_by = $3, decided_us = $4, decision_comment = $5 WHERE id = $1"};
inline constexpr Statement kPromoteApproved{
    "promote_approved",
    "INSERT INTO prompt_promotions(prompt_id, env, version, promoted_by, at_us, request_id, approved_by) "
    "VALUES($1, $2, $3, $4, $5, $6, $7)"};
#define SL_EXPERIMENT_COLUMNS                                                                               \
  "e.id, p.name, e.env, e.name, e.status, e.started_by, e.started_us, e.ended_by, e.ended_us, "          \
  "e.chosen_version FROM experiments e JOIN prompts p ON p.id = e.prompt_id "
inline constexpr Statement kListExperiments{"list_experiments",
                                            "SELECT " SL_EXPERIMENT_COLUMNS "WHERE e.prompt_id = $1 ORDER BY e.id DESC"};
inline constexpr Statement kGetExperiment{"get_experiment",
                                          "SELECT " SL_EXPERIMENT_COLUMNS "WHERE e.prompt_id = $1 AND e.id = $2"};
inline constexpr Statement kRunningExperiment{
    "running_experiment", "SELECT " SL_EXPERIMENT_COLUMNS
    "WHERE e.prompt_id = $1 AND e.env = $2 AND e.status = 'running'"};
#undef SL_EXPERIMENT_COLUMNS
inline constexpr Statement kExperimentVariants{
    "experiment_variants",
    "SELECT v.label, v.version, v.weight, CASE WHEN $2::boolean THEN pv.content ELSE '' END FROM experiment_variants v "
    "JOIN experiments e ON e.id = v.experiment_id "
    "JOIN prompt_versions pv ON pv.prompt_id = e.prompt_id AND pv.version = v.version "
    R"(WHERE v.experiment_id = $1 ORDER BY v.label COLLATE "C")"};
inline constexpr Statement kCreateExperiment{
    "create_experiment",
    "INSERT INTO experiments(prompt_id, env, name, status, started_by, started_us) VALUES($1, $2, $3, 'running', $4, $5) "
    "RETURNING id"};
inline constexpr Statement kAddVariant{
    "add_variant", "INSERT INTO experiment_variants(experiment_id, label, version, weight) VALUES($1, $2, $3, $4)"};
inline constexpr Statement kEndExperiment{
    "end_experiment",
    "UPDATE experiments SET status = 'ended', ended_by = $2, ended_us = $3, chosen_version = $4 WHERE id = $1 "
    "AND status = 'running' RETURNING id"};

// Model connections.
#define SL_CONNECTION_COLUMNS                                                                               \
  "id, project_id, name, provider, base_url, default_model, monthly_budget_usd, max_concurrency, timeout_ms, " \
  "key_hint, sealed_key, sealed_key_id, created_by, created_us, updated_us FROM model_connections "
inline constexpr Statement kCreateConnection{
    "create_connection",
    "INSERT INTO model_connections(project_id, name, provider, base_url, default_model, monthly_budget_usd, "
    "max_concurrency, timeout_ms, key_hint, sealed_key, sealed_key_id, created_by, created_us, updated_us) "
    "VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING id"};
inline constexpr Statement kUpdateConnection{
    "update_connection",
    "UPDATE model_connections SET provider = $3, base_url = $4, default_model = $5, monthly_budget_usd = $6, "
    "max_concurrency = $7, timeout_ms = $8, key_hint = $9, sealed_key = $10, sealed_key_id = $11, updated_us = $12 "
    "WHERE project_id = $1 AND name = $2 RETURNING id, project_id, name, provider, base_url, default_model, "
    "monthly_budget_usd, max_concurrency, timeout_ms, key_hint, sealed_key, sealed_key_id, created_by, created_us, "
    "updated_us"};
inline constexpr Statement kDeleteConnectionUsage{
    "delete_connection_usage",
    "DELETE FROM connection_usage WHERE connection_id IN "
    "(SELECT id FROM model_connections WHERE project_id = $1 AND name = $2)"};
inline constexpr Statement kDeleteConnection{
    "delete_connection", "DELETE FROM model_connections WHERE project_id = $1 AND name = $2 RETURNING id"};
inline constexpr Statement kListConnections{
    "list_connections", "SELECT " SL_CONNECTION_COLUMNS R"(WHERE project_id = $1 ORDER BY name COLLATE "C")"};
inline constexpr Statement kGetConnection{"get_connection",
                                          "SELECT " SL_CONNECTION_COLUMNS "WHERE project_id = $1 AND name = $2"};
#undef SL_CONNECTION_COLUMNS
inline constexpr Statement kAddConnectionUsage{
    "add_connection_usage",
    "INSERT INTO connection_usage(connection_id, month, cost_usd, calls) VALUES($1, $2, $3, 1) "
    "ON CONFLICT(connection_id, month) DO UPDATE SET cost_usd = connection_usage.cost_usd + excluded.cost_usd, "
    "calls = connection_usage.calls + 1 RETURNING cost_usd, calls"};
inline constexpr Statement kConnectionUsage{
    "connection_usage", "SELECT cost_usd, calls FROM connection_usage WHERE connection_id = $1 AND month = $2"};

// Datasets and their versioned items (sqlite/meta_schema.h says how the rows keep each version).
#define SL_DATASET_COLUMNS "id, next_position, name, description, version, item_count, created_by, created_us, updated_us "
inline constexpr Statement kCreateDataset{
    "create_dataset",
    "INSERT INTO datasets(project_id, name, description, version, item_count, next_position, created_by, created_us, "
    "updated_us) VALUES($1, $2, $3, 0, 0, 1, $4, $5, $5)"};
inline constexpr Statement kListDatasets{
    "list_datasets", "SELECT " SL_DATASET_COLUMNS R"(FROM datasets WHERE project_id = $1 ORDER BY name COLLATE "C")"};
inline constexpr Statement kGetDataset{"get_dataset",
                                       "SELECT " SL_DATASET_COLUMNS "FROM datasets WHERE project_id = $1 AND name = $2"};
inline constexpr Statement kLockDataset{
    "lock_dataset", "SELECT " SL_DATASET_COLUMNS "FROM datasets WHERE project_id = $1 AND name = $2 FOR UPDATE"};
#undef SL_DATASET_COLUMNS
inline constexpr Statement kDescribeDataset{"describe_dataset",
                                            "UPDATE datasets SET description = $2, updated_us = $3 WHERE id = $1"};
inline constexpr Statement kDeleteDatasetItems{"delete_dataset_items", "DELETE FROM dataset_items WHERE dataset_id = $1"};
inline constexpr Statement kDeleteDataset{"delete_dataset", "DELETE FROM datasets WHERE id = $1"};
inline constexpr Statement kSetDatasetVersion{
    "set_dataset_version",
    "UPDATE datasets SET version = $2, item_count = $3, next_position = $4, updated_us = $5 WHERE id = $1"};
inline constexpr Statement kCurrentItem{
    "current_item",
    "SELECT position, created_us FROM dataset_items WHERE dataset_id = $1 AND item_id = $2 AND valid_to IS NULL"};
inline constexpr Statement kCloseItem{
    "close_item", "UPDATE dataset_items SET valid_to = $3 WHERE dataset_id = $1 AND item_id = $2 AND valid_to IS NULL"};
inline constexpr Statement kInsertItem{
    "insert_item",
    "INSERT INTO dataset_items(dataset_id, item_id, valid_from, position, input, expected_output, metadata, "
    "source_trace_id, source_span_id, created_us) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"};
#define SL_ITEM_COLUMNS                                                                                         \
  "SELECT item_id, input, expected_output, metadata, source_trace_id, source_span_id, created_us, valid_from, "  \
  "position FROM dataset_items WHERE dataset_id = $1 AND valid_from <= $2 AND (valid_to IS NULL OR valid_to > $2) "
inline constexpr Statement kListItems{"list_items",
                                      SL_ITEM_COLUMNS "AND position > $3 ORDER BY position LIMIT $4"};
inline constexpr Statement kGetItem{"get_item", SL_ITEM_COLUMNS "AND item_id = $3"};
#undef SL_ITEM_COLUMNS

// Experiment runs over a dataset and their results.
inline constexpr Statement kDatasetHead{"dataset_head",
                                        "SELECT id, version FROM datasets WHERE project_id = $1 AND name = $2"};
inline constexpr Statement kCountItemsAt{
    "count_items_at",
    "SELECT count(*) FROM dataset_items WHERE dataset_id = $1 AND valid_from <= $2 "
    "AND (valid_to IS NULL OR valid_to > $2)"};
inline constexpr Statement kCreateDatasetRun{
    "create_dataset_run",
    "INSERT INTO dataset_runs(dataset_id, dataset_version, name, description, metadata, status, created_by, "
    "created_us, item_count) VALUES($1, $2, $3, $4, $5, 'running', $6, $7, $8) RETURNING id"};
// The columns read_run reads, then the run's project.
#define SL_RUN_SELECT                                                                                           \
  "SELECT r.id, d.name, r.dataset_version, r.name, r.description, r.metadata, r.status, r.created_by, "          \
  "r.created_us, r.finished_us, r.item_count, r.summary, d.project_id FROM dataset_runs r "                      \
  "JOIN datasets d ON d.id = r.dataset_id "
#define SL_RUN_COLUMNS SL_RUN_SELECT "WHERE d.project_id = $1 AND d.name = $2 "
inline constexpr Statement kListDatasetRuns{"list_dataset_runs", SL_RUN_COLUMNS "ORDER BY r.id DESC"};
inline constexpr Statement kListRunningDatasetRuns{
    "list_running_dataset_runs", SL_RUN_SELECT "WHERE r.status = 'running' ORDER BY d.project_id, r.id"};
inline constexpr Statement kGetDatasetRun{"get_dataset_run", SL_RUN_COLUMNS "AND r.id = $3"};
inline constexpr Statement kLockDatasetRun{"lock_dataset_run", SL_RUN_COLUMNS "AND r.id = $3 FOR UPDATE OF r"};
#undef SL_RUN_COLUMNS
#undef SL_RUN_SELECT
inline constexpr Statement kItemHeld{
    "item_held",
    "SELECT 1 FROM dataset_items WHERE dataset_id = $1 AND item_id = $2 AND valid_from <= $3 "
    "AND (valid_to IS NULL OR valid_to > $3)"};
inline constexpr Statement kPutRunResult{
    "put_run_result",
    "INSERT INTO dataset_run_results(run_id, item_id, trace_id, output, error, latency_ms, created_us) "
    "VALUES($1, $2, $3, $4, $5, $6, $7) ON CONFLICT(run_id, item_id) DO UPDATE SET trace_id = excluded.trace_id, "
    "output = excluded.output, error = excluded.error, latency_ms = excluded.latency_ms, "
    "created_us = excluded.created_us"};
inline constexpr Statement kFinishDatasetRun{
    "finish_dataset_run", "UPDATE dataset_runs SET status = $2, finished_us = $3, summary = $4 WHERE id = $1"};
inline constexpr Statement kListRunResults{
    "list_run_results",
    "SELECT item_id, trace_id, output, error, latency_ms, created_us FROM dataset_run_results "
    R"(WHERE run_id = $1 AND item_id > $2 ORDER BY item_id COLLATE "C" LIMIT $3)"};
inline constexpr Statement kDeleteDatasetRunResults{
    "delete_dataset_run_results",
    "DELETE FROM dataset_run_results WHERE run_id IN (SELECT id FROM dataset_runs WHERE dataset_id = $1)"};
inline constexpr Statement kDeleteDatasetRuns{"delete_dataset_runs", "DELETE FROM dataset_runs WHERE dataset_id = $1"};

// Evaluators, evaluation rules and their runs.
#define SL_EVALUATOR_COLUMNS                                                                                  \
  "id, project_id, name, description, template, connection, model, output_type, min_value, max_value, "       \
  "categories, created_by, created_us, updated_us "
inline constexpr Statement kCreateEvaluator{
    "create_evaluator",
    "INSERT INTO evaluators(project_id, name, description, template, connection, model, output_type, min_value, "
    "max_value, categories, created_by, created_us, updated_us) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, "
    "$12, $12) RETURNING id"};
inline constexpr Statement kUpdateEvaluator{
    "update_evaluator",
    "UPDATE evaluators SET description = $3, template = $4, connection = $5, model = $6, output_type = $7, "
    "min_value = $8, max_value = $9, categories = $10, updated_us = $11 WHERE project_id = $1 AND name = $2 "
    "RETURNING " SL_EVALUATOR_COLUMNS};
inline constexpr Statement kRulesOfEvaluator{
    "rules_of_evaluator",
    R"(SELECT name FROM eval_rules WHERE project_id = $1 AND evaluator = $2 ORDER BY name COLLATE "C" FOR UPDATE)"};
inline constexpr Statement kDeleteEvaluator{
    "delete_evaluator", "DELETE FROM evaluators WHERE project_id = $1 AND name = $2 RETURNING id"};
inline constexpr Statement kListEvaluators{
    "list_evaluators",
    "SELECT " SL_EVALUATOR_COLUMNS R"(FROM evaluators WHERE project_id = $1 ORDER BY name COLLATE "C")"};
inline constexpr Statement kGetEvaluator{
    "get_evaluator", "SELECT " SL_EVALUATOR_COLUMNS "FROM evaluators WHERE project_id = $1 AND name = $2"};
#undef SL_EVALUATOR_COLUMNS
#define SL_RULE_COLUMNS                                                                                         \
  "id, project_id, name, evaluator, filter_name, filter_model, filter_tags, filter_attributes, sampling_rate, "  \
  "delay_seconds, paused, created_by, created_us, updated_us "
inline constexpr Statement kCreateEvalRule{
    "create_eval_rule",
    "INSERT INTO eval_rules(project_id, name, evaluator, filter_name, filter_model, filter_tags, filter_attributes, "
    "sampling_rate, delay_seconds, paused, created_by, created_us, updated_us) VALUES($1, $2, $3, $4, $5, $6, $7, $8, "
    "$9, $10, $11, $12, $12) RETURNING id"};
inline constexpr Statement kUpdateEvalRule{
    "update_eval_rule",
    "UPDATE eval_rules SET name = $2, evaluator = $3, filter_name = $4, filter_model = $5, filter_tags = $6, "
    "filter_attributes = $7, sampling_rate = $8, delay_seconds = $9, paused = $10, updated_us = $11 "
    "WHERE project_id = $1 AND id = $12 RETURNING " SL_RULE_COLUMNS};
inline constexpr Statement kDeleteEvalRuns{
    "delete_eval_runs",
    "DELETE FROM eval_rule_runs WHERE rule_id IN (SELECT id FROM eval_rules WHERE project_id = $1 AND id = $2)"};
inline constexpr Statement kDeleteEvalRule{"delete_eval_rule",
                                           "DELETE FROM eval_rules WHERE project_id = $1 AND id = $2 RETURNING id"};
inline constexpr Statement kListEvalRules{
    "list_eval_rules",
    "SELECT " SL_RULE_COLUMNS "FROM eval_rules WHERE $1::bigint IS NULL OR project_id = $1 ORDER BY project_id, id"};
inline constexpr Statement kGetEvalRule{"get_eval_rule",
                                        "SELECT " SL_RULE_COLUMNS "FROM eval_rules WHERE project_id = $1 AND id = $2"};
#undef SL_RULE_COLUMNS
inline constexpr Statement kBumpEvalRuleRevision{"bump_eval_rule_revision",
                                                 "UPDATE eval_rule_revision SET revision = revision + 1"};
inline constexpr Statement kEvalRuleRevision{"eval_rule_revision", "SELECT revision FROM eval_rule_revision"};
inline constexpr Statement kAddEvalRun{
    "add_eval_run",
    "INSERT INTO eval_rule_runs(rule_id, status, trace_id, span_id, score_id, error, cost_usd, judge_trace_id, "
    "created_us, spans) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"};
inline constexpr Statement kListEvalRuns{
    "list_eval_runs",
    "SELECT id, rule_id, status, trace_id, span_id, score_id, error, cost_usd, judge_trace_id, created_us, spans "
    "FROM eval_rule_runs WHERE rule_id = $1 AND ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT $3"};
inline constexpr Statement kEvalRunTotals{
    "eval_run_totals",
    "SELECT status, sum(spans), coalesce(sum(cost_usd), 0) FROM eval_rule_runs WHERE rule_id = $1 GROUP BY status"};

// Budgets, their alerts, notification channels and deliveries.
#define SL_BUDGET_FIELDS \
  "id, project_id, name, period, scope, scope_value, soft_limit_usd, hard_limit_usd, created_by, created_us, updated_us "
#define SL_BUDGET_COLUMNS SL_BUDGET_FIELDS "FROM budgets "
inline constexpr Statement kCreateBudget{
    "create_budget",
    "INSERT INTO budgets(project_id, name, period, scope, scope_value, soft_limit_usd, hard_limit_usd, created_by, "
    "created_us, updated_us) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id"};
inline constexpr Statement kUpdateBudget{
    "update_budget",
    "UPDATE budgets SET period = $3, scope = $4, scope_value = $5, soft_limit_usd = $6, hard_limit_usd = $7, "
    "updated_us = $8 WHERE project_id = $1 AND name = $2 RETURNING " SL_BUDGET_FIELDS};
inline constexpr Statement kDeleteBudgetAlerts{
    "delete_budget_alerts",
    "DELETE FROM budget_alerts WHERE budget_id IN (SELECT id FROM budgets WHERE project_id = $1 AND name = $2)"};
inline constexpr Statement kDeleteBudget{"delete_budget",
                                         "DELETE FROM budgets WHERE project_id = $1 AND name = $2 RETURNING id"};
inline constexpr Statement kListBudgets{
    "list_budgets",
    "SELECT " SL_BUDGET_COLUMNS R"(WHERE $1::bigint IS NULL OR project_id = $1 ORDER BY project_id, name COLLATE "C")"};
inline constexpr Statement kGetBudget{"get_budget",
                                      "SELECT " SL_BUDGET_COLUMNS "WHERE project_id = $1 AND name = $2"};
inline constexpr Statement kClaimBudgetAlert{
    "claim_budget_alert",
    "INSERT INTO budget_alerts(budget_id, period_start_us, level, spent_usd, created_us) VALUES($1, $2, $3, $4, $5) "
    "ON CONFLICT DO NOTHING RETURNING budget_id"};
#define SL_CHANNEL_COLUMNS \
  "id, project_id, name, kind, url, sealed_secret, sealed_secret_id, created_by, created_us FROM notification_channels "
inline constexpr Statement kCreateChannel{
    "create_channel",
    "INSERT INTO notification_channels(project_id, name, kind, url, sealed_secret, sealed_secret_id, created_by, "
    "created_us) VALUES($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id"};
inline constexpr Statement kUpdateChannel{
    "update_channel",
    "UPDATE notification_channels SET name = $3, url = $4, sealed_secret = $5, sealed_secret_id = $6 "
    "WHERE project_id = $1 AND name = $2 "
    "RETURNING id, project_id, name, kind, url, sealed_secret, sealed_secret_id, created_by, created_us"};
// First: it waits for an attempt being recorded, whose delivery row the next statement then sees.
inline constexpr Statement kDeleteChannelQueue{
    "delete_channel_queue",
    "DELETE FROM notification_queue WHERE channel_id IN "
    "(SELECT id FROM notification_channels WHERE project_id = $1 AND name = $2)"};
inline constexpr Statement kDeleteChannelDeliveries{
    "delete_channel_deliveries",
    "DELETE FROM notification_deliveries WHERE channel_id IN "
    "(SELECT id FROM notification_channels WHERE project_id = $1 AND name = $2)"};
inline constexpr Statement kDeleteChannel{
    "delete_channel", "DELETE FROM notification_channels WHERE project_id = $1 AND name = $2 RETURNING id"};
inline constexpr Statement kListChannels{
    "list_channels", "SELECT " SL_CHANNEL_COLUMNS R"(WHERE project_id = $1 ORDER BY name COLLATE "C")"};
inline constexpr Statement kGetChannel{"get_channel",
                                       "SELECT " SL_CHANNEL_COLUMNS "WHERE project_id = $1 AND name = $2"};
inline constexpr Statement kAddDelivery{
    "add_delivery",
    "INSERT INTO notification_deliveries(channel_id, event, status, attempt, status_code, error, created_us) "
    "VALUES($1, $2, $3, $4, $5, $6, $7)"};
inline constexpr Statement kListDeliveries{
    "list_deliveries",
    "SELECT id, channel_id, event, status, attempt, status_code, error, created_us FROM notification_deliveries "
    "WHERE channel_id = $1 ORDER BY id DESC LIMIT $2"};
inline constexpr Statement kQueueNotification{
    "queue_notification",
    "INSERT INTO notification_queue(channel_id, event, body, state, attempts, next_attempt_us, claimed_until_us, "
    "created_us) VALUES($1, $2, $3, 'pending', 0, $4, 0, $4) RETURNING id"};
// SKIP LOCKED: nodes claiming at once each take other rows instead of waiting for each other.
inline constexpr Statement kClaimNotifications{
    "claim_notifications",
    "WITH due AS (SELECT id FROM notification_queue WHERE state = 'pending' AND next_attempt_us <= $1 "
    "AND claimed_until_us <= $1 ORDER BY next_attempt_us, id LIMIT $3 FOR UPDATE SKIP LOCKED) "
    "UPDATE notification_queue q SET claimed_until_us = $2 FROM due, notification_channels c "
    "WHERE q.id = due.id AND c.id = q.channel_id "
    "RETURNING q.id, q.event, q.body, q.state, q.attempts, q.next_attempt_us, q.created_us, c.id, c.project_id, "
    "c.name, c.kind, c.url, c.sealed_secret, c.sealed_secret_id, c.created_by, c.created_us"};
inline constexpr Statement kFinishNotificationAttempt{
    "finish_notification_attempt",
    "UPDATE notification_queue SET state = $2, attempts = $3, next_attempt_us = $4, claimed_until_us = 0 "
    "WHERE id = $1 RETURNING id"};

inline constexpr Statement kDropQueuedNotification{"drop_queued_notification",
                                                   "DELETE FROM notification_queue WHERE id = $1 RETURNING id"};

}  // namespace stacklens::postgres::sql
