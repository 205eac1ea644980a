#include "storage/postgres/pg_connection.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace stacklens::postgres {
namespace {

constexpr std::string_view kHidden = "***";

// The password of a URL or key=value string, found the way redact_url finds it.
void for_each_password(std::string_view s, auto&& visit) {
  if (const size_t scheme = s.find("://"); scheme != std::string_view::npos) {
    const size_t start = scheme + 3;
    const size_t at = s.rfind('@', s.find('?', start));
    const size_t colon = s.find(':', start);
    if (at != std::string_view::npos && at > start && colon < at) visit(colon + 1, at);
  }
  for (size_t key = s.find("password="); key != std::string_view::npos; key = s.find("password=", key + 1)) {
    size_t begin = key + std::strlen("password="), end = begin;
    if (end < s.size() && s[end] == '\'') {
      end = s.find('\'', end + 1);
      end = end == std::string_view::npos ? s.size() : end + 1;
    } else {
      while (end < s.size() && s[end] != '&' && s[end] != ' ') ++end;
    }
    visit(begin, end);
  }
}

std::string password_of(const std::string& url) {
  std::string out;
  if (char* err = nullptr; PQconninfoOption* opts = PQconninfoParse(url.c_str(), &err)) {
    for (auto* o = opts; o->keyword; ++o)
      if (std::strcmp(o->keyword, "password") == 0 && o->val) out = o->val;
    PQconninfoFree(opts);
    return out;
  } else {
    PQfreemem(err);
  }
  for_each_password(url, [&](size_t b, size_t e) { out = url.substr(b, e - b); });
  return out;
}

// libpq's message on one line: its lines joined by a space, the trailing newline gone.
std::string trimmed(const char* message) {
  std::string out;
  for (const char* c = message ? message : ""; *c; ++c) {
    if (*c != '\n' && *c != '\t') out += *c;
    else if (!out.empty() && out.back() != ' ') out += ' ';
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string scrub(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + kHidden.size()))
    text.replace(at, secret.size(), kHidden);
  return text;
}

// SQLSTATE classes: 23 integrity (a unique race included, as SQLite's SQLITE_CONSTRAINT), 08
// connection, 57P0x server shutting down or starting, 57014 statement timeout, 53 resources,
// 40 serialization/deadlock: all but the first clear up by themselves.
ErrorCode classify(std::string_view state) {
  if (state.starts_with("23")) return ErrorCode::conflict;
  if (state == "53100") return ErrorCode::storage_full;
  if (state.starts_with("08") || state.starts_with("57P0") || state == "57014" || state.starts_with("53") ||
      state.starts_with("40"))
    return ErrorCode::unavailable;
  return ErrorCode::internal;
}

}  // namespace

std::string redact_url(std::string_view url) {
  std::string out;
  size_t from = 0;
  std::vector<std::pair<size_t, size_t>> spans;
  for_each_password(url, [&](size_t b, size_t e) { spans.emplace_back(b, e); });
  std::sort(spans.begin(), spans.end());
  for (auto [b, e] : spans) {
    if (b < from) continue;
    out.append(url.substr(from, b - from)).append(kHidden);
    from = e;
  }
  return out.append(url.substr(from));
}

int64_t PgResult::i64(int row, int col) const {
  const char* v = PQgetvalue(r_.get(), row, col);
  int64_t out = 0;
  std::from_chars(v, v + std::strlen(v), out);
  return out;
}

std::optional<int64_t> PgResult::opt_i64(int row, int col) const {
  if (is_null(row, col)) return std::nullopt;
  return i64(row, col);
}

Result<std::unique_ptr<PgConn>> PgConn::connect(const std::string& url, int statement_timeout_ms) {
  // The URL comes last so that what it says wins over these defaults.
  const char* keys[] = {"application_name", "connect_timeout", "dbname", nullptr};
  const char* values[] = {"stacklens", "5", url.c_str(), nullptr};
  PGconn* raw = PQconnectdbParams(keys, values, 1);
  std::string secret = password_of(url);
  if (!raw) return make_error(ErrorCode::unavailable, "cannot connect to PostgreSQL: out of memory");
  if (PQstatus(raw) != CONNECTION_OK) {
    std::string why = scrub(trimmed(PQerrorMessage(raw)), secret);
    PQfinish(raw);
    return make_error(ErrorCode::unavailable,
                      fmt::format("cannot connect to PostgreSQL at {}: {}", redact_url(url), why));
  }
  // Notices ("relation already exists, skipping" from the migrations) are not for the log.
  PQsetNoticeProcessor(raw, [](void*, const char*) {}, nullptr);
  std::unique_ptr<PgConn> conn(new PgConn(raw, std::move(secret)));
  static constexpr Statement kTimeout{"set_statement_timeout", "SELECT set_config('statement_timeout', $1, false)"};
  if (auto r = conn->run(kTimeout, fmt::format("{}ms", statement_timeout_ms)); !r) return r.error();
  return conn;
}

PgConn::~PgConn() { PQfinish(conn_); }

Error PgConn::error_of(const PGresult* r, std::string_view what) const {
  // The primary message only: a DETAIL line quotes the row ("Key (hash)=(...) already exists").
  const char* primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  const std::string message =
      scrub(trimmed(primary ? primary : r ? PQresultErrorMessage(r) : PQerrorMessage(conn_)), secret_);
  if (broken())
    return make_error(ErrorCode::unavailable, fmt::format("{}: PostgreSQL connection lost: {}", what, message));
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  return make_error(classify(state ? state : ""), fmt::format("{}: {}", what, message));
}

Result<PgResult> PgConn::run_params(const Statement& st, const std::vector<Param>& params) {
  if (!prepared_.contains(st.name)) {
    PgResult prep(PQprepare(conn_, st.name, st.sql, 0, nullptr));
    if (PQresultStatus(prep.raw()) != PGRES_COMMAND_OK) return error_of(prep.raw(), st.name);
    prepared_.insert(st.name);
  }
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  PGresult* raw = PQexecPrepared(conn_, st.name, static_cast<int>(values.size()), values.data(), nullptr, nullptr, 0);
  PgResult result(raw);
  const auto status = PQresultStatus(raw);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) return error_of(raw, st.name);
  return result;
}

Result<PgResult> PgConn::run_sql(const std::string& sql, const std::vector<Param>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  PGresult* raw = PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                               nullptr, 0);
  PgResult result(raw);
  const auto status = PQresultStatus(raw);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) return error_of(raw, sql.substr(0, 40));
  return result;
}

Status PgConn::exec(std::string_view sql) {
  PgResult result(PQexec(conn_, std::string(sql).c_str()));
  const PGresult* raw = result.raw();
  const auto status = PQresultStatus(raw);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) return error_of(raw, sql.substr(0, 40));
  return ok_status();
}

PgTransaction::~PgTransaction() {
  if (!done_ && begun_ && !conn_.broken()) (void)conn_.exec("ROLLBACK");
}

Status PgTransaction::commit() {
  auto s = conn_.exec("COMMIT");
  if (s) done_ = true;
  return s;
}

}  // namespace stacklens::postgres
