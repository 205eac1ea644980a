// PostgresMetaStore: model connections and their monthly usage (meta_store.h).
#include <fmt/format.h>

#include <cstdlib>

#include "storage/meta_hex.h"
#include "storage/postgres/meta_statements.h"
#include "storage/postgres/postgres_meta_store.h"

namespace stacklens::postgres {
namespace {

ModelConnection read_connection(const PgResult& r, int i) {
  ModelConnection c;
  c.id = r.i64(i, 0);
  c.project_id = r.i64(i, 1);
  c.name = r.text(i, 2);
  c.provider = r.text(i, 3);
  c.base_url = r.text(i, 4);
  c.default_model = r.text(i, 5);
  if (!r.is_null(i, 6)) c.monthly_budget_usd = std::strtod(r.text(i, 6).c_str(), nullptr);
  c.max_concurrency = r.i64(i, 7);
  c.timeout_ms = r.i64(i, 8);
  c.key_hint = r.text(i, 9);
  c.sealed_key = SealedText{from_hex(r.text(i, 10)), static_cast<int>(r.i64(i, 11))};
  c.created_by = r.text(i, 12);
  c.created_us = r.i64(i, 13);
  c.updated_us = r.i64(i, 14);
  return c;
}

// Doubles travel as text, in the shortest form that reads back as the same double.
Param budget(const std::optional<double>& v) { return v ? Param(fmt::format("{}", *v)) : Param(); }

Error connection_missing(const std::string& name) {
  return make_error(ErrorCode::not_found, fmt::format("model connection '{}' does not exist in this project", name));
}

ConnectionUsage read_usage(const PgResult& r, const std::string& month) {
  return ConnectionUsage{month, std::strtod(r.text(0, 0).c_str(), nullptr), r.i64(0, 1)};
}

}  // namespace

Result<ModelConnection> PostgresMetaStore::create_connection(const ModelConnection& c) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  ModelConnection out = c;
  out.created_us = out.updated_us = now_micros();
  auto r = (*lease)->run(sql::kCreateConnection, c.project_id, c.name, c.provider, c.base_url, c.default_model,
                         budget(c.monthly_budget_usd), c.max_concurrency, c.timeout_ms, c.key_hint,
                         to_hex(c.sealed_key.bytes), c.sealed_key.key_id, c.created_by, out.created_us);
  if (!r) {
    if (r.error().code == ErrorCode::conflict)
      return make_error(ErrorCode::conflict, fmt::format("model connection '{}' already exists", c.name));
    return r.error();
  }
  out.id = r->i64(0, 0);
  return out;
}

Result<ModelConnection> PostgresMetaStore::update_connection(const ModelConnection& c) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  auto r = (*lease)->run(sql::kUpdateConnection, c.project_id, c.name, c.provider, c.base_url, c.default_model,
                         budget(c.monthly_budget_usd), c.max_concurrency, c.timeout_ms, c.key_hint,
                         to_hex(c.sealed_key.bytes), c.sealed_key.key_id, now_micros());
  if (!r) return r.error();
  if (r->empty()) return connection_missing(c.name);
  return read_connection(*r, 0);
}

Status PostgresMetaStore::delete_connection(int64_t project_id, const std::string& name) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  PgConn& conn = **lease;
  PgTransaction tx(conn);
  if (!tx.begin_status()) return tx.begin_status();
  if (auto r = conn.run(sql::kDeleteConnectionUsage, project_id, name); !r) return r.error();
  auto r = conn.run(sql::kDeleteConnection, project_id, name);
  if (!r) return r.error();
  if (r->empty()) return connection_missing(name);
  return tx.commit();
}

Result<std::vector<ModelConnection>> PostgresMetaStore::list_connections(int64_t project_id) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  auto r = (*lease)->run(sql::kListConnections, project_id);
  if (!r) return r.error();
  std::vector<ModelConnection> out;
  for (int i = 0; i < r->rows(); ++i) out.push_back(read_connection(*r, i));
  return out;
}

Result<std::optional<ModelConnection>> PostgresMetaStore::get_connection(int64_t project_id, const std::string& name) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  auto r = (*lease)->run(sql::kGetConnection, project_id, name);
  if (!r) return r.error();
  if (r->empty()) return std::optional<ModelConnection>();
  return std::optional<ModelConnection>(read_connection(*r, 0));
}

Result<ConnectionUsage> PostgresMetaStore::add_connection_usage(int64_t connection_id, const std::string& month,
                                                                double cost_usd) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  auto r = (*lease)->run(sql::kAddConnectionUsage, connection_id, month, fmt::format("{}", cost_usd));
  if (!r) return r.error();
  return read_usage(*r, month);
}

Result<ConnectionUsage> PostgresMetaStore::connection_usage(int64_t connection_id, const std::string& month) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  auto r = (*lease)->run(sql::kConnectionUsage, connection_id, month);
  if (!r) return r.error();
  if (r->empty()) return ConnectionUsage{month, 0, 0};
  return read_usage(*r, month);
}

}  // namespace stacklens::postgres
