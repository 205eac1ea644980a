#pragma once
// Thin RAII layer over libpq, used only inside storage/postgres: one connection, its results,
// parameterised statements (prepared once per connection) and the SQLSTATE -> ErrorCode map.
#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "core/error.h"

namespace stacklens::postgres {

// `url` with its password (user:password@ in a URL, password=... in a URL's query or a
// key=value string) replaced by ***: the only form of a URL that may appear in a message.
std::string redact_url(std::string_view url);

// One named statement; prepared on a connection the first time it runs there.
struct Statement {
  const char* name;
  const char* sql;
};

// Parameters travel as text (NULL for nullopt); PostgreSQL converts them to the column types.
using Param = std::optional<std::string>;
inline Param param(const std::string& v) { return v; }
inline Param param(std::string_view v) { return std::string(v); }
inline Param param(const char* v) { return std::string(v); }
inline Param param(int64_t v) { return std::to_string(v); }
inline Param param(int v) { return std::to_string(v); }
inline Param param(uint32_t v) { return std::to_string(v); }
inline Param param(std::optional<int64_t> v) { return v ? param(*v) : Param(); }
inline Param param(const Param& v) { return v; }

class PgResult {
 public:
  explicit PgResult(PGresult* r) : r_(r, &PQclear) {}
  int rows() const { return PQntuples(r_.get()); }
  bool empty() const { return rows() == 0; }
  bool is_null(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }
  std::string text(int row, int col) const { return PQgetvalue(r_.get(), row, col); }
  int64_t i64(int row, int col) const;
  std::optional<int64_t> opt_i64(int row, int col) const;
  const PGresult* raw() const { return r_.get(); }

 private:
  std::unique_ptr<PGresult, decltype(&PQclear)> r_;
};

class PgConn {
 public:
  // Connects and sets the statement timeout. Errors name the redacted URL; a server that
  // cannot be reached or refuses the login is `unavailable`.
  static Result<std::unique_ptr<PgConn>> connect(const std::string& url, int statement_timeout_ms);
  ~PgConn();
  PgConn(const PgConn&) = delete;
  PgConn& operator=(const PgConn&) = delete;

  template <typename... A>
  Result<PgResult> run(const Statement& st, const A&... args) {
    return run_params(st, {param(args)...});
  }
  Result<PgResult> run_params(const Statement& st, const std::vector<Param>& params);
  // A statement built at run time (not prepared): the table copies of `stacklens migrate`.
  Result<PgResult> run_sql(const std::string& sql, const std::vector<Param>& params);
  // Unnamed statements without parameters: transaction control and migrations' DDL.
  Status exec(std::string_view sql);
  // The connection is gone (server restarted, network cut): the pool discards it.
  bool broken() const { return PQstatus(conn_) != CONNECTION_OK; }
  // Inside a transaction (or a failed one): not to be handed to the next caller.
  bool in_transaction() const { return PQtransactionStatus(conn_) != PQTRANS_IDLE; }

 private:
  PgConn(PGconn* conn, std::string secret) : conn_(conn), secret_(std::move(secret)) {}
  Error error_of(const PGresult* r, std::string_view what) const;
  PGconn* conn_;
  std::string secret_;  // the password, scrubbed from every message
  std::unordered_set<std::string> prepared_;
};

// RAII transaction on one connection: rolls back unless commit() succeeded.
class PgTransaction {
 public:
  explicit PgTransaction(PgConn& conn) : conn_(conn), begun_(conn.exec("BEGIN")) {}
  ~PgTransaction();
  PgTransaction(const PgTransaction&) = delete;
  PgTransaction& operator=(const PgTransaction&) = delete;
  const Status& begin_status() const { return begun_; }
  Status commit();

 private:
  PgConn& conn_;
  Status begun_;
  bool done_ = false;
};

}  // namespace stacklens::postgres
