// SqliteMetaStore: evaluators, evaluation rules and their runs (meta_store.h).
#include <fmt/format.h>

#include "storage/eval_rows.h"
#include "storage/sqlite/sqlite_meta_store.h"

namespace stacklens::sqlite {
namespace {

constexpr const char* kEvaluatorColumns =
    "id, project_id, name, description, template, connection, model, output_type, min_value, max_value, categories, "
    "created_by, created_us, updated_us FROM evaluators";
constexpr const char* kRuleColumns =
    "id, project_id, name, evaluator, filter_name, filter_model, filter_tags, filter_attributes, sampling_rate, "
    "delay_seconds, paused, created_by, created_us, updated_us FROM eval_rules";

Evaluator evaluator_row(Stmt& r) {
  Evaluator e;
  e.id = r.i64(0);
  e.project_id = r.i64(1);
  e.name = r.text(2);
  e.description = r.text(3);
  e.template_text = r.text(4);
  e.connection = r.text(5);
  e.model = r.opt_text(6);
  e.output = judge_schema_of(r.text(7), r.f64(8), r.f64(9), r.text(10));
  e.created_by = r.text(11);
  e.created_us = r.i64(12);
  e.updated_us = r.i64(13);
  return e;
}

EvalRule rule_row(Stmt& r) {
  EvalRule e;
  e.id = r.i64(0);
  e.project_id = r.i64(1);
  e.name = r.text(2);
  e.evaluator = r.text(3);
  e.filter.name = r.opt_text(4);
  e.filter.model = r.opt_text(5);
  e.filter.tags = split_categories(r.text(6));
  e.filter.attributes = split_attribute_lines(r.text(7));
  e.sampling_rate = r.f64(8);
  e.delay_seconds = r.i64(9);
  e.paused = r.i64(10) != 0;
  e.created_by = r.text(11);
  e.created_us = r.i64(12);
  e.updated_us = r.i64(13);
  return e;
}

EvalRun run_row(Stmt& r) {
  EvalRun run;
  run.id = r.i64(0);
  run.rule_id = r.i64(1);
  run.status = r.text(2);
  run.trace_id = r.text(3);
  run.span_id = r.text(4);
  run.score_id = r.opt_text(5);
  run.error = r.opt_text(6);
  run.cost_usd = r.f64(7);
  run.judge_trace_id = r.opt_text(8);
  run.created_us = r.i64(9);
  run.spans = r.i64(10);
  return run;
}

Stmt& bind_evaluator(Stmt& s, const Evaluator& e) {
  return s.bind(1, e.project_id).bind(2, e.name).bind(3, e.description).bind(4, e.template_text)
      .bind(5, e.connection).bind(6, e.model).bind(7, score_type_name(e.output.type)).bind(8, e.output.min_value)
      .bind(9, e.output.max_value).bind(10, join_categories(e.output.categories));
}

Stmt& bind_rule(Stmt& s, const EvalRule& r) {
  return s.bind(1, r.project_id).bind(2, r.name).bind(3, r.evaluator).bind(4, r.filter.name).bind(5, r.filter.model)
      .bind(6, join_categories(r.filter.tags)).bind(7, join_attribute_lines(r.filter.attributes))
      .bind(8, r.sampling_rate).bind(9, r.delay_seconds).bind(10, int64_t{r.paused ? 1 : 0});
}

}  // namespace

Result<Evaluator> SqliteMetaStore::create_evaluator(const Evaluator& e) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare(
      "INSERT INTO evaluators(project_id, name, description, template, connection, model, output_type, min_value, "
      "max_value, categories, created_by, created_us, updated_us) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
      "?12, ?12)");
  if (!s) return s.error();
  Evaluator out = e;
  out.created_us = out.updated_us = now_micros();
  if (auto r = bind_evaluator((*s)->reset(), e).bind(11, e.created_by).bind(12, out.created_us).run(); !r) {
    if (r.error().code == ErrorCode::conflict) return evaluator_taken(e.name);
    return r.error();
  }
  out.id = db_->last_insert_rowid();
  return out;
}

Result<Evaluator> SqliteMetaStore::update_evaluator(const Evaluator& e) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare(
      "UPDATE evaluators SET description = ?3, template = ?4, connection = ?5, model = ?6, output_type = ?7, "
      "min_value = ?8, max_value = ?9, categories = ?10, updated_us = ?11 WHERE project_id = ?1 AND name = ?2");
  if (!s) return s.error();
  if (auto r = bind_evaluator((*s)->reset(), e).bind(11, now_micros()).run(); !r) return r.error();
  if (db_->changes() == 0) return evaluator_missing(e.name);
  auto get = db_->prepare(fmt::format("SELECT {} WHERE project_id = ?1 AND name = ?2", kEvaluatorColumns));
  if (!get) return get.error();
  auto rows = collect<Evaluator>((*get)->reset().bind(1, e.project_id).bind(2, e.name), evaluator_row);
  if (!rows) return rows.error();
  return rows->front();
}

Status SqliteMetaStore::delete_evaluator(int64_t project_id, const std::string& name) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  if (!tx.begin_status()) return tx.begin_status();
  auto users = db_->prepare("SELECT name FROM eval_rules WHERE project_id = ?1 AND evaluator = ?2 ORDER BY name");
  if (!users) return users.error();
  auto rules = collect<std::string>((*users)->reset().bind(1, project_id).bind(2, name),
                                    [](Stmt& r) { return r.text(0); });
  if (!rules) return rules.error();
  if (!rules->empty()) return evaluator_in_use(name, *rules);
  auto s = db_->prepare("DELETE FROM evaluators WHERE project_id = ?1 AND name = ?2");
  if (!s) return s.error();
  if (auto r = (*s)->reset().bind(1, project_id).bind(2, name).run(); !r) return r;
  if (db_->changes() == 0) return evaluator_missing(name);
  return tx.commit();
}

Result<std::vector<Evaluator>> SqliteMetaStore::list_evaluators(int64_t project_id) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare(fmt::format("SELECT {} WHERE project_id = ?1 ORDER BY name", kEvaluatorColumns));
  if (!s) return s.error();
  return collect<Evaluator>((*s)->reset().bind(1, project_id), evaluator_row);
}

Result<std::optional<Evaluator>> SqliteMetaStore::get_evaluator(int64_t project_id, const std::string& name) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare(fmt::format("SELECT {} WHERE project_id = ?1 AND name = ?2", kEvaluatorColumns));
  if (!s) return s.error();
  auto rows = collect<Evaluator>((*s)->reset().bind(1, project_id).bind(2, name), evaluator_row);
  if (!rows) return rows.error();
  if (rows->empty()) return std::optional<Evaluator>();
  return std::optional<Evaluator>(rows->front());
}

Result<EvalRule> SqliteMetaStore::create_eval_rule(const EvalRule& rule) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  if (!tx.begin_status()) return tx.begin_status().error();
  auto s = db_->prepare(
      "INSERT INTO eval_rules(project_id, name, evaluator, filter_name, filter_model, filter_tags, filter_attributes, "
      "sampling_rate, delay_seconds, paused, created_by, created_us, updated_us) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, "
      "?8, ?9, ?10, ?11, ?12, ?12)");
  if (!s) return s.error();
  EvalRule out = rule;
  out.created_us = out.updated_us = now_micros();
  if (auto r = bind_rule((*s)->reset(), rule).bind(11, rule.created_by).bind(12, out.created_us).run(); !r) {
    if (r.error().code == ErrorCode::conflict) return eval_rule_taken(rule.name);
    return r.error();
  }
  out.id = db_->last_insert_rowid();
  if (auto st = db_->exec("UPDATE eval_rule_revision SET revision = revision + 1"); !st) return st.error();
  if (auto st = tx.commit(); !st) return st.error();
  return out;
}

Result<EvalRule> SqliteMetaStore::update_eval_rule(const EvalRule& rule) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  if (!tx.begin_status()) return tx.begin_status().error();
  auto s = db_->prepare(
      "UPDATE eval_rules SET name = ?2, evaluator = ?3, filter_name = ?4, filter_model = ?5, filter_tags = ?6, "
      "filter_attributes = ?7, sampling_rate = ?8, delay_seconds = ?9, paused = ?10, updated_us = ?11 "
      "WHERE project_id = ?1 AND id = ?12");
  if (!s) return s.error();
  if (auto r = bind_rule((*s)->reset(), rule).bind(11, now_micros()).bind(12, rule.id).run(); !r) {
    if (r.error().code == ErrorCode::conflict) return eval_rule_taken(rule.name);
    return r.error();
  }
  if (db_->changes() == 0) return eval_rule_missing(rule.id);
  if (auto st = db_->exec("UPDATE eval_rule_revision SET revision = revision + 1"); !st) return st.error();
  auto get = db_->prepare(fmt::format("SELECT {} WHERE project_id = ?1 AND id = ?2", kRuleColumns));
  if (!get) return get.error();
  auto rows = collect<EvalRule>((*get)->reset().bind(1, rule.project_id).bind(2, rule.id), rule_row);
  if (!rows) return rows.error();
  if (auto st = tx.commit(); !st) return st.error();
  return rows->front();
}

Status SqliteMetaStore::delete_eval_rule(int64_t project_id, int64_t id) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  if (!tx.begin_status()) return tx.begin_status();
  auto runs = db_->prepare(
      "DELETE FROM eval_rule_runs WHERE rule_id IN (SELECT id FROM eval_rules WHERE project_id = ?1 AND id = ?2)");
  if (!runs) return runs.error();
  if (auto r = (*runs)->reset().bind(1, project_id).bind(2, id).run(); !r) return r;
  auto s = db_->prepare("DELETE FROM eval_rules WHERE project_id = ?1 AND id = ?2");
  if (!s) return s.error();
  if (auto r = (*s)->reset().bind(1, project_id).bind(2, id).run(); !r) return r;
  if (db_->changes() == 0) return eval_rule_missing(id);
  if (auto st = db_->exec("UPDATE eval_rule_revision SET revision = revision + 1"); !st) return st;
  return tx.commit();
}

Result<std::vector<EvalRule>> SqliteMetaStore::list_eval_rules(std::optional<int64_t> project_id) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare(fmt::format("SELECT {} WHERE ?1 IS NULL OR project_id = ?1 ORDER BY project_id, id", kRuleColumns));
  if (!s) return s.error();
  return collect<EvalRule>((*s)->reset().bind(1, project_id), rule_row);
}

Result<std::optional<EvalRule>> SqliteMetaStore::get_eval_rule(int64_t project_id, int64_t id) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare(fmt::format("SELECT {} WHERE project_id = ?1 AND id = ?2", kRuleColumns));
  if (!s) return s.error();
  auto rows = collect<EvalRule>((*s)->reset().bind(1, project_id).bind(2, id), rule_row);
  if (!rows) return rows.error();
  if (rows->empty()) return std::optional<EvalRule>();
  return std::optional<EvalRule>(rows->front());
}

Result<int64_t> SqliteMetaStore::eval_rule_revision() {
  std::lock_guard lock(mu_);
  return db_->query_int("SELECT revision FROM eval_rule_revision");
}

Status SqliteMetaStore::add_eval_runs(const std::vector<EvalRun>& runs) {
  if (runs.empty()) return ok_status();
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  if (!tx.begin_status()) return tx.begin_status();
  auto s = db_->prepare(
      "INSERT INTO eval_rule_runs(rule_id, status, trace_id, span_id, score_id, error, cost_usd, judge_trace_id, "
      "created_us, spans) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
  if (!s) return s.error();
  for (const EvalRun& run : runs)
    if (auto r = (*s)->reset().bind(1, run.rule_id).bind(2, run.status).bind(3, run.trace_id).bind(4, run.span_id)
                     .bind(5, run.score_id).bind(6, run.error).bind(7, run.cost_usd).bind(8, run.judge_trace_id)
                     .bind(9, run.created_us).bind(10, run.spans).run();
        !r)
      return r;
  return tx.commit();
}

Result<EvalRunPage> SqliteMetaStore::list_eval_runs(int64_t rule_id, int limit, std::optional<int64_t> before) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare(
      "SELECT id, rule_id, status, trace_id, span_id, score_id, error, cost_usd, judge_trace_id, created_us, spans "
      "FROM eval_rule_runs WHERE rule_id = ?1 AND (?2 IS NULL OR id < ?2) ORDER BY id DESC LIMIT ?3");
  if (!s) return s.error();
  auto rows = collect<EvalRun>((*s)->reset().bind(1, rule_id).bind(2, before).bind(3, int64_t{limit} + 1), run_row);
  if (!rows) return rows.error();
  return eval_run_page(std::move(*rows), limit);
}

Result<EvalRunTotals> SqliteMetaStore::eval_run_totals(int64_t rule_id) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare(
      "SELECT status, total(spans), total(cost_usd) FROM eval_rule_runs WHERE rule_id = ?1 GROUP BY status");
  if (!s) return s.error();
  EvalRunTotals t;
  auto rows = collect<int>((*s)->reset().bind(1, rule_id), [&t](Stmt& r) {
    add_eval_run_totals(t, r.text(0), static_cast<int64_t>(r.f64(1)), r.f64(2));
    return 0;
  });
  if (!rows) return rows.error();
  return t;
}

}  // namespace stacklens::sqlite
