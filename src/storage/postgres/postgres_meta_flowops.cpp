// PostgresMetaStore: FlowOps' approval gates and experiments (meta_store.h).
#include <fmt/format.h>

#include "storage/postgres/meta_statements.h"
#include "storage/postgres/postgres_meta_store.h"

namespace stacklens::postgres {
namespace {

std::optional<std::string> opt_text(const PgResult& r, int row, int col) {
  if (r.is_null(row, col)) return std::nullopt;
  return r.text(row, col);
}

PromotionRequest read_request(const PgResult& r, int i) {
  return PromotionRequest{r.i64(i, 0),         r.text(i, 1),         r.text(i, 2),        r.i64(i, 3),
                          r.text(i, 4),        r.text(i, 5),         r.i64(i, 6),         opt_text(r, i, 7),
                          opt_text(r, i, 8),   r.opt_i64(i, 9),      opt_text(r, i, 10)};
}

Experiment read_experiment(const PgResult& r, int i) {
  Experiment e;
  e.id = r.i64(i, 0);
  e.prompt = r.text(i, 1);
  e.env = r.text(i, 2);
  e.name = r.text(i, 3);
  e.status = r.text(i, 4);
  e.started_by = r.text(i, 5);
  e.started_us = r.i64(i, 6);
  e.ended_by = opt_text(r, i, 7);
  e.ended_us = r.opt_i64(i, 8);
  e.chosen_version = r.opt_i64(i, 9);
  return e;
}

// The experiments of a result, each with its variants.
Result<std::vector<Experiment>> with_variants(PgConn& conn, const PgResult& r, bool with_content) {
  std::vector<Experiment> out;
  for (int i = 0; i < r.rows(); ++i) {
    Experiment e = read_experiment(r, i);
    auto v = conn.run(sql::kExperimentVariants, e.id, std::string(with_content ? "true" : "false"));
    if (!v) return v.error();
    for (int j = 0; j < v->rows(); ++j)
      e.variants.push_back(ExperimentVariant{v->text(j, 0), v->i64(j, 1), v->i64(j, 2), v->text(j, 3)});
    out.push_back(std::move(e));
  }
  return out;
}

Status version_exists(PgConn& conn, int64_t prompt, const std::string& name, int64_t version) {
  auto r = conn.run(sql::kGetVersion, prompt, version);
  if (!r) return r.error();
  if (r->empty()) return make_error(ErrorCode::not_found, fmt::format("prompt '{}' has no version {}", name, version));
  return ok_status();
}

}  // namespace

Result<std::vector<EnvironmentProtection>> PostgresMetaStore::list_environment_protection(int64_t project_id) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  auto r = (*lease)->run(sql::kListProtection, project_id);
  if (!r) return r.error();
  std::vector<EnvironmentProtection> out;
  for (auto env : kEnvironments) {
    EnvironmentProtection e{std::string(env), false, "", 0};
    for (int i = 0; i < r->rows(); ++i)
      if (r->text(i, 0) == env) e = EnvironmentProtection{r->text(i, 0), r->i64(i, 1) != 0, r->text(i, 2), r->i64(i, 3)};
    out.push_back(std::move(e));
  }
  return out;
}

Result<EnvironmentProtection> PostgresMetaStore::set_environment_protection(int64_t project_id, const std::string& env,
                                                                           bool is_protected, const std::string& actor) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  const Micros now = now_micros();
  if (auto r = (*lease)->run(sql::kSetProtection, project_id, env, int64_t{is_protected}, actor, now); !r)
    return r.error();
  return EnvironmentProtection{env, is_protected, actor, now};
}

Result<PromotionRequest> PostgresMetaStore::create_promotion_request(int64_t project_id, const std::string& name,
                                                                     const std::string& env, int64_t version,
                                                                     const std::optional<std::string>& comment,
                                                                     const std::string& actor) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  PgConn& conn = **lease;
  PgTransaction tx(conn);
  if (!tx.begin_status()) return tx.begin_status().error();
  auto id = prompt_id(conn, sql::kLockPrompt, project_id, name);
  if (!id) return id.error();
  if (auto st = version_exists(conn, *id, name, version); !st) return st.error();
  PromotionRequest out{0, name, env, version, "pending", actor, now_micros(), comment, {}, {}, {}};
  auto r = conn.run(sql::kCreateRequest, *id, env, version, actor, out.requested_us, param(comment));
  if (!r) {
    if (r.error().code == ErrorCode::conflict)
      return make_error(ErrorCode::conflict,
                        fmt::format("a promotion of prompt '{}' into {} is already pending: approve, reject or "
                                    "cancel it first",
                                    name, env));
    return r.error();
  }
  out.id = r->i64(0, 0);
  if (auto c = tx.commit(); !c) return c.error();
  return out;
}

Result<std::vector<PromotionRequest>> PostgresMetaStore::list_promotion_requests(
    int64_t project_id, const std::optional<std::string>& name, const std::optional<std::string>& status) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  if (name)
    if (auto id = prompt_id(**lease, sql::kPromptId, project_id, *name); !id) return id.error();
  auto r = (*lease)->run(sql::kListRequests, project_id, param(name), param(status));
  if (!r) return r.error();
  std::vector<PromotionRequest> out;
  for (int i = 0; i < r->rows(); ++i) out.push_back(read_request(*r, i));
  return out;
}

Result<std::optional<PromotionRequest>> PostgresMetaStore::get_promotion_request(int64_t project_id,
                                                                                 const std::string& name, int64_t id) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  auto pid = prompt_id(**lease, sql::kPromptId, project_id, name);
  if (!pid) return pid.error();
  auto r = (*lease)->run(sql::kGetRequest, *pid, id);
  if (!r) return r.error();
  if (r->empty()) return std::optional<PromotionRequest>();
  return std::optional<PromotionRequest>(read_request(*r, 0));
}

Result<PromotionRequest> PostgresMetaStore::decide_promotion_request(int64_t project_id, const std::string& name,
                                                                     int64_t id, Decision decision,
                                                                     const std::optional<std::string>& comment,
                                                                     const std::string& actor) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  PgConn& conn = **lease;
  PgTransaction tx(conn);
  if (!tx.begin_status()) return tx.begin_status().error();
  auto pid = prompt_id(conn, sql::kLockPrompt, project_id, name);
  if (!pid) return pid.error();
  auto r = conn.run(sql::kLockRequest, *pid, id);
  if (!r) return r.error();
  if (r->empty())
    return make_error(ErrorCode::not_found, fmt::format("prompt '{}' has no promotion request {}", name, id));
  PromotionRequest req = read_request(*r, 0);
  if (req.status != "pending")
    return make_error(ErrorCode::conflict, fmt::format("promotion request {} is already {}", id, req.status));
  const Micros now = now_micros();
  req.status = decision == Decision::approve ? "approved" : decision == Decision::reject ? "rejected" : "cancelled";
  req.decided_by = actor;
  req.decided_us = now;
  req.decision_comment = comment;
  if (auto u = conn.run(sql::kDecideRequest, id, req.status, actor, now, param(comment)); !u) return u.error();
  if (decision == Decision::approve)
    if (auto p = conn.run(sql::kPromoteApproved, *pid, req.env, req.version, req.requested_by, now, id, actor); !p)
      return p.error();
  if (auto c = tx.commit(); !c) return c.error();
  return req;
}

Result<Experiment> PostgresMetaStore::create_experiment(int64_t project_id, const Experiment& experiment) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  PgConn& conn = **lease;
  PgTransaction tx(conn);
  if (!tx.begin_status()) return tx.begin_status().error();
  auto pid = prompt_id(conn, sql::kLockPrompt, project_id, experiment.prompt);
  if (!pid) return pid.error();
  for (const auto& v : experiment.variants)
    if (auto st = version_exists(conn, *pid, experiment.prompt, v.version); !st) return st.error();
  Experiment out = experiment;
  out.status = "running";
  out.started_us = now_micros();
  auto r = conn.run(sql::kCreateExperiment, *pid, out.env, out.name, out.started_by, out.started_us);
  if (!r) {
    if (r.error().code == ErrorCode::conflict)
      return make_error(ErrorCode::conflict, fmt::format("an experiment already runs for prompt '{}' in {}: end it first",
                                                         experiment.prompt, experiment.env));
    return r.error();
  }
  out.id = r->i64(0, 0);
  for (const auto& v : out.variants)
    if (auto a = conn.run(sql::kAddVariant, out.id, v.label, v.version, v.weight); !a) return a.error();
  if (auto c = tx.commit(); !c) return c.error();
  return out;
}

Result<std::vector<Experiment>> PostgresMetaStore::list_experiments(int64_t project_id, const std::string& name) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  auto pid = prompt_id(**lease, sql::kPromptId, project_id, name);
  if (!pid) return pid.error();
  auto r = (*lease)->run(sql::kListExperiments, *pid);
  if (!r) return r.error();
  return with_variants(**lease, *r, false);
}

Result<std::optional<Experiment>> PostgresMetaStore::get_experiment(int64_t project_id, const std::string& name,
                                                                    int64_t id) {
  return first_experiment(project_id, name, sql::kGetExperiment, Param(std::to_string(id)), false);
}

Result<std::optional<Experiment>> PostgresMetaStore::running_experiment(int64_t project_id, const std::string& name,
                                                                        const std::string& env) {
  return first_experiment(project_id, name, sql::kRunningExperiment, Param(env), true);
}

Result<std::optional<Experiment>> PostgresMetaStore::first_experiment(int64_t project_id, const std::string& name,
                                                                      const Statement& st, const Param& arg,
                                                                      bool with_content) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  auto pid = prompt_id(**lease, sql::kPromptId, project_id, name);
  if (!pid) return pid.error();
  auto r = (*lease)->run(st, *pid, arg);
  if (!r) return r.error();
  auto all = with_variants(**lease, *r, with_content);
  if (!all) return all.error();
  if (all->empty()) return std::optional<Experiment>();
  return std::optional<Experiment>(all->front());
}

Result<Experiment> PostgresMetaStore::end_experiment(int64_t project_id, const std::string& name, int64_t id,
                                                     int64_t chosen_version, const std::string& actor) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  PgConn& conn = **lease;
  PgTransaction tx(conn);
  if (!tx.begin_status()) return tx.begin_status().error();
  auto pid = prompt_id(conn, sql::kLockPrompt, project_id, name);
  if (!pid) return pid.error();
  auto r = conn.run(sql::kGetExperiment, *pid, id);
  if (!r) return r.error();
  auto all = with_variants(conn, *r, false);
  if (!all) return all.error();
  if (all->empty()) return make_error(ErrorCode::not_found, fmt::format("prompt '{}' has no experiment {}", name, id));
  Experiment e = all->front();
  if (e.status != "running") return make_error(ErrorCode::conflict, fmt::format("experiment {} has already ended", id));
  bool is_variant = false;
  for (const auto& v : e.variants) is_variant = is_variant || v.version == chosen_version;
  if (!is_variant)
    return make_error(ErrorCode::bad_request,
                      fmt::format("version {} is not a variant of experiment {}", chosen_version, id));
  const Micros now = now_micros();
  if (auto u = conn.run(sql::kEndExperiment, id, actor, now, chosen_version); !u) return u.error();
  if (auto p = conn.run(sql::kPromote, *pid, e.env, chosen_version, actor, now); !p) return p.error();
  if (auto c = tx.commit(); !c) return c.error();
  e.status = "ended";
  e.ended_by = actor;
  e.ended_us = now;
  e.chosen_version = chosen_version;
  return e;
}

}  // namespace stacklens::postgres
