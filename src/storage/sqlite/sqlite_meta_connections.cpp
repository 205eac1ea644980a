// SqliteMetaStore: model connections and their monthly usage (meta_store.h).
#include <fmt/format.h>

#include "storage/meta_hex.h"
#include "storage/sqlite/sqlite_meta_store.h"

namespace stacklens::sqlite {
namespace {

constexpr const char* kColumns =
    "id, project_id, name, provider, base_url, default_model, monthly_budget_usd, max_concurrency, timeout_ms, "
    "key_hint, sealed_key, sealed_key_id, created_by, created_us, updated_us FROM model_connections";

ModelConnection connection_row(Stmt& r) {
  ModelConnection c;
  c.id = r.i64(0);
  c.project_id = r.i64(1);
  c.name = r.text(2);
  c.provider = r.text(3);
  c.base_url = r.text(4);
  c.default_model = r.text(5);
  c.monthly_budget_usd = r.opt_f64(6);
  c.max_concurrency = r.i64(7);
  c.timeout_ms = r.i64(8);
  c.key_hint = r.text(9);
  c.sealed_key = SealedText{from_hex(r.text(10)), static_cast<int>(r.i64(11))};
  c.created_by = r.text(12);
  c.created_us = r.i64(13);
  c.updated_us = r.i64(14);
  return c;
}

Error connection_missing(const std::string& name) {
  return make_error(ErrorCode::not_found, fmt::format("model connection '{}' does not exist in this project", name));
}

}  // namespace

Result<ModelConnection> SqliteMetaStore::create_connection(const ModelConnection& c) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare(
      "INSERT INTO model_connections(project_id, name, provider, base_url, default_model, monthly_budget_usd, "
      "max_concurrency, timeout_ms, key_hint, sealed_key, sealed_key_id, created_by, created_us, updated_us) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13)");
  if (!s) return s.error();
  ModelConnection out = c;
  out.created_us = out.updated_us = now_micros();
  if (auto r = (*s)->reset().bind(1, c.project_id).bind(2, c.name).bind(3, c.provider).bind(4, c.base_url)
                   .bind(5, c.default_model).bind(6, c.monthly_budget_usd).bind(7, c.max_concurrency)
                   .bind(8, c.timeout_ms).bind(9, c.key_hint).bind(10, to_hex(c.sealed_key.bytes))
                   .bind(11, int64_t{c.sealed_key.key_id}).bind(12, c.created_by).bind(13, out.created_us).run();
      !r) {
    if (r.error().code == ErrorCode::conflict)
      return make_error(ErrorCode::conflict, fmt::format("model connection '{}' already exists", c.name));
    return r.error();
  }
  out.id = db_->last_insert_rowid();
  return out;
}

Result<ModelConnection> SqliteMetaStore::update_connection(const ModelConnection& c) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare(
      "UPDATE model_connections SET provider = ?3, base_url = ?4, default_model = ?5, monthly_budget_usd = ?6, "
      "max_concurrency = ?7, timeout_ms = ?8, key_hint = ?9, sealed_key = ?10, sealed_key_id = ?11, updated_us = ?12 "
      "WHERE project_id = ?1 AND name = ?2");
  if (!s) return s.error();
  if (auto r = (*s)->reset().bind(1, c.project_id).bind(2, c.name).bind(3, c.provider).bind(4, c.base_url)
                   .bind(5, c.default_model).bind(6, c.monthly_budget_usd).bind(7, c.max_concurrency)
                   .bind(8, c.timeout_ms).bind(9, c.key_hint).bind(10, to_hex(c.sealed_key.bytes))
                   .bind(11, int64_t{c.sealed_key.key_id}).bind(12, now_micros()).run();
      !r)
    return r.error();
  if (db_->changes() == 0) return connection_missing(c.name);
  auto get = db_->prepare(fmt::format("SELECT {} WHERE project_id = ?1 AND name = ?2", kColumns));
  if (!get) return get.error();
  auto rows = collect<ModelConnection>((*get)->reset().bind(1, c.project_id).bind(2, c.name), connection_row);
  if (!rows) return rows.error();
  return rows->front();
}

Status SqliteMetaStore::delete_connection(int64_t project_id, const std::string& name) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  if (!tx.begin_status()) return tx.begin_status();
  auto usage = db_->prepare(
      "DELETE FROM connection_usage WHERE connection_id IN "
      "(SELECT id FROM model_connections WHERE project_id = ?1 AND name = ?2)");
  if (!usage) return usage.error();
  if (auto r = (*usage)->reset().bind(1, project_id).bind(2, name).run(); !r) return r;
  auto s = db_->prepare("DELETE FROM model_connections WHERE project_id = ?1 AND name = ?2");
  if (!s) return s.error();
  if (auto r = (*s)->reset().bind(1, project_id).bind(2, name).run(); !r) return r;
  if (db_->changes() == 0) return connection_missing(name);
  return tx.commit();
}

Result<std::vector<ModelConnection>> SqliteMetaStore::list_connections(int64_t project_id) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare(fmt::format("SELECT {} WHERE project_id = ?1 ORDER BY name", kColumns));
  if (!s) return s.error();
  return collect<ModelConnection>((*s)->reset().bind(1, project_id), connection_row);
}

Result<std::optional<ModelConnection>> SqliteMetaStore::get_connection(int64_t project_id, const std::string& name) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare(fmt::format("SELECT {} WHERE project_id = ?1 AND name = ?2", kColumns));
  if (!s) return s.error();
  auto rows = collect<ModelConnection>((*s)->reset().bind(1, project_id).bind(2, name), connection_row);
  if (!rows) return rows.error();
  if (rows->empty()) return std::optional<ModelConnection>();
  return std::optional<ModelConnection>(rows->front());
}

Result<ConnectionUsage> SqliteMetaStore::add_connection_usage(int64_t connection_id, const std::string& month,
                                                              double cost_usd) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare(
      "INSERT INTO connection_usage(connection_id, month, cost_usd, calls) VALUES(?1, ?2, ?3, 1) "
      "ON CONFLICT(connection_id, month) DO UPDATE SET cost_usd = cost_usd + excluded.cost_usd, calls = calls + 1 "
      "RETURNING cost_usd, calls");
  if (!s) return s.error();
  auto rows = collect<ConnectionUsage>((*s)->reset().bind(1, connection_id).bind(2, month).bind(3, cost_usd),
                                       [&month](Stmt& r) { return ConnectionUsage{month, r.f64(0), r.i64(1)}; });
  if (!rows) return rows.error();
  return rows->front();
}

Result<ConnectionUsage> SqliteMetaStore::connection_usage(int64_t connection_id, const std::string& month) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare("SELECT cost_usd, calls FROM connection_usage WHERE connection_id = ?1 AND month = ?2");
  if (!s) return s.error();
  auto rows = collect<ConnectionUsage>((*s)->reset().bind(1, connection_id).bind(2, month),
                                       [&month](Stmt& r) { return ConnectionUsage{month, r.f64(0), r.i64(1)}; });
  if (!rows) return rows.error();
  if (rows->empty()) return ConnectionUsage{month, 0, 0};
  return rows->front();
}

}  // namespace stacklens::sqlite
