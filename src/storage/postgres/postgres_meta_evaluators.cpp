// PostgresMetaStore: evaluators, evaluation rules and their runs (meta_store.h).
#include <fmt/format.h>

#include <cstdlib>

#include "storage/eval_rows.h"
#include "storage/postgres/meta_statements.h"
#include "storage/postgres/postgres_meta_store.h"

namespace stacklens::postgres {
namespace {

double real(const PgResult& r, int i, int col) { return std::strtod(r.text(i, col).c_str(), nullptr); }
std::optional<std::string> opt_text(const PgResult& r, int i, int col) {
  return r.is_null(i, col) ? std::nullopt : std::optional<std::string>(r.text(i, col));
}
// Doubles travel as text, in the shortest form that reads back as the same double.
Param real_param(double v) { return fmt::format("{}", v); }

Evaluator read_evaluator(const PgResult& r, int i) {
  Evaluator e;
  e.id = r.i64(i, 0);
  e.project_id = r.i64(i, 1);
  e.name = r.text(i, 2);
  e.description = r.text(i, 3);
  e.template_text = r.text(i, 4);
  e.connection = r.text(i, 5);
  e.model = opt_text(r, i, 6);
  e.output = judge_schema_of(r.text(i, 7), real(r, i, 8), real(r, i, 9), r.text(i, 10));
  e.created_by = r.text(i, 11);
  e.created_us = r.i64(i, 12);
  e.updated_us = r.i64(i, 13);
  return e;
}

EvalRule read_rule(const PgResult& r, int i) {
  EvalRule e;
  e.id = r.i64(i, 0);
  e.project_id = r.i64(i, 1);
  e.name = r.text(i, 2);
  e.evaluator = r.text(i, 3);
  e.filter.name = opt_text(r, i, 4);
  e.filter.model = opt_text(r, i, 5);
  e.filter.tags = split_categories(r.text(i, 6));
  e.filter.attributes = split_attribute_lines(r.text(i, 7));
  e.sampling_rate = real(r, i, 8);
  e.delay_seconds = r.i64(i, 9);
  e.paused = r.i64(i, 10) != 0;
  e.created_by = r.text(i, 11);
  e.created_us = r.i64(i, 12);
  e.updated_us = r.i64(i, 13);
  return e;
}

EvalRun read_run(const PgResult& r, int i) {
  EvalRun run;
  run.id = r.i64(i, 0);
  run.rule_id = r.i64(i, 1);
  run.status = r.text(i, 2);
  run.trace_id = r.text(i, 3);
  run.span_id = r.text(i, 4);
  run.score_id = opt_text(r, i, 5);
  run.error = opt_text(r, i, 6);
  run.cost_usd = real(r, i, 7);
  run.judge_trace_id = opt_text(r, i, 8);
  run.created_us = r.i64(i, 9);
  run.spans = r.i64(i, 10);
  return run;
}

std::vector<Param> evaluator_params(const Evaluator& e) {
  return {param(e.project_id), param(e.name), param(e.description), param(e.template_text), param(e.connection),
          e.model, param(score_type_name(e.output.type)), real_param(e.output.min_value),
          real_param(e.output.max_value), param(join_categories(e.output.categories))};
}

std::vector<Param> rule_params(const EvalRule& r) {
  return {param(r.project_id), param(r.name), param(r.evaluator), r.filter.name, r.filter.model,
          param(join_categories(r.filter.tags)), param(join_attribute_lines(r.filter.attributes)),
          real_param(r.sampling_rate), param(r.delay_seconds), param(int64_t{r.paused ? 1 : 0})};
}

}  // namespace

Result<Evaluator> PostgresMetaStore::create_evaluator(const Evaluator& e) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  Evaluator out = e;
  out.created_us = out.updated_us = now_micros();
  auto params = evaluator_params(e);
  params.push_back(param(e.created_by));
  params.push_back(param(out.created_us));
  auto r = (*lease)->run_params(sql::kCreateEvaluator, params);
  if (!r) {
    if (r.error().code == ErrorCode::conflict) return evaluator_taken(e.name);
    return r.error();
  }
  out.id = r->i64(0, 0);
  return out;
}

Result<Evaluator> PostgresMetaStore::update_evaluator(const Evaluator& e) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  auto params = evaluator_params(e);
  params.push_back(param(now_micros()));
  auto r = (*lease)->run_params(sql::kUpdateEvaluator, params);
  if (!r) return r.error();
  if (r->empty()) return evaluator_missing(e.name);
  return read_evaluator(*r, 0);
}

Status PostgresMetaStore::delete_evaluator(int64_t project_id, const std::string& name) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  PgConn& conn = **lease;
  PgTransaction tx(conn);
  if (!tx.begin_status()) return tx.begin_status();
  auto users = conn.run(sql::kRulesOfEvaluator, project_id, name);
  if (!users) return users.error();
  if (!users->empty()) {
    std::vector<std::string> rules;
    for (int i = 0; i < users->rows(); ++i) rules.push_back(users->text(i, 0));
    return evaluator_in_use(name, rules);
  }
  auto r = conn.run(sql::kDeleteEvaluator, project_id, name);
  if (!r) return r.error();
  if (r->empty()) return evaluator_missing(name);
  return tx.commit();
}

Result<std::vector<Evaluator>> PostgresMetaStore::list_evaluators(int64_t project_id) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  auto r = (*lease)->run(sql::kListEvaluators, project_id);
  if (!r) return r.error();
  std::vector<Evaluator> out;
  for (int i = 0; i < r->rows(); ++i) out.push_back(read_evaluator(*r, i));
  return out;
}

Result<std::optional<Evaluator>> PostgresMetaStore::get_evaluator(int64_t project_id, const std::string& name) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  auto r = (*lease)->run(sql::kGetEvaluator, project_id, name);
  if (!r) return r.error();
  if (r->empty()) return std::optional<Evaluator>();
  return std::optional<Evaluator>(read_evaluator(*r, 0));
}

Result<EvalRule> PostgresMetaStore::create_eval_rule(const EvalRule& rule) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  PgConn& conn = **lease;
  PgTransaction tx(conn);
  if (!tx.begin_status()) return tx.begin_status().error();
  EvalRule out = rule;
  out.created_us = out.updated_us = now_micros();
  auto params = rule_params(rule);
  params.push_back(param(rule.created_by));
  params.push_back(param(out.created_us));
  auto r = conn.run_params(sql::kCreateEvalRule, params);
  if (!r) {
    if (r.error().code == ErrorCode::conflict) return eval_rule_taken(rule.name);
    return r.error();
  }
  out.id = r->i64(0, 0);
  if (auto b = conn.run(sql::kBumpEvalRuleRevision); !b) return b.error();
  if (auto st = tx.commit(); !st) return st.error();
  return out;
}

Result<EvalRule> PostgresMetaStore::update_eval_rule(const EvalRule& rule) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  PgConn& conn = **lease;
  PgTransaction tx(conn);
  if (!tx.begin_status()) return tx.begin_status().error();
  auto params = rule_params(rule);
  params.push_back(param(now_micros()));
  params.push_back(param(rule.id));
  auto r = conn.run_params(sql::kUpdateEvalRule, params);
  if (!r) {
    if (r.error().code == ErrorCode::conflict) return eval_rule_taken(rule.name);
    return r.error();
  }
  if (r->empty()) return eval_rule_missing(rule.id);
  if (auto b = conn.run(sql::kBumpEvalRuleRevision); !b) return b.error();
  if (auto st = tx.commit(); !st) return st.error();
  return read_rule(*r, 0);
}

Status PostgresMetaStore::delete_eval_rule(int64_t project_id, int64_t id) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  PgConn& conn = **lease;
  PgTransaction tx(conn);
  if (!tx.begin_status()) return tx.begin_status();
  if (auto r = conn.run(sql::kDeleteEvalRuns, project_id, id); !r) return r.error();
  auto r = conn.run(sql::kDeleteEvalRule, project_id, id);
  if (!r) return r.error();
  if (r->empty()) return eval_rule_missing(id);
  if (auto b = conn.run(sql::kBumpEvalRuleRevision); !b) return b.error();
  return tx.commit();
}

Result<std::vector<EvalRule>> PostgresMetaStore::list_eval_rules(std::optional<int64_t> project_id) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  auto r = (*lease)->run(sql::kListEvalRules, project_id);
  if (!r) return r.error();
  std::vector<EvalRule> out;
  for (int i = 0; i < r->rows(); ++i) out.push_back(read_rule(*r, i));
  return out;
}

Result<std::optional<EvalRule>> PostgresMetaStore::get_eval_rule(int64_t project_id, int64_t id) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  auto r = (*lease)->run(sql::kGetEvalRule, project_id, id);
  if (!r) return r.error();
  if (r->empty()) return std::optional<EvalRule>();
  return std::optional<EvalRule>(read_rule(*r, 0));
}

Result<int64_t> PostgresMetaStore::eval_rule_revision() {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  auto r = (*lease)->run(sql::kEvalRuleRevision);
  if (!r) return r.error();
  return r->i64(0, 0);
}

Status PostgresMetaStore::add_eval_runs(const std::vector<EvalRun>& runs) {
  if (runs.empty()) return ok_status();
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  PgConn& conn = **lease;
  PgTransaction tx(conn);
  if (!tx.begin_status()) return tx.begin_status();
  for (const EvalRun& run : runs)
    if (auto r = conn.run(sql::kAddEvalRun, run.rule_id, run.status, run.trace_id, run.span_id, run.score_id,
                          run.error, real_param(run.cost_usd), run.judge_trace_id, run.created_us, run.spans);
        !r)
      return r.error();
  return tx.commit();
}

Result<EvalRunPage> PostgresMetaStore::list_eval_runs(int64_t rule_id, int limit, std::optional<int64_t> before) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  auto r = (*lease)->run(sql::kListEvalRuns, rule_id, before, int64_t{limit} + 1);
  if (!r) return r.error();
  std::vector<EvalRun> rows;
  for (int i = 0; i < r->rows(); ++i) rows.push_back(read_run(*r, i));
  return eval_run_page(std::move(rows), limit);
}

Result<EvalRunTotals> PostgresMetaStore::eval_run_totals(int64_t rule_id) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  auto r = (*lease)->run(sql::kEvalRunTotals, rule_id);
  if (!r) return r.error();
  EvalRunTotals t;
  for (int i = 0; i < r->rows(); ++i) add_eval_run_totals(t, r->text(i, 0), r->i64(i, 1), real(*r, i, 2));
  return t;
}

}  // namespace stacklens::postgres
