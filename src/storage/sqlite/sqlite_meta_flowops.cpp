// SqliteMetaStore: FlowOps' approval gates and experiments (meta_store.h).
#include <fmt/format.h>

#include "storage/sqlite/sqlite_meta_store.h"

namespace stacklens::sqlite {
namespace {

constexpr const char* kRequestColumns =
    "r.id, p.name, r.env, r.version, r.status, r.requested_by, r.requested_us, r.comment, r.decided_by, "
    "r.decided_us, r.decision_comment FROM promotion_requests r JOIN prompts p ON p.id = r.prompt_id";

PromotionRequest request_row(Stmt& r) {
  return PromotionRequest{r.i64(0),      r.text(1),      r.text(2),      r.i64(3),
                          r.text(4),     r.text(5),      r.i64(6),       r.opt_text(7),
                          r.opt_text(8), r.opt_i64(9),   r.opt_text(10)};
}

constexpr const char* kExperimentColumns =
    "e.id, p.name, e.env, e.name, e.status, e.started_by, e.started_us, e.ended_by, e.ended_us, e.chosen_version "
    "FROM experiments e JOIN prompts p ON p.id = e.prompt_id";

Experiment experiment_row(Stmt& r) {
  Experiment e;
  e.id = r.i64(0);
  e.prompt = r.text(1);
  e.env = r.text(2);
  e.name = r.text(3);
  e.status = r.text(4);
  e.started_by = r.text(5);
  e.started_us = r.i64(6);
  e.ended_by = r.opt_text(7);
  e.ended_us = r.opt_i64(8);
  e.chosen_version = r.opt_i64(9);
  return e;
}

Error request_missing(const std::string& name, int64_t id) {
  return make_error(ErrorCode::not_found, fmt::format("prompt '{}' has no promotion request {}", name, id));
}

Error experiment_missing(const std::string& name, int64_t id) {
  return make_error(ErrorCode::not_found, fmt::format("prompt '{}' has no experiment {}", name, id));
}

}  // namespace

Result<std::vector<EnvironmentProtection>> SqliteMetaStore::list_environment_protection(int64_t project_id) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare(
      "SELECT env, is_protected, updated_by, updated_us FROM environment_protection WHERE project_id = ?1");
  if (!s) return s.error();
  auto stored = collect<EnvironmentProtection>((*s)->reset().bind(1, project_id), [](Stmt& r) {
    return EnvironmentProtection{r.text(0), r.i64(1) != 0, r.text(2), r.i64(3)};
  });
  if (!stored) return stored.error();
  std::vector<EnvironmentProtection> out;
  for (auto env : kEnvironments) {
    EnvironmentProtection e{std::string(env), false, "", 0};
    for (const auto& s : *stored)
      if (s.env == env) e = s;
    out.push_back(std::move(e));
  }
  return out;
}

Result<EnvironmentProtection> SqliteMetaStore::set_environment_protection(int64_t project_id, const std::string& env,
                                                                         bool is_protected, const std::string& actor) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare(
      "INSERT INTO environment_protection(project_id, env, is_protected, updated_by, updated_us) "
      "VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(project_id, env) DO UPDATE SET is_protected = excluded.is_protected, "
      "updated_by = excluded.updated_by, updated_us = excluded.updated_us");
  if (!s) return s.error();
  const Micros now = now_micros();
  if (auto r = (*s)->reset().bind(1, project_id).bind(2, env).bind(3, int64_t{is_protected}).bind(4, actor)
                   .bind(5, now).run();
      !r)
    return r.error();
  return EnvironmentProtection{env, is_protected, actor, now};
}

Result<PromotionRequest> SqliteMetaStore::create_promotion_request(int64_t project_id, const std::string& name,
                                                                   const std::string& env, int64_t version,
                                                                   const std::optional<std::string>& comment,
                                                                   const std::string& actor) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  if (!tx.begin_status()) return tx.begin_status().error();
  auto id = prompt_id(project_id, name);
  if (!id) return id.error();
  if (auto st = version_exists(*id, name, version); !st) return st.error();
  auto s = db_->prepare(
      "INSERT INTO promotion_requests(prompt_id, env, version, status, requested_by, requested_us, comment) "
      "VALUES(?1, ?2, ?3, 'pending', ?4, ?5, ?6)");
  if (!s) return s.error();
  PromotionRequest out{0, name, env, version, "pending", actor, now_micros(), comment, {}, {}, {}};
  if (auto r = (*s)->reset().bind(1, *id).bind(2, env).bind(3, version).bind(4, actor).bind(5, out.requested_us)
                   .bind(6, comment).run();
      !r) {
    if (r.error().code == ErrorCode::conflict)
      return make_error(ErrorCode::conflict,
                        fmt::format("a promotion of prompt '{}' into {} is already pending: approve, reject or "
                                    "cancel it first",
                                    name, env));
    return r.error();
  }
  out.id = db_->last_insert_rowid();
  if (auto c = tx.commit(); !c) return c.error();
  return out;
}

Result<std::vector<PromotionRequest>> SqliteMetaStore::list_promotion_requests(
    int64_t project_id, const std::optional<std::string>& name, const std::optional<std::string>& status) {
  std::lock_guard lock(mu_);
  if (name)
    if (auto id = prompt_id(project_id, *name); !id) return id.error();
  auto s = db_->prepare(fmt::format("SELECT {} WHERE p.project_id = ?1 AND (?2 IS NULL OR p.name = ?2) "
                                    "AND (?3 IS NULL OR r.status = ?3) ORDER BY r.id DESC",
                                    kRequestColumns));
  if (!s) return s.error();
  return collect<PromotionRequest>((*s)->reset().bind(1, project_id).bind(2, name).bind(3, status), request_row);
}

Result<std::optional<PromotionRequest>> SqliteMetaStore::get_promotion_request(int64_t project_id,
                                                                               const std::string& name, int64_t id) {
  std::lock_guard lock(mu_);
  if (auto pid = prompt_id(project_id, name); !pid) return pid.error();
  auto s = db_->prepare(fmt::format("SELECT {} WHERE p.project_id = ?1 AND p.name = ?2 AND r.id = ?3", kRequestColumns));
  if (!s) return s.error();
  auto rows = collect<PromotionRequest>((*s)->reset().bind(1, project_id).bind(2, name).bind(3, id), request_row);
  if (!rows) return rows.error();
  if (rows->empty()) return std::optional<PromotionRequest>();
  return std::optional<PromotionRequest>(rows->front());
}

Result<PromotionRequest> SqliteMetaStore::decide_promotion_request(int64_t project_id, const std::string& name,
                                                                   int64_t id, Decision decision,
                                                                   const std::optional<std::string>& comment,
                                                                   const std::string& actor) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  if (!tx.begin_status()) return tx.begin_status().error();
  auto pid = prompt_id(project_id, name);
  if (!pid) return pid.error();
  auto get = db_->prepare(fmt::format("SELECT {} WHERE p.id = ?1 AND r.id = ?2", kRequestColumns));
  if (!get) return get.error();
  auto rows = collect<PromotionRequest>((*get)->reset().bind(1, *pid).bind(2, id), request_row);
  if (!rows) return rows.error();
  if (rows->empty()) return request_missing(name, id);
  PromotionRequest req = rows->front();
  if (req.status != "pending")
    return make_error(ErrorCode::conflict, fmt::format("promotion request {} is already {}", id, req.status));
  const Micros now = now_micros();
  req.status = decision == Decision::approve ? "approved" : decision == Decision::reject ? "rejected" : "cancelled";
  req.decided_by = actor;
  req.decided_us = now;
  req.decision_comment = comment;
  auto s = db_->prepare(
      "UPDATE promotion_requests SET status = ?2, decided_by = ?3, decided_us = ?4, decision_comment = ?5 "
      "WHERE id = ?1");
  if (!s) return s.error();
  if (auto r = (*s)->reset().bind(1, id).bind(2, req.status).bind(3, actor).bind(4, now).bind(5, comment).run(); !r)
    return r.error();
  if (decision == Decision::approve) {
    auto p = db_->prepare(
        "INSERT INTO prompt_promotions(prompt_id, env, version, promoted_by, at_us, request_id, approved_by) "
        "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (!p) return p.error();
    if (auto r = (*p)->reset().bind(1, *pid).bind(2, req.env).bind(3, req.version).bind(4, req.requested_by)
                     .bind(5, now).bind(6, id).bind(7, actor).run();
        !r)
      return r.error();
  }
  if (auto c = tx.commit(); !c) return c.error();
  return req;
}

Result<std::vector<ExperimentVariant>> SqliteMetaStore::experiment_variants(int64_t experiment_id, bool with_content) {
  auto s = db_->prepare(
      "SELECT v.label, v.version, v.weight, CASE WHEN ?2 THEN pv.content ELSE '' END FROM experiment_variants v "
      "JOIN experiments e ON e.id = v.experiment_id "
      "JOIN prompt_versions pv ON pv.prompt_id = e.prompt_id AND pv.version = v.version "
      "WHERE v.experiment_id = ?1 ORDER BY v.label");
  if (!s) return s.error();
  return collect<ExperimentVariant>((*s)->reset().bind(1, experiment_id).bind(2, int64_t{with_content}), [](Stmt& r) {
    return ExperimentVariant{r.text(0), r.i64(1), r.i64(2), r.text(3)};
  });
}

Result<std::vector<Experiment>> SqliteMetaStore::query_experiments(const std::string& where, int64_t project_id,
                                                                   const std::string& name,
                                                                   const std::optional<std::string>& arg,
                                                                   bool with_content) {
  auto s = db_->prepare(
      fmt::format("SELECT {} WHERE p.project_id = ?1 AND p.name = ?2 {} ORDER BY e.id DESC", kExperimentColumns, where));
  if (!s) return s.error();
  auto rows = collect<Experiment>((*s)->reset().bind(1, project_id).bind(2, name).bind(3, arg), experiment_row);
  if (!rows) return rows.error();
  for (auto& e : *rows) {
    auto variants = experiment_variants(e.id, with_content);
    if (!variants) return variants.error();
    e.variants = std::move(*variants);
  }
  return rows;
}

Result<Experiment> SqliteMetaStore::create_experiment(int64_t project_id, const Experiment& experiment) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  if (!tx.begin_status()) return tx.begin_status().error();
  auto pid = prompt_id(project_id, experiment.prompt);
  if (!pid) return pid.error();
  for (const auto& v : experiment.variants)
    if (auto st = version_exists(*pid, experiment.prompt, v.version); !st) return st.error();
  Experiment out = experiment;
  out.status = "running";
  out.started_us = now_micros();
  auto s = db_->prepare(
      "INSERT INTO experiments(prompt_id, env, name, status, started_by, started_us) "
      "VALUES(?1, ?2, ?3, 'running', ?4, ?5)");
  if (!s) return s.error();
  if (auto r = (*s)->reset().bind(1, *pid).bind(2, out.env).bind(3, out.name).bind(4, out.started_by)
                   .bind(5, out.started_us).run();
      !r) {
    if (r.error().code == ErrorCode::conflict)
      return make_error(ErrorCode::conflict,
                        fmt::format("an experiment already runs for prompt '{}' in {}: end it first",
                                    experiment.prompt, experiment.env));
    return r.error();
  }
  out.id = db_->last_insert_rowid();
  auto v = db_->prepare("INSERT INTO experiment_variants(experiment_id, label, version, weight) VALUES(?1, ?2, ?3, ?4)");
  if (!v) return v.error();
  for (const auto& variant : out.variants)
    if (auto r = (*v)->reset().bind(1, out.id).bind(2, variant.label).bind(3, variant.version)
                     .bind(4, variant.weight).run();
        !r)
      return r.error();
  if (auto c = tx.commit(); !c) return c.error();
  return out;
}

Result<std::vector<Experiment>> SqliteMetaStore::list_experiments(int64_t project_id, const std::string& name) {
  std::lock_guard lock(mu_);
  if (auto pid = prompt_id(project_id, name); !pid) return pid.error();
  return query_experiments("AND ?3 IS NULL", project_id, name, std::nullopt, false);
}

Result<std::optional<Experiment>> SqliteMetaStore::get_experiment(int64_t project_id, const std::string& name,
                                                                  int64_t id) {
  std::lock_guard lock(mu_);
  if (auto pid = prompt_id(project_id, name); !pid) return pid.error();
  auto rows = query_experiments("AND e.id = ?3", project_id, name, std::to_string(id), false);
  if (!rows) return rows.error();
  if (rows->empty()) return std::optional<Experiment>();
  return std::optional<Experiment>(rows->front());
}

Result<std::optional<Experiment>> SqliteMetaStore::running_experiment(int64_t project_id, const std::string& name,
                                                                      const std::string& env) {
  std::lock_guard lock(mu_);
  auto rows = query_experiments("AND e.status = 'running' AND e.env = ?3", project_id, name, env, true);
  if (!rows) return rows.error();
  if (rows->empty()) return std::optional<Experiment>();
  return std::optional<Experiment>(rows->front());
}

Result<Experiment> SqliteMetaStore::end_experiment(int64_t project_id, const std::string& name, int64_t id,
                                                   int64_t chosen_version, const std::string& actor) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  if (!tx.begin_status()) return tx.begin_status().error();
  auto pid = prompt_id(project_id, name);
  if (!pid) return pid.error();
  auto rows = query_experiments("AND e.id = ?3", project_id, name, std::to_string(id), false);
  if (!rows) return rows.error();
  if (rows->empty()) return experiment_missing(name, id);
  Experiment e = rows->front();
  if (e.status != "running") return make_error(ErrorCode::conflict, fmt::format("experiment {} has already ended", id));
  bool is_variant = false;
  for (const auto& v : e.variants) is_variant = is_variant || v.version == chosen_version;
  if (!is_variant)
    return make_error(ErrorCode::bad_request,
                      fmt::format("version {} is not a variant of experiment {}", chosen_version, id));
  const Micros now = now_micros();
  auto s = db_->prepare(
      "UPDATE experiments SET status = 'ended', ended_by = ?2, ended_us = ?3, chosen_version = ?4 WHERE id = ?1");
  if (!s) return s.error();
  if (auto r = (*s)->reset().bind(1, id).bind(2, actor).bind(3, now).bind(4, chosen_version).run(); !r)
    return r.error();
  auto p = db_->prepare("INSERT INTO prompt_promotions(prompt_id, env, version, promoted_by, at_us) VALUES(?1, ?2, ?3, ?4, ?5)");
  if (!p) return p.error();
  if (auto r = (*p)->reset().bind(1, *pid).bind(2, e.env).bind(3, chosen_version).bind(4, actor).bind(5, now).run();
      !r)
    return r.error();
  if (auto c = tx.commit(); !c) return c.error();
  e.status = "ended";
  e.ended_by = actor;
  e.ended_us = now;
  e.chosen_version = chosen_version;
  return e;
}

}  // namespace stacklens::sqlite
