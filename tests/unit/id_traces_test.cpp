// A session's and a user's traces in the SQLite span store (id_traces.h): kept in memory, merged
// into id_traces in slices, found by readers before, during and after a merge, after a restart,
// when two ids share a key, and when a merged trace changes; and an older store migrated.
#include <gtest/gtest.h>
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "storage/sqlite/span_connection.h"
#include "storage/sqlite/span_schema.h"
#include "storage/sqlite/sqlite_span_store.h"
#include "temp_dir.h"

using namespace stacklens;
using namespace stacklens::sqlite;

namespace {

constexpr Micros kMinute = 60LL * 1000000;
const TraceIdentities::Tuning kTiny{10, 4};  // a merge starts at 10 recent entries, 4 merged per commit

SpanRecord record(const std::string& trace_id, const std::string& span_id, Micros start_us, Attributes attributes,
                  int64_t tokens) {
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
  r.span.llm->cost_usd = 0.25;
  return r;
}

// What the store was given, summed the way the lists sum it.
struct Sums {
  int64_t traces = 0, tokens = 0;
  double cost = 0;
  Micros first = INT64_MAX, last = INT64_MIN;
  std::set<std::string> others;  // a session's users, a user's sessions
  std::set<std::string> trace_ids;
  void add(const std::string& trace_id, Micros start, int64_t tokens_, double cost_, const std::string& other) {
    ++traces;
    tokens += tokens_;
    cost += cost_;
    first = std::min(first, start);
    last = std::max(last, start);
    others.insert(other);
    trace_ids.insert(trace_id);
  }
};

struct Model {
  std::map<std::string, Sums> sessions, users;
};

PeriodListQuery whole_day() {
  PeriodListQuery q;
  q.from_us = 0;
  q.to_us = 24 * 60 * kMinute;
  q.limit = 100;
  return q;
}

std::set<std::string> trace_ids(SpanStore& store, TraceFilter f) {
  f.limit = 1000;
  auto page = store.list_traces(1, f);
  EXPECT_TRUE(page);
  std::set<std::string> out;
  if (page)
    for (const auto& t : page->traces) out.insert(t.trace_id);
  return out;
}

// Every session and user of the model, as the lists and the trace list answer.
void expect_answers(SpanStore& store, const Model& m, const std::string& when) {
  SCOPED_TRACE(when);
  auto sessions = store.list_sessions(1, whole_day());
  ASSERT_TRUE(sessions);
  ASSERT_EQ(sessions->rows.size(), m.sessions.size());
  for (const SessionSummary& r : sessions->rows) {
    const Sums& want = m.sessions.at(r.session_id);
    EXPECT_EQ(r.traces, want.traces) << r.session_id;
    EXPECT_EQ(r.total_tokens, want.tokens) << r.session_id;
    EXPECT_DOUBLE_EQ(r.cost_usd, want.cost) << r.session_id;
    EXPECT_EQ(r.first_us, want.first) << r.session_id;
    EXPECT_EQ(r.last_us, want.last) << r.session_id;
    EXPECT_EQ(r.user_id.value_or(""), *want.others.rbegin()) << r.session_id;
    TraceFilter f;
    f.session_id = r.session_id;
    EXPECT_EQ(trace_ids(store, f), want.trace_ids) << r.session_id;
  }
  auto users = store.list_users(1, whole_day());
  ASSERT_TRUE(users);
  ASSERT_EQ(users->rows.size(), m.users.size());
  for (const UserSummary& r : users->rows) {
    const Sums& want = m.users.at(r.user_id);
    EXPECT_EQ(r.traces, want.traces) << r.user_id;
    EXPECT_EQ(r.sessions, static_cast<int64_t>(want.others.size())) << r.user_id;
    EXPECT_EQ(r.total_tokens, want.tokens) << r.user_id;
    EXPECT_DOUBLE_EQ(r.cost_usd, want.cost) << r.user_id;
    TraceFilter f;
    f.user_id = r.user_id;
    EXPECT_EQ(trace_ids(store, f), want.trace_ids) << r.user_id;
  }
}

// Writes trace `i` (one span, in a commit of its own) and adds it to the model.
void write_trace(SpanStore& store, Model& m, int i, int sessions, int users) {
  const std::string trace = fmt::format("t{}", i), session = fmt::format("s{}", i % sessions),
                    user = fmt::format("u{}", i % users);
  const Micros start = i * kMinute;
  ASSERT_TRUE(store.write({record(trace, "a", start, {{"session_id", session}, {"user_id", user}}, i + 1)}));
  m.sessions[session].add(trace, start, i + 1, 0.25, user);
  m.users[user].add(trace, start, i + 1, 0.25, session);
}

int64_t count(const std::string& path, const std::string& sql) {
  auto db = open_span_reader(path);
  EXPECT_TRUE(db);
  auto n = (*db)->query_int(sql);
  EXPECT_TRUE(n);
  return n ? *n : -1;
}

}  // namespace

// Readers find every trace by its session and user, with the lists' sums, whether its entries
// are recent, in a snapshot being merged, or merged; and again after a restart, which finds the
// unmerged entries in `traces`.
TEST(IdTraces, ReadersFindTracesBeforeDuringAndAfterMergesAndAfterARestart) {
  const auto dir = fresh_dir("id-traces");
  const std::string path = (dir / "spans.db").string();
  Model m;
  {
    auto store = SqliteSpanStore::open(path, 0, kTiny);
    ASSERT_TRUE(store);
    for (int i = 0; i < 30; ++i) {
      write_trace(**store, m, i, 7, 3);
      expect_answers(**store, m, fmt::format("after trace {}", i));
    }
  }
  const int64_t merged = count(path, "SELECT count(*) FROM id_traces");
  EXPECT_GE(merged, 30) << "most entries were merged";
  EXPECT_LT(merged, 60) << "the last ones were not";
  EXPECT_GT(count(path, "SELECT ids_through FROM ingest_state"), 0);
  // Reopened without merging: the unmerged entries are found in `traces` again.
  auto store = SqliteSpanStore::open(path, 0);
  ASSERT_TRUE(store);
  expect_answers(**store, m, "reopened");
  write_trace(**store, m, 30, 7, 3);
  expect_answers(**store, m, "reopened, one more");
  std::filesystem::remove_all(dir);
}

// Two ids with the same key (here every id has the same one) are told apart by the id itself,
// in memory and in id_traces.
TEST(IdTraces, IdsSharingAKeyAreToldApart) {
  const auto dir = fresh_dir("id-traces-collide");
  const std::string path = (dir / "spans.db").string();
  TraceIdentities::Tuning colliding = kTiny;
  colliding.id_hash = [](std::string_view) -> int64_t { return 42; };
  Model m;
  {
    auto store = SqliteSpanStore::open(path, 0, colliding);
    ASSERT_TRUE(store);
    for (int i = 0; i < 25; ++i) write_trace(**store, m, i, 5, 4);
    expect_answers(**store, m, "written");
  }
  EXPECT_GT(count(path, "SELECT count(*) FROM id_traces WHERE id_key = 42"), 0);
  auto store = SqliteSpanStore::open(path, 0, colliding);
  ASSERT_TRUE(store);
  expect_answers(**store, m, "reopened");
  std::filesystem::remove_all(dir);
}

// A merged trace that changes (new spans, a cost changed in place) is summed as it is now, and a
// trace that gets its ids after its entries would have been merged is found by them.
TEST(IdTraces, MergedTracesFollowTheirRows) {
  const auto dir = fresh_dir("id-traces-follow");
  const std::string path = (dir / "spans.db").string();
  Model m;
  auto store = SqliteSpanStore::open(path, 0, kTiny);
  ASSERT_TRUE(store);
  ASSERT_TRUE((*store)->write({record("late", "a", 90 * kMinute, {}, 5)}));
  for (int i = 0; i < 30; ++i) write_trace(**store, m, i, 4, 2);
  ASSERT_EQ(count(path, "SELECT count(*) FROM id_traces WHERE trace_row = 1"), 0);
  // t2's entries are merged: a new span starts it earlier and adds tokens.
  ASSERT_GT(count(path, "SELECT count(*) FROM id_traces WHERE trace_row = 4"), 0);
  ASSERT_TRUE((*store)->write({record("t2", "b", 1 * kMinute, {}, 100)}));
  for (auto* sums : {&m.sessions["s2"], &m.users["u0"]}) {
    sums->tokens += 100;
    sums->cost += 0.25;
    sums->first = std::min(sums->first, 1 * kMinute);
  }
  // `late` was stored without ids long ago, and gets them now.
  ASSERT_TRUE((*store)->write({record("late", "b", 91 * kMinute, {{"session_id", "s9"}, {"user_id", "u0"}}, 7)}));
  m.sessions["s9"].add("late", 90 * kMinute, 12, 0.5, "u0");
  m.users["u0"].add("late", 90 * kMinute, 12, 0.5, "s9");
  expect_answers(**store, m, "after the changes");
  // A cost changed in place (as a cost recompute does) reaches the merged entries too.
  {
    auto db = open_span_reader(path);
    ASSERT_TRUE(db);
    ASSERT_TRUE((*db)->exec("UPDATE traces SET cost_usd = cost_usd + 1 WHERE trace_id = 't1'"));
  }
  m.sessions["s1"].cost += 1;
  m.users["u1"].cost += 1;
  expect_answers(**store, m, "after a cost change");
  store->reset();
  auto reopened = SqliteSpanStore::open(path, 0);
  ASSERT_TRUE(reopened);
  expect_answers(**reopened, m, "reopened");
  std::filesystem::remove_all(dir);
}

// A store made before id_traces gets it filled from `traces` on open.
TEST(IdTraces, AnOlderStoreIsMigrated) {
  const auto dir = fresh_dir("id-traces-migrate");
  const std::string path = (dir / "spans.db").string();
  const auto at = std::find_if(kSpanMigrations.begin(), kSpanMigrations.end(), [](std::string_view sql) {
    return sql.find("CREATE TABLE id_traces") != std::string_view::npos;
  });
  ASSERT_NE(at, kSpanMigrations.end());
  Model m;
  {
    auto db = Db::open(path);
    ASSERT_TRUE(db);
    ASSERT_TRUE(migrate(**db, std::vector<std::string_view>(kSpanMigrations.begin(), at)));
    for (int i = 0; i < 12; ++i) {
      const std::string trace = fmt::format("t{}", i), session = fmt::format("s{}", i % 4),
                        user = fmt::format("u{}", i % 3);
      ASSERT_TRUE((*db)->exec(fmt::format(
          "INSERT INTO traces(project_id, trace_key, trace_id, name, has_root, start_us, end_us, errors, span_count, "
          "input_tokens, output_tokens, total_tokens, cost_usd, attributes, tags, session_id, user_id) "
          "VALUES(1, {0}, '{1}', 'chat', 1, {2}, {2}, 0, 1, 0, 0, {3}, 0.25, '', '[]', '{4}', '{5}')",
          i, trace, i * kMinute, i + 1, session, user)));
      ASSERT_TRUE((*db)->exec(fmt::format("INSERT INTO trace_keys VALUES(1, {}, {})", i, i + 1)));
      m.sessions[session].add(trace, i * kMinute, i + 1, 0.25, user);
      m.users[user].add(trace, i * kMinute, i + 1, 0.25, session);
    }
    ASSERT_TRUE((*db)->exec("UPDATE ingest_state SET keyed_through = 12"));
  }
  auto store = SqliteSpanStore::open(path, 0);
  ASSERT_TRUE(store) << store.error().message;
  EXPECT_EQ(count(path, "SELECT count(*) FROM id_traces"), 24);
  EXPECT_EQ(count(path, "SELECT ids_through FROM ingest_state"), 12);
  EXPECT_EQ(count(path, "SELECT count(*) FROM sqlite_master WHERE name IN ('trace_session', 'trace_user')"), 0);
  expect_answers(**store, m, "migrated");
  std::filesystem::remove_all(dir);
}
