// Sessions and users in the SQLite span store: the ids a trace keeps, the sums of the sessions
// and users lists, and the query plans that keep those lists fast (they read only their index).
#include <gtest/gtest.h>

#include <string>

#include "storage/sqlite/span_connection.h"
#include "storage/sqlite/span_readers.h"
#include "storage/sqlite/sqlite_span_store.h"
#include "query_plan.h"
#include "temp_dir.h"

using namespace stacklens;
using namespace stacklens::sqlite;

namespace {

constexpr Micros kMinute = 60LL * 1000000;

SpanRecord record(const std::string& trace_id, const std::string& span_id, Micros start_us, Attributes attributes,
                  int64_t tokens = 10) {
  SpanRecord r;
  r.span.project_id = 1;
  r.span.trace_id = trace_id;
  r.span.span_id = span_id;
  r.span.name = "chat";
  r.span.start_us = start_us;
  r.span.end_us = start_us + 1000;
  r.span.attributes = std::move(attributes);
  r.span.llm = LlmData{};
  r.span.llm->total_tokens = tokens;
  r.span.llm->cost_usd = 0.5;
  return r;
}

PeriodListQuery whole_day(std::string sort = "last") {
  PeriodListQuery q;
  q.from_us = 0;
  q.to_us = 24 * 60 * kMinute;
  q.sort = std::move(sort);
  return q;
}

}  // namespace

TEST(Conversations, TracesKeepTheFirstIdsAndTheListsSumThem) {
  const auto dir = fresh_dir("conversations");
  auto store = SqliteSpanStore::open((dir / "spans.db").string(), 0);
  ASSERT_TRUE(store);
  SpanStore& s = **store;
  // t1 gets its ids from its second span; a later span's other ids change nothing.
  ASSERT_TRUE(s.write({record("t1", "a", 1 * kMinute, {}), record("t1", "b", 2 * kMinute, {{"session.id", "s1"}})}));
  ASSERT_TRUE(s.write({record("t1", "c", 3 * kMinute, {{"session_id", "s9"}, {"user_id", "u1"}})}));
  ASSERT_TRUE(s.write({record("t2", "a", 10 * kMinute, {{"gen_ai.conversation.id", "s1"}, {"user.id", "u1"}}),
                       record("t3", "a", 20 * kMinute, {{"session_id", "s2"}, {"user_id", "u2"}}, 1000),
                       record("t4", "a", 30 * kMinute, {{"session_id", ""}, {"user_id", "u2"}})}));
  // A retry of stored spans adds nothing.
  ASSERT_TRUE(s.write({record("t3", "a", 20 * kMinute, {{"session_id", "s2"}, {"user_id", "u2"}}, 1000)}));

  auto sessions = s.list_sessions(1, whole_day());
  ASSERT_TRUE(sessions);
  ASSERT_EQ(sessions->rows.size(), 2u);
  const SessionSummary& s1 = sessions->rows[1];
  EXPECT_EQ(sessions->rows[0].session_id, "s2");
  EXPECT_EQ(s1.session_id, "s1");
  EXPECT_EQ(s1.user_id, "u1");
  EXPECT_EQ(s1.traces, 2);
  EXPECT_EQ(s1.total_tokens, 40);
  EXPECT_DOUBLE_EQ(s1.cost_usd, 2.0);
  EXPECT_EQ(s1.first_us, 1 * kMinute);
  EXPECT_EQ(s1.last_us, 10 * kMinute);

  auto users = s.list_users(1, whole_day("traces"));
  ASSERT_TRUE(users);
  ASSERT_EQ(users->rows.size(), 2u);
  for (const UserSummary& u : users->rows) {
    EXPECT_EQ(u.traces, 2) << u.user_id;
    EXPECT_EQ(u.sessions, 1) << u.user_id;  // t4 has none
  }

  TraceFilter by_session;
  by_session.session_id = "s1";
  by_session.oldest_first = true;
  auto page = s.list_traces(1, by_session);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->traces.size(), 2u);
  EXPECT_EQ(page->traces[0].trace_id, "t1");
  EXPECT_EQ(page->traces[0].user_id, "u1");
  EXPECT_EQ(page->traces[1].trace_id, "t2");
  TraceFilter by_user;
  by_user.user_id = "u2";
  page = s.list_traces(1, by_user);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->traces.size(), 2u);
  EXPECT_EQ(page->traces[0].trace_id, "t4");
  EXPECT_FALSE(page->traces[0].session_id);

  auto other_project = s.list_sessions(2, whole_day());
  ASSERT_TRUE(other_project);
  EXPECT_TRUE(other_project->rows.empty());
}

// The lists read their covering indexes and nothing else: no scan of the table. The default
// order (latest activity) walks the period's index newest first, with no sort, and sums each
// session or user of the page from its entries in id_traces and the rows of its traces in memory
// (found by row): its cost follows the page. Other orders sum the period's entries of the time
// index.
TEST(Conversations, ListsReadOnlyTheirCoveringIndexes) {
  const auto dir = fresh_dir("conversation-plans");
  const std::string path = (dir / "spans.db").string();
  { ASSERT_TRUE(SqliteSpanStore::open(path, 0)); }
  auto db = open_span_reader(path);
  ASSERT_TRUE(db);
  for (bool by_user : {false, true}) {
    PeriodListQuery q = whole_day("traces");
    if (by_user) q.user_id = "u";
    for (const PeriodListSql& sql : {session_list_sql(q), user_list_sql(q)}) {
      const bool users = sql.all.find("user_time") != std::string::npos;
      const std::string time_index = users ? "user_time" : "session_time";
      const std::string all = query_plan(**db, sql.all);
      EXPECT_NE(all.find("SEARCH traces USING COVERING INDEX " + time_index + " (project_id=? AND start_us>? AND start_us<?)"),
                std::string::npos) << all;
      const std::string latest = query_plan(**db, sql.latest);
      EXPECT_NE(latest.find("SEARCH traces USING COVERING INDEX " + time_index + " (project_id=? AND start_us>? AND start_us<?)"),
                std::string::npos) << latest;
      EXPECT_EQ(latest.find("TEMP B-TREE"), std::string::npos) << latest;  // the index's order, read backwards
      const std::string one = query_plan(**db, sql.one);
      EXPECT_NE(one.find("SEARCH id_traces USING PRIMARY KEY (project_id=? AND kind=? AND id_key=?)"),
                std::string::npos) << one;
      EXPECT_NE(one.find("SEARCH traces USING INTEGER PRIMARY KEY (rowid=?)"), std::string::npos) << one;
      EXPECT_EQ(one.find("SCAN traces"), std::string::npos) << one;
    }
  }
}
