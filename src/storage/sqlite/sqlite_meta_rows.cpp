// SqliteMetaStore as MetaRows (meta_rows.h): the source of `stacklens migrate`, read on the
// store's one connection.
#include <fmt/format.h>

#include "storage/sqlite/sqlite_meta_store.h"

namespace stacklens::sqlite {
namespace {

std::string quoted(std::string_view name) { return fmt::format("\"{}\"", name); }

std::string column_list(const std::vector<std::string>& columns) {
  std::string out;
  for (const auto& c : columns) out += (out.empty() ? "" : ", ") + quoted(c);
  return out;
}

Cell cell(Stmt& s, int c) {
  switch (s.column_type(c)) {
    case SQLITE_NULL: return std::nullopt;
    case SQLITE_INTEGER: return std::to_string(s.i64(c));
    case SQLITE_FLOAT: return fmt::format("{}", s.f64(c));
    default: return std::string(s.view(c));
  }
}

}  // namespace

Result<std::vector<std::string>> SqliteMetaStore::columns(std::string_view table) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare("SELECT name FROM pragma_table_info(?1) ORDER BY cid");
  if (!s) return s.error();
  Stmt& st = (*s)->reset().bind(1, table);
  std::vector<std::string> out;
  for (;;) {
    auto row = st.step();
    if (!row) return row.error();
    if (!*row) return out;
    out.push_back(st.text(0));
  }
}

Status SqliteMetaStore::read_rows(std::string_view table, const std::vector<std::string>& columns,
                                  const std::function<Status(CellRow&&)>& each) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare(fmt::format("SELECT {} FROM {}", column_list(columns), quoted(table)));
  if (!s) return s.error();
  Stmt& st = (*s)->reset();
  for (;;) {
    auto row = st.step();
    if (!row) return row.error();
    if (!*row) return ok_status();
    CellRow cells;
    cells.reserve(columns.size());
    for (int c = 0; c < static_cast<int>(columns.size()); ++c) cells.push_back(cell(st, c));
    if (auto r = each(std::move(cells)); !r) {
      st.reset();
      return r;
    }
  }
}

Result<int64_t> SqliteMetaStore::insert_rows(std::string_view table, const std::vector<std::string>& columns,
                                             const std::vector<CellRow>& rows) {
  std::lock_guard lock(mu_);
  std::string marks;
  for (size_t c = 0; c < columns.size(); ++c) marks += fmt::format("{}?{}", c == 0 ? "" : ", ", c + 1);
  Transaction tx(*db_);
  if (!tx.begin_status()) return tx.begin_status().error();
  auto s = db_->prepare(
      fmt::format("INSERT OR IGNORE INTO {} ({}) VALUES ({})", quoted(table), column_list(columns), marks));
  if (!s) return s.error();
  int64_t inserted = 0;
  for (const CellRow& row : rows) {
    Stmt& st = (*s)->reset();
    for (size_t c = 0; c < columns.size(); ++c) st.bind(static_cast<int>(c + 1), row.at(c));
    if (auto r = st.run(); !r) return r.error();
    inserted += db_->changes();
  }
  if (auto st = tx.commit(); !st) return st.error();
  return inserted;
}

// Nothing follows from copied rows here: ids continue after the largest rowid, and the audit
// chain's head is its last entry.
Status SqliteMetaStore::rows_inserted() { return ok_status(); }

}  // namespace stacklens::sqlite
