#pragma once
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "storage/meta_store.h"
#include "storage/sqlite/sqlite_db.h"

namespace stacklens::sqlite {

// meta.db: small, read-mostly; one connection behind a mutex. Other processes
// (the admin subcommands) write to the same file; WAL and the busy timeout
// let them do so while the server runs. The one thing cached is the API-key
// lookup every ingest request makes, and only while nothing at all has been
// committed to meta.db since (by any connection of any process: SQLite's
// data_version), so a revoked key is refused on its next request.
class SqliteMetaStore final : public MetaStore, public MetaRows {
 public:
  static Result<std::unique_ptr<SqliteMetaStore>> open(const std::string& path);

  Result<bool> is_empty() override;
  Result<std::optional<ApiKeyInfo>> bootstrap(const BootstrapSeed& seed) override;
  Status check_ready() override { return ok_status(); }  // a file of this machine: as ready as spans.db
  MetaRows& table_rows() override { return *this; }
  // MetaRows (the meta_rows file)
  Result<std::vector<std::string>> columns(std::string_view table) override;
  Status read_rows(std::string_view table, const std::vector<std::string>& columns,
                   const std::function<Status(CellRow&&)>& each) override;
  Result<int64_t> insert_rows(std::string_view table, const std::vector<std::string>& columns,
                              const std::vector<CellRow>& rows) override;
  Status rows_inserted() override;
  Result<Project> create_project(const std::string& name) override;
  Result<std::optional<Project>> find_project(const std::string& name) override;
  Result<std::vector<Project>> list_projects() override;
  Status set_retention(int64_t project_id, std::optional<int> days) override;

  Result<User> create_user(const std::string& email, const std::string& password_hash) override;
  Status set_password(const std::string& email, const std::string& password_hash) override;
  Status set_role(int64_t user_id, int64_t project_id, Role role) override;
  Result<std::vector<User>> list_users() override;
  Result<std::optional<UserCredentials>> find_user(const std::string& email) override;
  Result<std::vector<Membership>> memberships_of(int64_t user_id) override;
  Result<std::vector<Membership>> members_of(int64_t project_id) override;
  Status remove_member(const std::string& email, int64_t project_id) override;
  Result<Session> create_session(int64_t user_id, const std::string& token_hash, const std::string& csrf_token,
                                 Micros expires_us) override;
  Result<std::optional<Session>> find_session(const std::string& token_hash, Micros now) override;
  Status delete_session(const std::string& token_hash) override;
  Result<LoginFailures> login_failures(const std::string& email) override;
  Result<LoginFailures> record_login_failure(const std::string& email, Micros now,
                                             Micros (*lock_until)(int64_t failures, Micros now)) override;
  Status clear_login_failures(const std::string& email) override;

  Result<ApiKeyInfo> create_key(int64_t project_id, const std::string& name, const std::string& prefix,
                                const std::string& hash, ScopeSet scopes) override;
  Result<std::optional<KeyLookup>> find_key_by_hash(const std::string& hash) override;
  Status touch_key(int64_t key_id, Micros when) override;
  Result<std::vector<ApiKeyInfo>> list_keys(std::optional<int64_t> project_id) override;
  Result<ApiKeyInfo> revoke_key(const std::string& id_or_prefix, std::optional<int64_t> project_id) override;

  Result<Prompt> create_prompt(int64_t project_id, const std::string& name, const std::string& description,
                               const std::string& content, const std::string& actor) override;
  Result<std::vector<Prompt>> list_prompts(int64_t project_id) override;
  Result<std::optional<Prompt>> get_prompt(int64_t project_id, const std::string& name) override;
  Result<PromptVersion> add_version(int64_t project_id, const std::string& name, const std::string& content,
                                    const std::string& message, const std::string& actor) override;
  Result<std::vector<PromptVersion>> list_versions(int64_t project_id, const std::string& name) override;
  Result<std::optional<PromptVersion>> get_version(int64_t project_id, const std::string& name,
                                                   int64_t version) override;
  Result<EnvironmentState> promote(int64_t project_id, const std::string& name, const std::string& env,
                                   int64_t version, const std::string& actor) override;
  Result<EnvironmentState> rollback(int64_t project_id, const std::string& name, const std::string& env,
                                    const std::string& actor) override;
  Result<std::vector<Promotion>> list_promotions(int64_t project_id, const std::string& name) override;
  Result<PromptVersion> active_version(int64_t project_id, const std::string& name, const std::string& env) override;
  Result<std::vector<EnvironmentProtection>> list_environment_protection(int64_t project_id) override;
  Result<EnvironmentProtection> set_environment_protection(int64_t project_id, const std::string& env,
                                                           bool is_protected, const std::string& actor) override;
  Result<PromotionRequest> create_promotion_request(int64_t project_id, const std::string& name,
                                                    const std::string& env, int64_t version,
                                                    const std::optional<std::string>& comment,
                                                    const std::string& actor) override;
  Result<std::vector<PromotionRequest>> list_promotion_requests(int64_t project_id,
                                                                const std::optional<std::string>& name,
                                                                const std::optional<std::string>& status) override;
  Result<std::optional<PromotionRequest>> get_promotion_request(int64_t project_id, const std::string& name,
                                                                int64_t id) override;
  Result<PromotionRequest> decide_promotion_request(int64_t project_id, const std::string& name, int64_t id,
                                                    Decision decision, const std::optional<std::string>& comment,
                                                    const std::string& actor) override;
  Result<Experiment> create_experiment(int64_t project_id, const Experiment& experiment) override;
  Result<std::vector<Experiment>> list_experiments(int64_t project_id, const std::string& name) override;
  Result<std::optional<Experiment>> get_experiment(int64_t project_id, const std::string& name, int64_t id) override;
  Result<std::optional<Experiment>> running_experiment(int64_t project_id, const std::string& name,
                                                       const std::string& env) override;
  Result<Experiment> end_experiment(int64_t project_id, const std::string& name, int64_t id, int64_t chosen_version,
                                    const std::string& actor) override;
  Result<ModelConnection> create_connection(const ModelConnection& c) override;
  Result<ModelConnection> update_connection(const ModelConnection& c) override;
  Status delete_connection(int64_t project_id, const std::string& name) override;
  Result<std::vector<ModelConnection>> list_connections(int64_t project_id) override;
  Result<std::optional<ModelConnection>> get_connection(int64_t project_id, const std::string& name) override;
  Result<ConnectionUsage> add_connection_usage(int64_t connection_id, const std::string& month,
                                               double cost_usd) override;
  Result<ConnectionUsage> connection_usage(int64_t connection_id, const std::string& month) override;
  Result<ScoreConfig> create_score_config(int64_t project_id, const ScoreConfig& config) override;
  Result<ScoreConfig> update_score_config(int64_t project_id, const ScoreConfig& config) override;
  Status delete_score_config(int64_t project_id, const std::string& name) override;
  Result<std::vector<ScoreConfig>> list_score_configs(int64_t project_id) override;
  Result<ModelPrice> create_model_price(const ModelPrice& price) override;
  Result<ModelPrice> update_model_price(const ModelPrice& price) override;
  Status delete_model_price(int64_t project_id, int64_t id) override;
  Result<std::vector<ModelPrice>> list_model_prices(std::optional<int64_t> project_id) override;
  Result<int64_t> model_price_revision() override;
  Result<CostRecompute> create_cost_recompute(const CostRecompute& job) override;
  Status update_cost_recompute(const CostRecompute& job) override;
  Result<std::optional<CostRecompute>> get_cost_recompute(int64_t project_id, int64_t id) override;
  Result<std::vector<CostRecompute>> list_cost_recomputes(int64_t project_id, int limit) override;
  Status append_audit(std::vector<AuditEntry> entries) override;
  Result<std::vector<AuditEntry>> list_audit(const AuditFilter& filter) override;
  Result<std::vector<AuditEntry>> audit_chain(int64_t after_id, int limit) override;
  Result<std::optional<AuditEntry>> last_audit_entry() override;
  Result<std::vector<AuditCount>> audit_counts(int64_t project_id, Micros from_us, Micros to_us,
                                               Micros bucket_us) override;
  Status add_audit_checkpoint(const AuditCheckpoint& checkpoint) override;
  Result<std::vector<AuditCheckpoint>> list_audit_checkpoints() override;
  Result<TransparencyInfo> get_transparency(int64_t project_id) override;
  Result<TransparencyInfo> put_transparency(const TransparencyInfo& info) override;
  Result<std::vector<GovernaiPolicy>> list_governai_policies(std::optional<int64_t> project_id) override;
  Status set_governai_policies(int64_t project_id, const std::vector<GovernaiPolicy>& set,
                               const std::vector<std::string>& reset) override;
  Result<int64_t> governai_policy_revision() override;
  Result<Dataset> create_dataset(int64_t project_id, const Dataset& dataset) override;
  Result<std::vector<Dataset>> list_datasets(int64_t project_id) override;
  Result<std::optional<Dataset>> get_dataset(int64_t project_id, const std::string& name) override;
  Result<Dataset> update_dataset(int64_t project_id, const std::string& name, const std::string& description) override;
  Status delete_dataset(int64_t project_id, const std::string& name) override;
  Result<Dataset> edit_dataset_items(int64_t project_id, const std::string& name,
                                     const std::vector<DatasetItemEdit>& edits) override;
  Result<DatasetItemPage> list_dataset_items(int64_t project_id, const std::string& name,
                                             const DatasetItemQuery& query) override;
  Result<std::optional<DatasetItem>> get_dataset_item(int64_t project_id, const std::string& name,
                                                      const std::string& id, std::optional<int64_t> version) override;
  Result<DatasetRun> create_dataset_run(int64_t project_id, const DatasetRun& run,
                                        std::optional<int64_t> version) override;
  Result<std::vector<DatasetRun>> list_dataset_runs(int64_t project_id, const std::string& dataset) override;
  Result<std::vector<ProjectDatasetRun>> list_running_dataset_runs() override;
  Result<std::optional<DatasetRun>> get_dataset_run(int64_t project_id, const std::string& dataset,
                                                    int64_t id) override;
  Status put_dataset_run_results(int64_t project_id, const std::string& dataset, int64_t id,
                                 const std::vector<DatasetRunResult>& results) override;
  Result<DatasetRun> finish_dataset_run(int64_t project_id, const std::string& dataset, int64_t id,
                                        const std::string& status, const std::optional<std::string>& summary) override;
  Result<DatasetRunResultPage> list_dataset_run_results(int64_t project_id, const std::string& dataset, int64_t id,
                                                        const DatasetRunResultQuery& query) override;

  Result<Evaluator> create_evaluator(const Evaluator& e) override;
  Result<Evaluator> update_evaluator(const Evaluator& e) override;
  Status delete_evaluator(int64_t project_id, const std::string& name) override;
  Result<std::vector<Evaluator>> list_evaluators(int64_t project_id) override;
  Result<std::optional<Evaluator>> get_evaluator(int64_t project_id, const std::string& name) override;
  Result<EvalRule> create_eval_rule(const EvalRule& r) override;
  Result<EvalRule> update_eval_rule(const EvalRule& r) override;
  Status delete_eval_rule(int64_t project_id, int64_t id) override;
  Result<std::vector<EvalRule>> list_eval_rules(std::optional<int64_t> project_id) override;
  Result<std::optional<EvalRule>> get_eval_rule(int64_t project_id, int64_t id) override;
  Result<int64_t> eval_rule_revision() override;
  Status add_eval_runs(const std::vector<EvalRun>& runs) override;
  Result<EvalRunPage> list_eval_runs(int64_t rule_id, int limit, std::optional<int64_t> before) override;
  Result<EvalRunTotals> eval_run_totals(int64_t rule_id) override;

  Result<Budget> create_budget(const Budget& b) override;
  Result<Budget> update_budget(const Budget& b) override;
  Status delete_budget(int64_t project_id, const std::string& name) override;
  Result<std::vector<Budget>> list_budgets(std::optional<int64_t> project_id) override;
  Result<std::optional<Budget>> get_budget(int64_t project_id, const std::string& name) override;
  Result<bool> claim_budget_alert(int64_t budget_id, Micros period_start_us, const std::string& level,
                                  double spent_usd) override;
  Result<Monitor> create_monitor(const Monitor& m) override;
  Result<Monitor> update_monitor(const Monitor& m) override;
  Status delete_monitor(int64_t project_id, int64_t id) override;
  Result<std::vector<Monitor>> list_monitors(std::optional<int64_t> project_id) override;
  Result<std::optional<Monitor>> get_monitor(int64_t project_id, int64_t id) override;
  Status record_monitor_value(int64_t id, double value, Micros at_us) override;
  Result<bool> transition_monitor(int64_t id, const std::string& from, const MonitorTransition& t) override;
  Result<std::vector<MonitorTransition>> list_monitor_transitions(int64_t monitor_id, int limit) override;
  Result<NotificationChannel> create_channel(const NotificationChannel& c) override;
  Result<NotificationChannel> update_channel(const std::string& name, const NotificationChannel& c) override;
  Status delete_channel(int64_t project_id, const std::string& name) override;
  Result<std::vector<NotificationChannel>> list_channels(int64_t project_id) override;
  Result<std::optional<NotificationChannel>> get_channel(int64_t project_id, const std::string& name) override;
  Status add_delivery(const NotificationDelivery& d) override;
  Result<std::vector<NotificationDelivery>> list_deliveries(int64_t channel_id, int limit) override;
  Result<int64_t> queue_notification(int64_t channel_id, const std::string& event, const std::string& body) override;
  Result<std::vector<QueuedNotification>> claim_notifications(Micros now_us, Micros until_us, int limit) override;
  Status record_notification_attempt(const QueuedNotification& q, const NotificationDelivery& d) override;

 private:
  SqliteMetaStore(std::unique_ptr<Db> db, std::unique_ptr<Db> watcher)
      : db_(std::move(db)), watcher_(std::move(watcher)) {}
  Result<int64_t> prompt_id(int64_t project_id, const std::string& name);  // not_found when absent
  // not_found naming the prompt (`name`) unless it has the version.
  Status version_exists(int64_t prompt_id, const std::string& name, int64_t version);
  Result<std::vector<ApiKeyInfo>> query_keys(const std::string& where, const std::vector<std::string>& args);
  Result<std::vector<Membership>> query_memberships(const std::string& where, int64_t arg);
  Result<std::optional<Prompt>> get_prompt_locked(int64_t project_id, const std::string& name);
  Result<std::vector<ExperimentVariant>> experiment_variants(int64_t experiment_id, bool with_content);
  // The prompt's experiments, newest first, narrowed by `where` (which may name ?3, bound to `arg`).
  Result<std::vector<Experiment>> query_experiments(const std::string& where, int64_t project_id,
                                                    const std::string& name, const std::optional<std::string>& arg,
                                                    bool with_content);

  std::mutex mu_;
  std::unique_ptr<Db> db_;
  // API keys found by hash, valid while watcher_'s data_version is keys_version_. watcher_ is a
  // connection that does nothing else, so its data_version moves with every commit to meta.db,
  // this process's own included.
  std::mutex keys_mu_;
  std::unique_ptr<Db> watcher_;
  int64_t keys_version_ = -1;
  std::unordered_map<std::string, KeyLookup> keys_by_hash_;
};

}  // namespace stacklens::sqlite
