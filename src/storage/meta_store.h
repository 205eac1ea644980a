#pragma once
// Projects, users, API keys and FlowOps prompts. The SQLite backend is the
// embedded default; a PostgreSQL backend implements the same interface.
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "model/access.h"
#include "model/alert.h"
#include "model/audit.h"
#include "model/dataset.h"
#include "model/dataset_run.h"
#include "model/governai_policy.h"
#include "model/monitor.h"
#include "model/price.h"
#include "model/connection.h"
#include "model/evaluator.h"
#include "model/prompt.h"
#include "model/score.h"
#include "storage/meta_rows.h"

namespace stacklens {

struct KeyLookup {
  ApiKeyInfo key;
  bool revoked = false;
};

// What the first start writes: a project, its admin user and an API key of that project.
struct BootstrapSeed {
  std::string project;
  std::string admin_email;
  std::string password_hash;
  std::string key_name, key_prefix, key_hash;
  ScopeSet scopes = 0;
};

// Sign-in throttling's record of one email: failures since its last success, and the end of
// its lock (0: not locked).
struct LoginFailures {
  int64_t failures = 0;
  Micros locked_until = 0;
};

// A dataset run with the project it belongs to.
struct ProjectDatasetRun {
  int64_t project_id = 0;
  DatasetRun run;
};

class MetaStore {
 public:
  virtual ~MetaStore() = default;

  virtual Result<bool> is_empty() = 0;
  // Writes `seed` in one transaction if no project exists yet, and returns its key; nothing
  // (and writes nothing) when the store was already set up, by this or any other node.
  virtual Result<std::optional<ApiKeyInfo>> bootstrap(const BootstrapSeed& seed) = 0;
  // Whether the store answers now: `unavailable` naming the reason when it does not.
  virtual Status check_ready() = 0;
  // Every table as rows of text (`stacklens migrate`).
  virtual MetaRows& table_rows() = 0;
  virtual Result<Project> create_project(const std::string& name) = 0;
  virtual Result<std::optional<Project>> find_project(const std::string& name) = 0;
  virtual Result<std::vector<Project>> list_projects() = 0;
  // A project's retention period in days (none: its spans are kept); not_found for no project.
  virtual Status set_retention(int64_t project_id, std::optional<int> days) = 0;

  virtual Result<User> create_user(const std::string& email, const std::string& password_hash) = 0;
  virtual Status set_password(const std::string& email, const std::string& password_hash) = 0;
  virtual Status set_role(int64_t user_id, int64_t project_id, Role role) = 0;
  virtual Result<std::vector<User>> list_users() = 0;
  virtual Result<std::optional<UserCredentials>> find_user(const std::string& email) = 0;
  virtual Result<std::vector<Membership>> memberships_of(int64_t user_id) = 0;
  virtual Result<std::vector<Membership>> members_of(int64_t project_id) = 0;
  virtual Status remove_member(const std::string& email, int64_t project_id) = 0;

  // Sessions are found by the hash of their token.
  virtual Result<Session> create_session(int64_t user_id, const std::string& token_hash, const std::string& csrf_token,
                                         Micros expires_us) = 0;
  virtual Result<std::optional<Session>> find_session(const std::string& token_hash, Micros now) = 0;
  virtual Status delete_session(const std::string& token_hash) = 0;

  // Sign-in throttling, shared by every process on the store. record_login_failure counts a
  // failure and sets the lock to lock_until(failures) in one transaction; records untouched
  // for a day are forgotten.
  virtual Result<LoginFailures> login_failures(const std::string& email) = 0;
  virtual Result<LoginFailures> record_login_failure(const std::string& email, Micros now,
                                                     Micros (*lock_until)(int64_t failures, Micros now)) = 0;
  virtual Status clear_login_failures(const std::string& email) = 0;

  virtual Result<ApiKeyInfo> create_key(int64_t project_id, const std::string& name, const std::string& prefix,
                                        const std::string& hash, ScopeSet scopes) = 0;
  virtual Result<std::optional<KeyLookup>> find_key_by_hash(const std::string& hash) = 0;
  virtual Status touch_key(int64_t key_id, Micros when) = 0;
  virtual Result<std::vector<ApiKeyInfo>> list_keys(std::optional<int64_t> project_id) = 0;
  // `id_or_prefix`: the numeric id or the listed prefix. Scoped to a project when given.
  virtual Result<ApiKeyInfo> revoke_key(const std::string& id_or_prefix, std::optional<int64_t> project_id) = 0;

  virtual Result<Prompt> create_prompt(int64_t project_id, const std::string& name, const std::string& description,
                                       const std::string& content, const std::string& actor) = 0;
  virtual Result<std::vector<Prompt>> list_prompts(int64_t project_id) = 0;
  virtual Result<std::optional<Prompt>> get_prompt(int64_t project_id, const std::string& name) = 0;
  virtual Result<PromptVersion> add_version(int64_t project_id, const std::string& name, const std::string& content,
                                            const std::string& message, const std::string& actor) = 0;
  virtual Result<std::vector<PromptVersion>> list_versions(int64_t project_id, const std::string& name) = 0;
  virtual Result<std::optional<PromptVersion>> get_version(int64_t project_id, const std::string& name,
                                                           int64_t version) = 0;
  virtual Result<EnvironmentState> promote(int64_t project_id, const std::string& name, const std::string& env,
                                           int64_t version, const std::string& actor) = 0;
  virtual Result<EnvironmentState> rollback(int64_t project_id, const std::string& name, const std::string& env,
                                            const std::string& actor) = 0;
  virtual Result<std::vector<Promotion>> list_promotions(int64_t project_id, const std::string& name) = 0;
  // The version an environment serves now, with its content; not_found names what is missing.
  virtual Result<PromptVersion> active_version(int64_t project_id, const std::string& name, const std::string& env) = 0;

  // Approval gates (model/prompt.h). Every environment, protected or not, in kEnvironments order.
  virtual Result<std::vector<EnvironmentProtection>> list_environment_protection(int64_t project_id) = 0;
  virtual Result<EnvironmentProtection> set_environment_protection(int64_t project_id, const std::string& env,
                                                                   bool is_protected, const std::string& actor) = 0;
  // A pending request to promote `version` into `env`: not_found without that version, conflict
  // when one is already pending for the prompt and environment.
  virtual Result<PromotionRequest> create_promotion_request(int64_t project_id, const std::string& name,
                                                            const std::string& env, int64_t version,
                                                            const std::optional<std::string>& comment,
                                                            const std::string& actor) = 0;
  // Newest first: one prompt's (`name`) or every prompt's of the project, of one status or all.
  virtual Result<std::vector<PromotionRequest>> list_promotion_requests(int64_t project_id,
                                                                        const std::optional<std::string>& name,
                                                                        const std::optional<std::string>& status) = 0;
  virtual Result<std::optional<PromotionRequest>> get_promotion_request(int64_t project_id, const std::string& name,
                                                                        int64_t id) = 0;
  // Decides a pending request (conflict when it is not pending). Approving promotes its version
  // in the same transaction, the promotion naming the request and the approver.
  virtual Result<PromotionRequest> decide_promotion_request(int64_t project_id, const std::string& name, int64_t id,
                                                            Decision decision, const std::optional<std::string>& comment,
                                                            const std::string& actor) = 0;

  // Experiments (model/prompt.h). create: fills id, labels and times; not_found for a missing
  // version, conflict when one already runs for the prompt and environment.
  virtual Result<Experiment> create_experiment(int64_t project_id, const Experiment& experiment) = 0;
  virtual Result<std::vector<Experiment>> list_experiments(int64_t project_id, const std::string& name) = 0;
  virtual Result<std::optional<Experiment>> get_experiment(int64_t project_id, const std::string& name, int64_t id) = 0;
  // The experiment running in `env`, with each variant's content; nullopt when none runs.
  virtual Result<std::optional<Experiment>> running_experiment(int64_t project_id, const std::string& name,
                                                               const std::string& env) = 0;
  // Ends a running experiment (conflict otherwise) and promotes `chosen_version` into its
  // environment in the same transaction.
  virtual Result<Experiment> end_experiment(int64_t project_id, const std::string& name, int64_t id,
                                            int64_t chosen_version, const std::string& actor) = 0;

  // Model connections (model/connection.h), by name within a project. create: conflict when the
  // name is taken; update (every field but name, id and creation) and delete: not_found when it
  // is not. Deleting drops its usage too.
  virtual Result<ModelConnection> create_connection(const ModelConnection& c) = 0;
  virtual Result<ModelConnection> update_connection(const ModelConnection& c) = 0;
  virtual Status delete_connection(int64_t project_id, const std::string& name) = 0;
  virtual Result<std::vector<ModelConnection>> list_connections(int64_t project_id) = 0;
  virtual Result<std::optional<ModelConnection>> get_connection(int64_t project_id, const std::string& name) = 0;
  // Adds one call's cost to the connection's month, returning the month's new totals.
  virtual Result<ConnectionUsage> add_connection_usage(int64_t connection_id, const std::string& month,
                                                       double cost_usd) = 0;
  virtual Result<ConnectionUsage> connection_usage(int64_t connection_id, const std::string& month) = 0;

  // Score configurations, by name within a project. create: conflict when the name is taken;
  // update and delete: not_found when it is not.
  virtual Result<ScoreConfig> create_score_config(int64_t project_id, const ScoreConfig& config) = 0;
  virtual Result<ScoreConfig> update_score_config(int64_t project_id, const ScoreConfig& config) = 0;
  virtual Status delete_score_config(int64_t project_id, const std::string& name) = 0;
  virtual Result<std::vector<ScoreConfig>> list_score_configs(int64_t project_id) = 0;

  // A project's own model prices. create: conflict when the project already prices that model
  // and provider from that date; update and delete: not_found unless the price is the project's.
  // Every change raises model_price_revision(), which nodes poll to reload the prices.
  virtual Result<ModelPrice> create_model_price(const ModelPrice& price) = 0;
  virtual Result<ModelPrice> update_model_price(const ModelPrice& price) = 0;
  virtual Status delete_model_price(int64_t project_id, int64_t id) = 0;
  // One project's prices, or every project's (nullopt), by model, provider and date.
  virtual Result<std::vector<ModelPrice>> list_model_prices(std::optional<int64_t> project_id) = 0;
  virtual Result<int64_t> model_price_revision() = 0;

  // Cost recomputes: create fills id and times; update writes state and counts.
  virtual Result<CostRecompute> create_cost_recompute(const CostRecompute& job) = 0;
  virtual Status update_cost_recompute(const CostRecompute& job) = 0;
  virtual Result<std::optional<CostRecompute>> get_cost_recompute(int64_t project_id, int64_t id) = 0;
  // Newest first.
  virtual Result<std::vector<CostRecompute>> list_cost_recomputes(int64_t project_id, int limit) = 0;

  // GovernAI's audit log (model/audit.h), append-only. append_audit numbers the entries after the
  // chain's last and hashes each (storage/audit_chain.h) in one transaction that holds the chain
  // head, so appends from any number of processes and nodes form one chain. time_us 0: now.
  virtual Status append_audit(std::vector<AuditEntry> entries) = 0;
  virtual Result<std::vector<AuditEntry>> list_audit(const AuditFilter& filter) = 0;
  // The whole chain in order, every project's entries, `limit` at a time after `after_id`.
  virtual Result<std::vector<AuditEntry>> audit_chain(int64_t after_id, int limit) = 0;
  virtual Result<std::optional<AuditEntry>> last_audit_entry() = 0;
  // One project's entries in [from, to) counted by type, policy and bucket of bucket_us.
  virtual Result<std::vector<AuditCount>> audit_counts(int64_t project_id, Micros from_us, Micros to_us,
                                                       Micros bucket_us) = 0;
  // A checkpoint already stored for that entry (signed by another node) is kept.
  virtual Status add_audit_checkpoint(const AuditCheckpoint& checkpoint) = 0;
  virtual Result<std::vector<AuditCheckpoint>> list_audit_checkpoints() = 0;

  // The operator's statements for a project's Article 13 report (updated_us 0 when never entered).
  virtual Result<TransparencyInfo> get_transparency(int64_t project_id) = 0;
  virtual Result<TransparencyInfo> put_transparency(const TransparencyInfo& info) = 0;

  // GovernAI's policies a project set itself (types it did not set take the default). set
  // writes `set` and drops the project's own setting of each type in `reset`, in one
  // transaction that raises governai_policy_revision(), which nodes poll to reload them.
  virtual Result<std::vector<GovernaiPolicy>> list_governai_policies(std::optional<int64_t> project_id) = 0;
  virtual Status set_governai_policies(int64_t project_id, const std::vector<GovernaiPolicy>& set,
                                       const std::vector<std::string>& reset) = 0;
  virtual Result<int64_t> governai_policy_revision() = 0;

  // Datasets (model/dataset.h), by name within a project. create: conflict when the name is
  // taken; the others: not_found when it is not.
  virtual Result<Dataset> create_dataset(int64_t project_id, const Dataset& dataset) = 0;
  virtual Result<std::vector<Dataset>> list_datasets(int64_t project_id) = 0;
  virtual Result<std::optional<Dataset>> get_dataset(int64_t project_id, const std::string& name) = 0;
  virtual Result<Dataset> update_dataset(int64_t project_id, const std::string& name,
                                         const std::string& description) = 0;
  // Removes the dataset with every version of its items.
  virtual Status delete_dataset(int64_t project_id, const std::string& name) = 0;
  // Applies the edits together as the dataset's next version (all or none; an id edited twice
  // is bad_request) and returns the dataset at that version.
  virtual Result<Dataset> edit_dataset_items(int64_t project_id, const std::string& name,
                                             const std::vector<DatasetItemEdit>& edits) = 0;
  // A page of the items of a version (not_found for a version the dataset never had).
  virtual Result<DatasetItemPage> list_dataset_items(int64_t project_id, const std::string& name,
                                                     const DatasetItemQuery& query) = 0;
  virtual Result<std::optional<DatasetItem>> get_dataset_item(int64_t project_id, const std::string& name,
                                                              const std::string& id,
                                                              std::optional<int64_t> version) = 0;

  // Experiment runs over a dataset (model/dataset_run.h), by id within a dataset; not_found names
  // a missing dataset, run or version. create: records the given dataset version (nullopt: the
  // current one) with its item count, fills id and times. put_dataset_run_results: every result
  // replaces the item's earlier one (all or none); conflict unless the run is running,
  // unprocessable for an item the run's version does not hold. finish: conflict unless running.
  virtual Result<DatasetRun> create_dataset_run(int64_t project_id, const DatasetRun& run,
                                                std::optional<int64_t> version) = 0;
  // Newest first.
  virtual Result<std::vector<DatasetRun>> list_dataset_runs(int64_t project_id, const std::string& dataset) = 0;
  // The running runs of every project, by project then oldest first (prompt runs resume them).
  virtual Result<std::vector<ProjectDatasetRun>> list_running_dataset_runs() = 0;
  virtual Result<std::optional<DatasetRun>> get_dataset_run(int64_t project_id, const std::string& dataset,
                                                            int64_t id) = 0;
  virtual Status put_dataset_run_results(int64_t project_id, const std::string& dataset, int64_t id,
                                         const std::vector<DatasetRunResult>& results) = 0;
  virtual Result<DatasetRun> finish_dataset_run(int64_t project_id, const std::string& dataset, int64_t id,
                                                const std::string& status, const std::optional<std::string>& summary) = 0;
  virtual Result<DatasetRunResultPage> list_dataset_run_results(int64_t project_id, const std::string& dataset,
                                                                int64_t id, const DatasetRunResultQuery& query) = 0;

  // LLM-as-judge evaluators (model/evaluator.h), by name within a project. create: conflict when
  // the name is taken; update and delete: not_found when it is not; delete: conflict while a rule
  // names it.
  virtual Result<Evaluator> create_evaluator(const Evaluator& e) = 0;
  virtual Result<Evaluator> update_evaluator(const Evaluator& e) = 0;
  virtual Status delete_evaluator(int64_t project_id, const std::string& name) = 0;
  virtual Result<std::vector<Evaluator>> list_evaluators(int64_t project_id) = 0;
  virtual Result<std::optional<Evaluator>> get_evaluator(int64_t project_id, const std::string& name) = 0;
  // Evaluation rules, by id within a project (every project's with none). Each change raises
  // eval_rule_revision(), which nodes poll to reload them; delete removes the rule's runs too.
  virtual Result<EvalRule> create_eval_rule(const EvalRule& r) = 0;
  virtual Result<EvalRule> update_eval_rule(const EvalRule& r) = 0;
  virtual Status delete_eval_rule(int64_t project_id, int64_t id) = 0;
  virtual Result<std::vector<EvalRule>> list_eval_rules(std::optional<int64_t> project_id) = 0;
  virtual Result<std::optional<EvalRule>> get_eval_rule(int64_t project_id, int64_t id) = 0;
  virtual Result<int64_t> eval_rule_revision() = 0;
  // A rule's runs: recorded together; read newest first, `limit` with an id below `before`.
  virtual Status add_eval_runs(const std::vector<EvalRun>& runs) = 0;
  virtual Result<EvalRunPage> list_eval_runs(int64_t rule_id, int limit, std::optional<int64_t> before) = 0;
  virtual Result<EvalRunTotals> eval_run_totals(int64_t rule_id) = 0;

  // Budgets (model/alert.h), by name within a project (every project's with none). create:
  // conflict when the name is taken; update and delete: not_found when it is not; delete removes
  // the budget's alerts too.
  virtual Result<Budget> create_budget(const Budget& b) = 0;
  virtual Result<Budget> update_budget(const Budget& b) = 0;
  virtual Status delete_budget(int64_t project_id, const std::string& name) = 0;
  virtual Result<std::vector<Budget>> list_budgets(std::optional<int64_t> project_id) = 0;
  virtual Result<std::optional<Budget>> get_budget(int64_t project_id, const std::string& name) = 0;
  // Records that the budget reached `level` (soft, hard) in the period starting at
  // `period_start_us`: true for the one caller, of any node, that recorded it first.
  virtual Result<bool> claim_budget_alert(int64_t budget_id, Micros period_start_us, const std::string& level,
                                          double spent_usd) = 0;

  // Monitors (model/monitor.h), by id within a project (every project's with none). create:
  // conflict when the name is taken; update writes the definition (name, metric, filter, window,
  // comparison, threshold, channels, paused), never the state: not_found when it is not stored,
  // conflict when the new name is taken; delete removes its transitions too.
  virtual Result<Monitor> create_monitor(const Monitor& m) = 0;
  virtual Result<Monitor> update_monitor(const Monitor& m) = 0;
  virtual Status delete_monitor(int64_t project_id, int64_t id) = 0;
  virtual Result<std::vector<Monitor>> list_monitors(std::optional<int64_t> project_id) = 0;
  virtual Result<std::optional<Monitor>> get_monitor(int64_t project_id, int64_t id) = 0;
  // The value of an evaluation at `at_us`.
  virtual Status record_monitor_value(int64_t id, double value, Micros at_us) = 0;
  // Moves the monitor from state `from` to `t.state` and adds `t` to its history, together: true
  // for the one caller, of any node, that made the change (false: its state is not `from` now).
  virtual Result<bool> transition_monitor(int64_t id, const std::string& from, const MonitorTransition& t) = 0;
  // Its transitions, newest first (`limit` of them).
  virtual Result<std::vector<MonitorTransition>> list_monitor_transitions(int64_t monitor_id, int limit) = 0;

  // Notification channels, by name within a project. create: conflict when the name is taken;
  // update (`name` is the stored name; the new name, url and secret come from `c`): not_found
  // when it is not stored, conflict when the new name is taken; delete: not_found when it is not
  // stored, and removes the channel's queued notifications and deliveries too.
  virtual Result<NotificationChannel> create_channel(const NotificationChannel& c) = 0;
  virtual Result<NotificationChannel> update_channel(const std::string& name, const NotificationChannel& c) = 0;
  virtual Status delete_channel(int64_t project_id, const std::string& name) = 0;
  virtual Result<std::vector<NotificationChannel>> list_channels(int64_t project_id) = 0;
  virtual Result<std::optional<NotificationChannel>> get_channel(int64_t project_id, const std::string& name) = 0;
  // A channel's delivery attempts: added one at a time, read newest first (`limit` of them).
  virtual Status add_delivery(const NotificationDelivery& d) = 0;
  virtual Result<std::vector<NotificationDelivery>> list_deliveries(int64_t channel_id, int limit) = 0;
  // The notification queue (QueuedNotification). queue: a pending notification, due at once.
  // claim: up to `limit` pending notifications due by `now_us` and held by no claim, soonest due
  // first, each now held until `until_us`; one caller of any node gets each. record: attempt `d`
  // of `q` and `q`'s new state, attempts and next attempt, its claim released, together (one
  // sent or given up leaves the queue: its deliveries are its history); not_found when `q` is
  // gone (its channel was deleted), recording nothing.
  virtual Result<int64_t> queue_notification(int64_t channel_id, const std::string& event, const std::string& body) = 0;
  virtual Result<std::vector<QueuedNotification>> claim_notifications(Micros now_us, Micros until_us, int limit) = 0;
  virtual Status record_notification_attempt(const QueuedNotification& q, const NotificationDelivery& d) = 0;
};

}  // namespace stacklens
