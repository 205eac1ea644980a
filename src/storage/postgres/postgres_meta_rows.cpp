// PostgresMetaStore as MetaRows (meta_rows.h): the target of `stacklens migrate`. Reals are read
// back in the shortest form that gives the same double, as the SQLite store writes them.
#include <fmt/format.h>

#include <charconv>
#include <cstdlib>

#include "storage/postgres/postgres_meta_store.h"

namespace stacklens::postgres {
namespace {

constexpr Oid kFloat8 = 701, kFloat4 = 700;

std::string quoted(std::string_view name) { return fmt::format("\"{}\"", name); }

std::string column_list(const std::vector<std::string>& columns) {
  std::string out;
  for (const auto& c : columns) out += (out.empty() ? "" : ", ") + quoted(c);
  return out;
}

}  // namespace

Result<std::vector<std::string>> PostgresMetaStore::columns(std::string_view table) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  auto r = (*lease)->run_sql(
      "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
      "AND table_name = $1 ORDER BY ordinal_position",
      {std::string(table)});
  if (!r) return r.error();
  std::vector<std::string> out;
  for (int i = 0; i < r->rows(); ++i) out.push_back(r->text(i, 0));
  return out;
}

Status PostgresMetaStore::read_rows(std::string_view table, const std::vector<std::string>& columns,
                                    const std::function<Status(CellRow&&)>& each) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  PgConn& conn = **lease;
  // A cursor in a read-only transaction: a table of millions of audit entries is not held in
  // memory at once, and the statement timeout applies to each fetch, not to the whole read.
  PgTransaction tx(conn);
  if (!tx.begin_status()) return tx.begin_status();
  if (auto st = conn.exec(fmt::format("DECLARE rows NO SCROLL CURSOR FOR SELECT {} FROM {}", column_list(columns),
                                      quoted(table)));
      !st)
    return st;
  for (;;) {
    auto r = conn.run_sql("FETCH 5000 FROM rows", {});
    if (!r) return r.error();
    if (r->empty()) break;
    const PGresult* raw = r->raw();
    for (int i = 0; i < r->rows(); ++i) {
      CellRow row;
      row.reserve(columns.size());
      for (int c = 0; c < static_cast<int>(columns.size()); ++c) {
        if (r->is_null(i, c)) {
          row.emplace_back();
          continue;
        }
        const Oid type = PQftype(raw, c);
        if (type == kFloat8 || type == kFloat4)
          row.emplace_back(fmt::format("{}", std::strtod(PQgetvalue(raw, i, c), nullptr)));
        else
          row.emplace_back(r->text(i, c));
      }
      if (auto st = each(std::move(row)); !st) return st;
    }
  }
  return tx.commit();
}

Result<int64_t> PostgresMetaStore::insert_rows(std::string_view table, const std::vector<std::string>& columns,
                                               const std::vector<CellRow>& rows) {
  if (rows.empty() || columns.empty()) return int64_t{0};
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  PgConn& conn = **lease;
  PgTransaction tx(conn);
  if (!tx.begin_status()) return tx.begin_status().error();
  // At most 65,535 parameters a statement.
  const size_t per_statement = std::max<size_t>(1, std::min<size_t>(1000, 60000 / columns.size()));
  int64_t inserted = 0;
  for (size_t from = 0; from < rows.size(); from += per_statement) {
    const size_t to = std::min(rows.size(), from + per_statement);
    std::string sql = fmt::format("INSERT INTO {} ({}) VALUES ", quoted(table), column_list(columns));
    std::vector<Param> params;
    params.reserve((to - from) * columns.size());
    for (size_t i = from; i < to; ++i) {
      if (rows[i].size() != columns.size())
        return make_error(ErrorCode::internal, fmt::format("a row of {} has {} cells for {} columns", table,
                                                           rows[i].size(), columns.size()));
      sql += i == from ? "(" : ", (";
      for (size_t c = 0; c < columns.size(); ++c) {
        params.push_back(rows[i][c]);
        fmt::format_to(std::back_inserter(sql), "{}${}", c == 0 ? "" : ", ", params.size());
      }
      sql += ")";
    }
    sql += " ON CONFLICT DO NOTHING";
    auto r = conn.run_sql(sql, params);
    if (!r) return r.error();
    inserted += std::strtoll(PQcmdTuples(const_cast<PGresult*>(r->raw())), nullptr, 10);
  }
  if (auto st = tx.commit(); !st) return st.error();
  return inserted;
}

Status PostgresMetaStore::rows_inserted() {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  PgConn& conn = **lease;
  PgTransaction tx(conn);
  if (!tx.begin_status()) return tx.begin_status();
  // Ids a node gives next continue after the largest copied.
  auto owned = conn.run_sql(
      "SELECT table_name FROM information_schema.columns WHERE table_schema = current_schema() AND column_name = 'id' "
      "AND pg_get_serial_sequence(quote_ident(table_name), 'id') IS NOT NULL",
      {});
  if (!owned) return owned.error();
  for (int i = 0; i < owned->rows(); ++i) {
    const std::string t = quoted(owned->text(i, 0));
    auto r = conn.run_sql(
        fmt::format("SELECT setval(pg_get_serial_sequence($1, 'id'), greatest(max(id), 1), max(id) IS NOT NULL) FROM {}",
                    t),
        {owned->text(i, 0)});
    if (!r) return r.error();
  }
  // The audit chain goes on from its last copied entry.
  if (auto r = conn.run_sql(
          "UPDATE audit_head SET id = last.id, hash = last.hash "
          "FROM (SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1) AS last",
          {});
      !r)
    return r.error();
  // Every running node reloads the projects' prices, policies and evaluation rules.
  if (auto st = conn.exec("UPDATE price_revision SET revision = revision + 1"); !st) return st;
  if (auto st = conn.exec("UPDATE governai_revision SET revision = revision + 1"); !st) return st;
  if (auto st = conn.exec("UPDATE eval_rule_revision SET revision = revision + 1"); !st) return st;
  return tx.commit();
}

}  // namespace stacklens::postgres
