#include "storage/sqlite/sqlite_db.h"

#include <fmt/format.h>

namespace stacklens::sqlite {
namespace {
ErrorCode classify(sqlite3* db) {
  switch (sqlite3_extended_errcode(db) & 0xff) {
    case SQLITE_FULL: return ErrorCode::storage_full;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY: return ErrorCode::unavailable;
    case SQLITE_CONSTRAINT: return ErrorCode::conflict;
    default: return ErrorCode::internal;
  }
}

// The error of the last call on `db`, prefixed by `what`. A failed disk operation names the
// database file and the operation (the client and /ready see it), not just "disk I/O error".
Error last_error(sqlite3* db, std::string_view what, std::string_view message) {
  const int extended = sqlite3_extended_errcode(db);
  if ((extended & 0xff) != SQLITE_IOERR || extended == SQLITE_IOERR_NOMEM)
    return make_error(classify(db), fmt::format("{}: {}", what, message));
  std::string_view op = "read or write";
  switch (extended) {
    case SQLITE_IOERR_FSYNC:
    case SQLITE_IOERR_DIR_FSYNC: op = "sync"; break;
    case SQLITE_IOERR_WRITE: op = "write"; break;
    case SQLITE_IOERR_READ:
    case SQLITE_IOERR_SHORT_READ: op = "read"; break;
    default: break;
  }
  const char* file = sqlite3_db_filename(db, "main");
  return make_error(ErrorCode::unavailable,
                    fmt::format("disk I/O error: could not {} {} (or its WAL); check the disk", op,
                                file && *file ? file : "the database"));
}

// SQLite counts every allocation's bytes under a process-wide mutex unless told not to; nothing
// here reads those counts, and under batched ingest the lock and unlock were ~1 % of the
// server's CPU (docs/benchmarks.md). Must run before the library initialises, so before the
// first open.
void configure_library_once() {
  static const bool done = [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return true;
  }();
  (void)done;
}
}  // namespace

Result<std::unique_ptr<Db>> Db::open(const std::string& path, bool read_only, int page_size) {
  configure_library_once();
  sqlite3* raw = nullptr;
  const int flags = (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                    SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &raw, flags, nullptr) != SQLITE_OK) {
    std::string msg = raw ? sqlite3_errmsg(raw) : "out of memory";
    sqlite3_close(raw);
    return make_error(ErrorCode::unavailable, fmt::format("cannot open {}: {}", path, msg));
  }
  std::unique_ptr<Db> db(new Db(raw));
  sqlite3_busy_timeout(raw, 5000);
  sqlite3_extended_result_codes(raw, 1);
  if (!read_only) {
    // Before the WAL: a database in WAL mode keeps the page size it was created with.
    if (page_size > 0)
      if (auto st = db->exec(fmt::format("PRAGMA page_size={}", page_size)); !st) return st.error();
    auto st = db->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
    if (!st) return st.error();
  }
  return db;
}

Db::~Db() {
  cache_.clear();
  sqlite3_close(db_);
}

Error Db::error(std::string_view what) const {
  return last_error(db_, what, sqlite3_errmsg(db_));
}

Status Db::exec(std::string_view sql) {
  char* err = nullptr;
  std::string s(sql);
  if (sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    const std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return last_error(db_, "sqlite", msg);
  }
  return ok_status();
}

Result<Stmt*> Db::prepare(std::string_view sql) {
  for (auto& [text, stmt] : cache_)
    if (text == sql) return &stmt->reset();
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &s, nullptr) !=
      SQLITE_OK)
    return error("prepare");
  cache_.emplace_back(std::string(sql), std::make_unique<Stmt>(db_, s));
  return cache_.back().second.get();
}

int64_t Db::changes() const { return sqlite3_changes64(db_); }

Result<int64_t> Db::query_int(std::string_view sql) {
  auto st = prepare(sql);
  if (!st) return st.error();
  auto row = (*st)->step();
  if (!row) return row.error();
  const int64_t value = *row ? (*st)->i64(0) : 0;
  (*st)->reset();
  return value;
}

int Db::page_size() {
  auto size = query_int("PRAGMA page_size");
  return size && *size > 0 ? static_cast<int>(*size) : 4096;
}
int64_t Db::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

Stmt& Stmt::reset() {
  sqlite3_reset(s_);
  sqlite3_clear_bindings(s_);
  return *this;
}
Stmt& Stmt::bind(int i, int64_t v) {
  sqlite3_bind_int64(s_, i, v);
  return *this;
}
Stmt& Stmt::bind(int i, double v) {
  sqlite3_bind_double(s_, i, v);
  return *this;
}
Stmt& Stmt::bind(int i, std::string_view v) {
  sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::bind_blob(int i, std::string_view v) {
  sqlite3_bind_blob(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::bind_ref(int i, const std::string& v) { return bind_view(i, v); }
Stmt& Stmt::bind_view(int i, std::string_view v) {
  sqlite3_bind_text(s_, i, v.data() ? v.data() : "", static_cast<int>(v.size()), SQLITE_STATIC);
  return *this;
}
Stmt& Stmt::bind_blob_ref(int i, const std::string& v) {
  sqlite3_bind_blob(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  return *this;
}
Stmt& Stmt::bind_null(int i) {
  sqlite3_bind_null(s_, i);
  return *this;
}

Result<bool> Stmt::step() {
  const int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Error e = last_error(db_, "sqlite", sqlite3_errmsg(db_));
  sqlite3_reset(s_);
  return e;
}

Status Stmt::run() {
  auto r = step();
  if (!r) return r.error();
  sqlite3_reset(s_);
  return ok_status();
}

std::string Stmt::text(int col) const { return std::string(view(col)); }
std::string_view Stmt::view(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_blob(s_, col));
  const int n = sqlite3_column_bytes(s_, col);
  return p ? std::string_view(p, static_cast<size_t>(n)) : std::string_view();
}
std::optional<std::string> Stmt::opt_text(int col) const {
  if (is_null(col)) return std::nullopt;
  return text(col);
}
std::optional<int64_t> Stmt::opt_i64(int col) const {
  if (is_null(col)) return std::nullopt;
  return i64(col);
}
std::optional<double> Stmt::opt_f64(int col) const {
  if (is_null(col)) return std::nullopt;
  return f64(col);
}

Status migrate(Db& db, const std::vector<std::string_view>& migrations) {
  auto version = db.query_int("PRAGMA user_version");
  if (!version) return version.error();
  const int64_t current = *version;
  if (current > static_cast<int64_t>(migrations.size()))
    return make_error(ErrorCode::internal,
                      fmt::format("database schema version {} is newer than this binary knows ({})", current,
                                  migrations.size()));
  for (size_t v = static_cast<size_t>(current); v < migrations.size(); ++v) {
    Transaction tx(db);
    if (!tx.begin_status()) return tx.begin_status();
    if (auto s = db.exec(migrations[v]); !s) return s;
    if (auto s = db.exec(fmt::format("PRAGMA user_version={}", v + 1)); !s) return s;
    if (auto s = tx.commit(); !s) return s;
  }
  return ok_status();
}

Transaction::Transaction(Db& db, bool immediate)
    : db_(db), begun_(db.exec(immediate ? "BEGIN IMMEDIATE" : "BEGIN")) {}

Transaction::~Transaction() {
  if (!done_ && begun_) db_.exec("ROLLBACK");
}

Status Transaction::commit() {
  auto s = db_.exec("COMMIT");
  if (s) done_ = true;
  return s;
}

}  // namespace stacklens::sqlite
