#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <unordered_set>

#include "storage/sqlite/span_readers.h"

namespace stacklens::sqlite {

namespace {

// The ORDER BY column of each sort key (query.h's kSessionSorts / kUserSorts; the API checks them).
std::string_view order_column(std::string_view sort) {
  static constexpr std::pair<std::string_view, std::string_view> kColumns[] = {
      {"last", "last_us"}, {"first", "first_us"}, {"traces", "traces"}, {"sessions", "sessions"},
      {"tokens", "tokens"}, {"cost", "cost"},     {"errors", "errs"}};
  const auto* it = std::find_if(std::begin(kColumns), std::end(kColumns), [&](const auto& c) { return c.first == sort; });
  return it == std::end(kColumns) ? "last_us" : it->second;
}

// What one session or user adds up to, as selected by the statements below.
constexpr std::string_view kSessionSums =
    "session_id, max(user_id), min(start_us) AS first_us, max(start_us) AS last_us, count(*) AS traces, "
    "sum(total_tokens) AS tokens, total(cost_usd) AS cost, sum(errors > 0) AS errs";
constexpr std::string_view kUserSums =
    "user_id, min(start_us) AS first_us, max(start_us) AS last_us, count(*) AS traces, "
    "count(DISTINCT session_id) AS sessions, sum(total_tokens) AS tokens, total(cost_usd) AS cost, "
    "sum(errors > 0) AS errs";

// One session's (user's) rows for `one`: its entries in id_traces, except the traces in memory
// (?7, a JSON array of their rows), which are read from their rows (id_traces.h; NOT INDEXED: by
// row, not through the period's time index). ?4 is the id, ?6 its key; `columns` name what
// id_traces keeps as the lists' column names.
std::string rows_of_one(IdTraces::Kind kind, std::string_view columns) {
  return fmt::format(
      "SELECT {}, start_us, errors, total_tokens, cost_usd FROM id_traces WHERE project_id = ?1 AND kind = {} "
      "AND id_key = ?6 AND id = ?4 AND trace_row NOT IN (SELECT value FROM json_each(?7)) "
      "UNION ALL SELECT session_id, user_id, start_us, errors, total_tokens, cost_usd FROM traces NOT INDEXED "
      "WHERE id IN (SELECT value FROM json_each(?7)) AND project_id = ?1 AND {} = ?4",
      columns, static_cast<int>(kind), kind == IdTraces::session ? "session_id" : "user_id");
}

SessionSummary session_row(Stmt& s) {
  SessionSummary r;
  r.session_id = s.text(0);
  if (!s.is_null(1)) r.user_id = s.text(1);
  r.first_us = s.i64(2);
  r.last_us = s.i64(3);
  r.traces = s.i64(4);
  r.total_tokens = s.i64(5);
  r.cost_usd = s.f64(6);
  r.errors = s.i64(7);
  return r;
}

UserSummary user_row(Stmt& s) {
  UserSummary r;
  r.user_id = s.text(0);
  r.first_us = s.i64(1);
  r.last_us = s.i64(2);
  r.traces = s.i64(3);
  r.sessions = s.i64(4);
  r.total_tokens = s.i64(5);
  r.cost_usd = s.f64(6);
  r.errors = s.i64(7);
  return r;
}

// Sorted by a sum: every session (user) of the period is summed, then sorted.
template <typename Row>
Result<PeriodPage<Row>> read_sorted(Db& db, int64_t project_id, const PeriodListQuery& q, const PeriodListSql& sql,
                                    Row (*read_row)(Stmt&)) {
  auto st = db.prepare(sql.all);
  if (!st) return st.error();
  Stmt& s = (*st)->reset();
  s.bind(1, project_id).bind(2, q.from_us).bind(3, q.to_us).bind(4, static_cast<int64_t>(q.limit + 1)).bind(5, q.offset);
  if (q.user_id) s.bind(6, *q.user_id);
  PeriodPage<Row> page;
  for (;;) {
    auto row = s.step();
    if (!row) return row.error();
    if (!*row) break;
    if (static_cast<int>(page.rows.size()) == q.limit) {
      page.next_offset = q.offset + q.limit;
      s.reset();
      break;
    }
    page.rows.push_back(read_row(s));
  }
  return page;
}

// Latest activity first (the lists' default): the period's traces are walked newest first until
// the page's sessions (users) have been seen, then each one's traces in the period are summed
// from id_traces (and its traces in memory). What it reads follows the page, not the period.
template <typename Row>
Result<PeriodPage<Row>> read_latest(Db& db, const IdTraces& recent, int64_t project_id, const PeriodListQuery& q,
                                    const PeriodListSql& sql, Row (*read_row)(Stmt&)) {
  auto walk = db.prepare(sql.latest);
  if (!walk) return walk.error();
  Stmt& w = (*walk)->reset();
  w.bind(1, project_id).bind(2, q.from_us).bind(3, q.to_us);
  if (q.user_id) w.bind(4, *q.user_id);
  const size_t wanted = static_cast<size_t>(q.offset) + static_cast<size_t>(q.limit) + 1;
  std::vector<std::string> ids;
  std::unordered_set<std::string> seen;
  while (ids.size() < wanted) {
    auto row = w.step();
    if (!row) return row.error();
    if (!*row) break;
    std::string id = w.text(0);
    if (seen.insert(id).second) ids.push_back(std::move(id));
  }
  w.reset();
  PeriodPage<Row> page;
  if (ids.size() == wanted) {
    page.next_offset = q.offset + q.limit;
    ids.pop_back();
  }
  auto one = db.prepare(sql.one);
  if (!one) return one.error();
  for (size_t i = static_cast<size_t>(std::min<int64_t>(q.offset, static_cast<int64_t>(ids.size()))); i < ids.size(); ++i) {
    Stmt& s = (*one)->reset();
    s.bind(1, project_id).bind(2, q.from_us).bind(3, q.to_us).bind(4, ids[i]);
    if (q.user_id) s.bind(5, *q.user_id);
    s.bind(6, recent.key(ids[i])).bind(7, recent.recent_rows(project_id, sql.kind, ids[i]));
    auto row = s.step();
    if (!row) return row.error();
    if (*row) page.rows.push_back(read_row(s));
    s.reset();
  }
  return page;
}

}  // namespace

PeriodListSql session_list_sql(const PeriodListQuery& q) {
  const std::string period = "project_id = ?1 AND start_us >= ?2 AND start_us < ?3 AND session_id IS NOT NULL";
  return PeriodListSql{
      fmt::format("SELECT {} FROM traces INDEXED BY session_time WHERE {}{} GROUP BY session_id "
                  "ORDER BY {} {}, session_id LIMIT ?4 OFFSET ?5",
                  kSessionSums, period, q.user_id ? " AND user_id = ?6" : "", order_column(q.sort),
                  q.ascending ? "ASC" : "DESC"),
      fmt::format("SELECT session_id FROM traces INDEXED BY session_time WHERE {}{} ORDER BY start_us DESC", period,
                  q.user_id ? " AND user_id = ?4" : ""),
      fmt::format("SELECT {} FROM ({}) WHERE start_us >= ?2 AND start_us < ?3{}", kSessionSums,
                  rows_of_one(IdTraces::session, "id AS session_id, other AS user_id"),
                  q.user_id ? " AND user_id = ?5" : ""),
      IdTraces::session};
}

PeriodListSql user_list_sql(const PeriodListQuery& q) {
  const std::string period = "project_id = ?1 AND start_us >= ?2 AND start_us < ?3 AND user_id IS NOT NULL";
  return PeriodListSql{
      fmt::format("SELECT {} FROM traces INDEXED BY user_time WHERE {} GROUP BY user_id "
                  "ORDER BY {} {}, user_id LIMIT ?4 OFFSET ?5",
                  kUserSums, period, order_column(q.sort), q.ascending ? "ASC" : "DESC"),
      fmt::format("SELECT user_id FROM traces INDEXED BY user_time WHERE {} ORDER BY start_us DESC", period),
      fmt::format("SELECT {} FROM ({}) WHERE start_us >= ?2 AND start_us < ?3", kUserSums,
                  rows_of_one(IdTraces::user, "other AS session_id, id AS user_id")),
      IdTraces::user};
}

Result<PeriodPage<SessionSummary>> read_session_page(Db& db, const IdTraces& ids, int64_t project_id,
                                                     const PeriodListQuery& q) {
  const PeriodListSql sql = session_list_sql(q);
  if (q.sort == "last" && !q.ascending) return read_latest<SessionSummary>(db, ids, project_id, q, sql, &session_row);
  return read_sorted<SessionSummary>(db, project_id, q, sql, &session_row);
}

Result<PeriodPage<UserSummary>> read_user_page(Db& db, const IdTraces& ids, int64_t project_id,
                                               const PeriodListQuery& q) {
  const PeriodListSql sql = user_list_sql(q);
  if (q.sort == "last" && !q.ascending) return read_latest<UserSummary>(db, ids, project_id, q, sql, &user_row);
  return read_sorted<UserSummary>(db, project_id, q, sql, &user_row);
}

}  // namespace stacklens::sqlite
