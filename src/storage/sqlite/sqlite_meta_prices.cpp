// SqliteMetaStore: a project's own model prices and its cost recomputes (meta_store.h).
#include <fmt/format.h>

#include "storage/sqlite/sqlite_meta_store.h"

namespace stacklens::sqlite {
namespace {

constexpr std::string_view kPriceColumns =
    "id, project_id, model, provider, effective_from_us, definition, updated_by, created_us, updated_us";
constexpr std::string_view kRecomputeColumns =
    "id, project_id, from_us, to_us, state, spans_total, spans_done, spans_changed, error, started_by, created_us, "
    "updated_us, finished_us";

Error price_missing(int64_t id) {
  return make_error(ErrorCode::not_found, fmt::format("price {} does not exist in this project", id));
}

Error price_taken(const ModelPrice& p) {
  return make_error(ErrorCode::conflict,
                    fmt::format("this project already prices '{}' at {} from {}", p.model,
                                p.provider.empty() ? "any provider" : p.provider, format_iso8601(p.effective_from)));
}

ModelPrice price_row(Stmt& r) {
  return ModelPrice{r.i64(0), r.i64(1), r.text(2), r.text(3), r.i64(4), r.text(5), r.text(6), r.i64(7), r.i64(8)};
}

CostRecompute recompute_row(Stmt& r) {
  CostRecompute j;
  j.id = r.i64(0);
  j.project_id = r.i64(1);
  j.from_us = r.i64(2);
  j.to_us = r.i64(3);
  const std::string_view state = r.view(4);
  j.state = state == "done" ? RecomputeState::done : state == "failed" ? RecomputeState::failed : RecomputeState::running;
  j.spans_total = r.i64(5);
  j.spans_done = r.i64(6);
  j.spans_changed = r.i64(7);
  j.error = r.text(8);
  j.started_by = r.text(9);
  j.created_us = r.i64(10);
  j.updated_us = r.i64(11);
  j.finished_us = r.opt_i64(12);
  return j;
}

std::string_view state_name(RecomputeState s) { return kRecomputeStates[static_cast<size_t>(s)]; }

}  // namespace

Result<ModelPrice> SqliteMetaStore::create_model_price(const ModelPrice& price) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  if (!tx.begin_status()) return tx.begin_status().error();
  ModelPrice out = price;
  out.created_us = out.updated_us = now_micros();
  auto s = db_->prepare(fmt::format(
      "INSERT INTO model_prices(project_id, model, provider, effective_from_us, definition, updated_by, created_us, "
      "updated_us) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) RETURNING {}",
      kPriceColumns));
  if (!s) return s.error();
  (*s)->reset().bind(1, price.project_id).bind(2, price.model).bind(3, price.provider).bind(4, price.effective_from);
  (*s)->bind(5, price.definition).bind(6, price.updated_by).bind(7, out.created_us);
  auto rows = collect<ModelPrice>(**s, price_row);
  if (!rows) return rows.error().code == ErrorCode::conflict ? price_taken(price) : rows.error();
  if (auto st = db_->exec("UPDATE price_revision SET revision = revision + 1"); !st) return st.error();
  if (auto c = tx.commit(); !c) return c.error();
  return rows->front();
}

Result<ModelPrice> SqliteMetaStore::update_model_price(const ModelPrice& price) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  if (!tx.begin_status()) return tx.begin_status().error();
  auto s = db_->prepare(fmt::format(
      "UPDATE model_prices SET model = ?3, provider = ?4, effective_from_us = ?5, definition = ?6, updated_by = ?7, "
      "updated_us = ?8 WHERE project_id = ?1 AND id = ?2 RETURNING {}",
      kPriceColumns));
  if (!s) return s.error();
  (*s)->reset().bind(1, price.project_id).bind(2, price.id).bind(3, price.model).bind(4, price.provider);
  (*s)->bind(5, price.effective_from).bind(6, price.definition).bind(7, price.updated_by).bind(8, now_micros());
  auto rows = collect<ModelPrice>(**s, price_row);
  if (!rows) return rows.error().code == ErrorCode::conflict ? price_taken(price) : rows.error();
  if (rows->empty()) return price_missing(price.id);
  if (auto st = db_->exec("UPDATE price_revision SET revision = revision + 1"); !st) return st.error();
  if (auto c = tx.commit(); !c) return c.error();
  return rows->front();
}

Status SqliteMetaStore::delete_model_price(int64_t project_id, int64_t id) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  if (!tx.begin_status()) return tx.begin_status();
  auto s = db_->prepare("DELETE FROM model_prices WHERE project_id = ?1 AND id = ?2");
  if (!s) return s.error();
  if (auto r = (*s)->reset().bind(1, project_id).bind(2, id).run(); !r) return r.error();
  if (db_->changes() == 0) return price_missing(id);
  if (auto st = db_->exec("UPDATE price_revision SET revision = revision + 1"); !st) return st;
  return tx.commit();
}

Result<std::vector<ModelPrice>> SqliteMetaStore::list_model_prices(std::optional<int64_t> project_id) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare(fmt::format(
      "SELECT {} FROM model_prices WHERE ?1 IS NULL OR project_id = ?1 "
      "ORDER BY project_id, model COLLATE NOCASE, provider, effective_from_us",
      kPriceColumns));
  if (!s) return s.error();
  return collect<ModelPrice>((*s)->reset().bind(1, project_id), price_row);
}

Result<int64_t> SqliteMetaStore::model_price_revision() {
  std::lock_guard lock(mu_);
  return db_->query_int("SELECT revision FROM price_revision");
}

Result<CostRecompute> SqliteMetaStore::create_cost_recompute(const CostRecompute& job) {
  std::lock_guard lock(mu_);
  CostRecompute out = job;
  out.created_us = out.updated_us = now_micros();
  auto s = db_->prepare(
      "INSERT INTO cost_recomputes(project_id, from_us, to_us, state, spans_total, spans_done, spans_changed, error, "
      "started_by, created_us, updated_us, finished_us) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11)");
  if (!s) return s.error();
  (*s)->reset().bind(1, job.project_id).bind(2, job.from_us).bind(3, job.to_us).bind(4, state_name(job.state));
  (*s)->bind(5, job.spans_total).bind(6, job.spans_done).bind(7, job.spans_changed).bind(8, job.error);
  (*s)->bind(9, job.started_by).bind(10, out.created_us).bind(11, job.finished_us);
  if (auto r = (*s)->run(); !r) return r.error();
  out.id = db_->last_insert_rowid();
  return out;
}

Status SqliteMetaStore::update_cost_recompute(const CostRecompute& job) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare(
      "UPDATE cost_recomputes SET state = ?3, spans_total = ?4, spans_done = ?5, spans_changed = ?6, error = ?7, "
      "updated_us = ?8, finished_us = ?9 WHERE project_id = ?1 AND id = ?2");
  if (!s) return s.error();
  (*s)->reset().bind(1, job.project_id).bind(2, job.id).bind(3, state_name(job.state)).bind(4, job.spans_total);
  (*s)->bind(5, job.spans_done).bind(6, job.spans_changed).bind(7, job.error).bind(8, now_micros());
  (*s)->bind(9, job.finished_us);
  return (*s)->run();
}

Result<std::optional<CostRecompute>> SqliteMetaStore::get_cost_recompute(int64_t project_id, int64_t id) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare(fmt::format("SELECT {} FROM cost_recomputes WHERE project_id = ?1 AND id = ?2", kRecomputeColumns));
  if (!s) return s.error();
  auto rows = collect<CostRecompute>((*s)->reset().bind(1, project_id).bind(2, id), recompute_row);
  if (!rows) return rows.error();
  if (rows->empty()) return std::optional<CostRecompute>();
  return std::optional<CostRecompute>(rows->front());
}

Result<std::vector<CostRecompute>> SqliteMetaStore::list_cost_recomputes(int64_t project_id, int limit) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare(fmt::format(
      "SELECT {} FROM cost_recomputes WHERE project_id = ?1 ORDER BY id DESC LIMIT ?2", kRecomputeColumns));
  if (!s) return s.error();
  return collect<CostRecompute>((*s)->reset().bind(1, project_id).bind(2, limit), recompute_row);
}

}  // namespace stacklens::sqlite
