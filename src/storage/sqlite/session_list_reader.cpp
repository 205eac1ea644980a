#include <fmt/format.h>

#include <algorithm>
#include <iterator>

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

// Parameters: ?1 project, ?2 from, ?3 to, ?4 rows wanted (one more than the page), ?5 offset,
// ?6 user (sessions of one user only).
std::string tail(const PeriodListQuery& q, std::string_view group) {
  return fmt::format(" GROUP BY {0} ORDER BY {1} {2}, {0} LIMIT ?4 OFFSET ?5", group, order_column(q.sort),
                     q.ascending ? "ASC" : "DESC");
}

template <typename Row>
Result<PeriodPage<Row>> read_page(Db& db, int64_t project_id, const PeriodListQuery& q, const std::string& sql,
                                  Row (*read_row)(Stmt&)) {
  auto st = db.prepare(sql);
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

}  // namespace

// Sessions sum their traces in the period through session_time, which covers every column read:
// the list reads no trace row.
std::string session_page_sql(const PeriodListQuery& q) {
  return "SELECT session_id, max(user_id), min(start_us) AS first_us, max(end_us) AS last_us, count(*) AS traces, "
         "sum(total_tokens) AS tokens, total(cost_usd) AS cost, sum(errors > 0) AS errs "
         "FROM traces INDEXED BY session_time "
         "WHERE project_id = ?1 AND start_us >= ?2 AND start_us < ?3 AND session_id IS NOT NULL" +
         std::string(q.user_id ? " AND user_id = ?6" : "") + tail(q, "session_id");
}

// Users likewise through user_time.
std::string user_page_sql(const PeriodListQuery& q) {
  return "SELECT user_id, min(start_us) AS first_us, max(start_us) AS last_us, count(*) AS traces, "
         "count(DISTINCT session_id) AS sessions, sum(total_tokens) AS tokens, total(cost_usd) AS cost, "
         "sum(errors > 0) AS errs FROM traces INDEXED BY user_time "
         "WHERE project_id = ?1 AND start_us >= ?2 AND start_us < ?3 AND user_id IS NOT NULL" +
         tail(q, "user_id");
}

Result<PeriodPage<SessionSummary>> read_session_page(Db& db, int64_t project_id, const PeriodListQuery& q) {
  return read_page<SessionSummary>(db, project_id, q, session_page_sql(q), [](Stmt& s) {
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
  });
}

Result<PeriodPage<UserSummary>> read_user_page(Db& db, int64_t project_id, const PeriodListQuery& q) {
  return read_page<UserSummary>(db, project_id, q, user_page_sql(q), [](Stmt& s) {
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
  });
}

}  // namespace stacklens::sqlite
