#pragma once
// Thin RAII layer over the SQLite C API, used only inside storage/sqlite.
#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace stacklens::sqlite {

class Stmt;

class Db {
 public:
  // Opens (creating) a database file in WAL mode with a busy timeout.
  // `page_size` (bytes, 0: SQLite's default) applies only when the file is created here.
  static Result<std::unique_ptr<Db>> open(const std::string& path, bool read_only = false, int page_size = 0);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  Status exec(std::string_view sql);
  Result<Stmt*> prepare(std::string_view sql);  // cached per connection
  int64_t changes() const;
  // The integer in the first column of the first row of `sql` (no parameters; 0 for no row).
  Result<int64_t> query_int(std::string_view sql);
  int page_size();  // bytes
  int64_t last_insert_rowid() const;
  sqlite3* raw() { return db_; }
  Error error(std::string_view what) const;

 private:
  explicit Db(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::vector<std::pair<std::string, std::unique_ptr<Stmt>>> cache_;
};

class Stmt {
 public:
  Stmt(sqlite3* db, sqlite3_stmt* s) : db_(db), s_(s) {}
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt& reset();
  Stmt& bind(int i, int64_t v);
  Stmt& bind(int i, double v);
  Stmt& bind(int i, std::string_view v);
  Stmt& bind_blob(int i, std::string_view v);
  Stmt& bind_null(int i);
  // Bind without a copy (the ingest hot path): `v` must outlive the statement's run; the
  // binding is dropped by the next reset(). Temporaries are refused at compile time.
  Stmt& bind_ref(int i, const std::string& v);
  Stmt& bind_ref(int i, const std::optional<std::string>& v) { return v ? bind_ref(i, *v) : bind_null(i); }
  Stmt& bind_blob_ref(int i, const std::string& v);
  Stmt& bind_view(int i, std::string_view v);  // the same for text the caller keeps alive by other means
  Stmt& bind_ref(int i, std::string&&) = delete;
  Stmt& bind_ref(int i, std::optional<std::string>&&) = delete;
  Stmt& bind_blob_ref(int i, std::string&&) = delete;
  template <typename T>
  Stmt& bind(int i, const std::optional<T>& v) {
    return v ? bind(i, *v) : bind_null(i);
  }
  Stmt& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
  Stmt& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
  Stmt& bind(int i, int v) { return bind(i, static_cast<int64_t>(v)); }
  // true: a row is ready; false: done. Errors come back as Error.
  Result<bool> step();
  Status run();  // step to completion, expecting no rows

  bool is_null(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  int column_type(int col) const { return sqlite3_column_type(s_, col); }  // SQLITE_INTEGER, ...
  int64_t i64(int col) const { return sqlite3_column_int64(s_, col); }
  double f64(int col) const { return sqlite3_column_double(s_, col); }
  std::string text(int col) const;
  std::string_view view(int col) const;  // text or blob bytes, valid until the next step or reset
  std::optional<std::string> opt_text(int col) const;
  std::optional<int64_t> opt_i64(int col) const;
  std::optional<double> opt_f64(int col) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* s_;
};

// Applies the migrations above PRAGMA user_version, each in its own transaction.
Status migrate(Db& db, const std::vector<std::string_view>& migrations);

// Every row `s` gives, each read by `read(s)`.
template <typename T, typename F>
Result<std::vector<T>> collect(Stmt& s, F read) {
  std::vector<T> out;
  for (;;) {
    auto row = s.step();
    if (!row) return row.error();
    if (!*row) return out;
    out.push_back(read(s));
  }
}

// RAII transaction: rolls back unless commit() succeeded.
class Transaction {
 public:
  explicit Transaction(Db& db, bool immediate = true);
  ~Transaction();
  Status begin_status() const { return begun_; }
  Status commit();

 private:
  Db& db_;
  Status begun_;
  bool done_ = false;
};

}  // namespace stacklens::sqlite
