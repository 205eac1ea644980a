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
// from its own index. What it reads follows the page, not the period.
template <typename Row>
Result<PeriodPage<Row>> read_latest(Db& db, int64_t project_id, const PeriodListQuery& q, const PeriodListSql& sql,
                                    Row (*read_row)(Stmt&)) {
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
      fmt::format("SELECT {} FROM traces INDEXED BY trace_session WHERE project_id = ?1 AND session_id = ?4 "
                  "AND start_us >= ?2 AND start_us < ?3{}",
                  kSessionSums, q.user_id ? " AND user_id = ?5" : "")};
}

PeriodListSql user_list_sql(const PeriodListQuery& q) {
  const std::string period = "project_id = ?1 AND start_us >= ?2 AND start_us < ?3 AND user_id IS NOT NULL";
  return PeriodListSql{
      fmt::format("SELECT {} FROM traces INDEXED BY user_time WHERE {} GROUP BY user_id "
                  "ORDER BY {} {}, user_id LIMIT ?4 OFFSET ?5",
                  kUserSums, period, order_column(q.sort), q.ascending ? "ASC" : "DESC"),
      fmt::format("SELECT user_id FROM traces INDEXED BY user_time WHERE {} ORDER BY start_us DESC", period),
      fmt::format("SELECT {} FROM traces INDEXED BY trace_user WHERE project_id = ?1 AND user_id = ?4 "
                  "AND start_us >= ?2 AND start_us < ?3",
                  kUserSums)};
}

Result<PeriodPage<SessionSummary>> read_session_page(Db& db, int64_t project_id, const PeriodListQuery& q) {
  const PeriodListSql sql = session_list_sql(q);
  if (q.sort == "last" && !q.ascending) return read_latest<SessionSummary>(db, project_id, q, sql, &session_row);
  return read_sorted<SessionSummary>(db, project_id, q, sql, &session_row);
}

Result<PeriodPage<UserSummary>> read_user_page(Db& db, int64_t project_id, const PeriodListQuery& q) {
  const PeriodListSql sql = user_list_sql(q);
  if (q.sort == "last" && !q.ascending) return read_latest<UserSummary>(db, project_id, q, sql, &user_row);
  return read_sorted<UserSummary>(db, project_id, q, sql, &user_row);
}

}  // namespace stacklens::sqlite
