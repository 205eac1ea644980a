// The SQLite span store against real files: rollups, pages, trace identities, the disk reserve.
#include <gtest/gtest.h>
#include <fmt/format.h>

#include <filesystem>
#include <map>
#include <tuple>

#include "storage/sqlite/disk_guard.h"
#include "storage/sqlite/span_codec.h"
#include "storage/sqlite/span_connection.h"
#include "storage/sqlite/span_readers.h"
#include "storage/sqlite/sqlite_span_store.h"
#include "query_plan.h"
#include "temp_dir.h"

using namespace stacklens;
using namespace stacklens::sqlite;

namespace {

SpanRecord record(const std::string& trace_id, const std::string& span_id, Micros start_us) {
  SpanRecord r;
  r.span.project_id = 1;
  r.span.trace_id = trace_id;
  r.span.span_id = span_id;
  r.span.name = "op-" + span_id;
  r.span.start_us = start_us;
  r.span.end_us = start_us + 1000;
  return r;
}

int64_t requests(SpanStore& store) {
  MetricsQuery q;
  q.from_us = 0;
  q.to_us = 3600LL * 1000000;
  auto series = store.metrics(1, q);
  EXPECT_TRUE(series);
  int64_t n = 0;
  for (const auto& s : *series)
    for (const auto& p : s.points) n += p.requests;
  return n;
}

}  // namespace

// Spans above rollup_state.through_id (committed after the last merge before a crash) are
// summed into the rollups when the store opens, and their trace keeps taking spans.
TEST(SqliteSpanStore, SumsStoredSpansIntoRollupsOnOpen) {
  const auto dir = fresh_dir("catch-up");
  const std::string path = (dir / "spans.db").string();
  auto with = [](SpanRecord r, std::string value) {
    r.span.attributes = {{"stage", std::move(value)}};
    return r;
  };
  {
    auto store = SqliteSpanStore::open(path, 0);
    ASSERT_TRUE(store);
    SpanRecord child = record("t1", "b", 2000000);
    child.span.parent_span_id = "a";
    ASSERT_TRUE((*store)->write({with(record("t1", "a", 1000000), "first"), child}));
  }
  {
    auto db = Db::open(path);
    ASSERT_TRUE(db);
    ASSERT_TRUE((*db)->exec("DELETE FROM rollups; UPDATE rollup_state SET through_id = 0"));
  }
  auto store = SqliteSpanStore::open(path, 0);
  ASSERT_TRUE(store) << store.error().message;
  auto trace = (*store)->get_trace(1, "t1");
  ASSERT_TRUE(trace && *trace);
  EXPECT_EQ((*trace)->spans.size(), 2u);
  EXPECT_EQ(requests(**store), 2);  // rollups were summed from the stored spans

  // A span sent again is a duplicate; a new one joins its trace's row, its attributes after
  // those of the spans stored before.
  auto out = (*store)->write({with(record("t1", "b", 2000000), "again"), with(record("t1", "c", 3000000), "third")});
  ASSERT_TRUE(out);
  EXPECT_EQ(out->inserted, 1);
  EXPECT_EQ(out->duplicates, 1);
  out = (*store)->write({with(record("t1", "d", 500000), "fourth"), record("t1", "e", 4000000)});
  ASSERT_TRUE(out);
  EXPECT_EQ(out->inserted, 2);
  trace = (*store)->get_trace(1, "t1");
  ASSERT_TRUE(trace && *trace);
  std::vector<std::string> seen;  // by start time
  for (const auto& r : (*trace)->spans)
    seen.push_back(r.span.span_id + "=" + (r.span.attributes.empty() ? "" : r.span.attributes[0].second));
  EXPECT_EQ(seen, (std::vector<std::string>{"d=fourth", "a=first", "b=", "c=third", "e="}));
  TraceFilter by_attribute;
  by_attribute.attributes = {{"stage", "third"}};
  auto found = (*store)->list_traces(1, by_attribute);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->traces.size(), 1u);
  TraceFilter f;
  auto page = (*store)->list_traces(1, f);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->traces.size(), 1u);
  EXPECT_EQ(page->traces[0].span_count, 5);
  EXPECT_EQ(requests(**store), 5);
  std::filesystem::remove_all(dir);
}

// While less than the reserve is free, the guard refuses and names the directory, and the store
// refuses writes and is not ready; with room, both accept.
TEST(SqliteSpanStore, RefusesWritesBelowTheDiskReserve) {
  const auto dir = fresh_dir("reserve");
  const std::string path = (dir / "spans.db").string();
  EXPECT_TRUE(DiskGuard(path, 0).check());
  auto full = DiskGuard(path, UINT64_MAX).check();
  ASSERT_FALSE(full);
  EXPECT_EQ(full.error().code, ErrorCode::storage_full);
  EXPECT_NE(full.error().message.find(dir.string()), std::string::npos) << full.error().message;
  {
    auto store = SqliteSpanStore::open(path, UINT64_MAX);
    ASSERT_TRUE(store) << store.error().message;
    auto out = (*store)->write({record("t1", "root", 1000000)});
    ASSERT_FALSE(out);
    EXPECT_EQ(out.error().code, ErrorCode::storage_full);
    auto ready = (*store)->check_ready();
    ASSERT_FALSE(ready);
    EXPECT_EQ(ready.error().code, ErrorCode::storage_full);
    EXPECT_EQ(*(*store)->count_spans(), 0);
  }
  auto store = SqliteSpanStore::open(path, 0);
  ASSERT_TRUE(store);
  EXPECT_TRUE((*store)->write({record("t1", "root", 1000000)}));
  EXPECT_TRUE((*store)->check_ready());
  EXPECT_EQ(*(*store)->count_spans(), 1);
  std::filesystem::remove_all(dir);
}

// Rollups not merged into their table yet are counted by readers, and merged when the store closes.
TEST(SqliteSpanStore, CountsPendingRollupsOnceAndMergesThemOnClose) {
  const auto dir = fresh_dir("rollups");
  const std::string path = (dir / "spans.db").string();
  {
    auto store = SqliteSpanStore::open(path, 0);
    ASSERT_TRUE(store);
    for (int i = 0; i < 50; ++i)
      ASSERT_TRUE((*store)->write({record(fmt::format("t{}", i), "root", 1000000 + i * 1000000)}));
    EXPECT_EQ(requests(**store), 50);
  }
  {
    auto db = Db::open(path, true);
    ASSERT_TRUE(db);
    auto st = (*db)->prepare("SELECT sum(requests) FROM rollups WHERE level = 60 AND dim = 0");
    ASSERT_TRUE(st);
    ASSERT_TRUE((*st)->step());
    EXPECT_EQ((*st)->i64(0), 50);
  }
  auto store = SqliteSpanStore::open(path, 0);
  ASSERT_TRUE(store);
  EXPECT_EQ(requests(**store), 50);
  std::filesystem::remove_all(dir);
}

// A new spans.db is made of 16 KiB pages; one created with SQLite's default keeps its own
// (a WAL-mode database cannot change its page size) and still takes spans.
TEST(SqliteSpanStore, NewStoresUseSixteenKibPagesOldOnesKeepTheirs) {
  const auto dir = fresh_dir("pages");
  const std::string fresh = (dir / "fresh.db").string(), old = (dir / "old.db").string();
  {
    auto db = Db::open(old);
    ASSERT_TRUE(db);
    ASSERT_TRUE((*db)->exec("CREATE TABLE placeholder(x)"));
  }
  for (const auto& [path, expected] : {std::pair{fresh, 16384}, std::pair{old, 4096}}) {
    {
      auto store = SqliteSpanStore::open(path, 0);
      ASSERT_TRUE(store) << store.error().message;
      ASSERT_TRUE((*store)->write({record("t1", "root", 1000000)}));
      EXPECT_EQ(requests(**store), 1);
    }
    auto db = Db::open(path, true);
    ASSERT_TRUE(db);
    EXPECT_EQ((*db)->page_size(), expected) << path;
  }
  std::filesystem::remove_all(dir);
}

// Recent traces are merged into trace_keys in slices; before, during and after a merge (and
// after reopening) a trace is found, its spans are deduplicated, and it keeps a single row.
TEST(SqliteSpanStore, FindsTracesBeforeDuringAndAfterMerges) {
  const auto dir = fresh_dir("identities");
  const std::string path = (dir / "spans.db").string();
  const TraceIdentities::Tuning tiny{10, 4};  // a merge starts at 10 recent traces, 4 entries per commit
  const auto check_all = [](SqliteSpanStore& store, int traces, int spans_each) {
    for (int i = 0; i < traces; ++i) {
      auto t = store.get_trace(1, fmt::format("t{}", i));
      ASSERT_TRUE(t && *t) << i;
      EXPECT_EQ((*t)->spans.size(), static_cast<size_t>(spans_each)) << i;
    }
    TraceFilter f;
    f.limit = 1000;
    auto page = store.list_traces(1, f);
    ASSERT_TRUE(page);
    EXPECT_EQ(page->traces.size(), static_cast<size_t>(traces)) << "one row per trace";
  };
  {
    auto store = SqliteSpanStore::open(path, 0, tiny);
    ASSERT_TRUE(store);
    for (int i = 0; i < 40; ++i) ASSERT_TRUE((*store)->write({record(fmt::format("t{}", i), "a", 1000000)}));
    check_all(**store, 40, 1);
    // Every trace again: the old span is a duplicate, a second one joins the same row.
    for (int i = 0; i < 40; ++i) {
      auto out = (*store)->write({record(fmt::format("t{}", i), "a", 1000000), record(fmt::format("t{}", i), "b", 1000000)});
      ASSERT_TRUE(out);
      EXPECT_EQ(out->inserted, 1) << i;
      EXPECT_EQ(out->duplicates, 1) << i;
    }
    check_all(**store, 40, 2);
  }
  {
    auto db = Db::open(path, true);
    ASSERT_TRUE(db);
    auto st = (*db)->prepare("SELECT count(*) FROM trace_keys");
    ASSERT_TRUE(st);
    ASSERT_TRUE((*st)->step());
    EXPECT_GE((*st)->i64(0), 30) << "most traces were merged into trace_keys";
  }
  auto store = SqliteSpanStore::open(path, 0, tiny);
  ASSERT_TRUE(store);
  check_all(**store, 40, 2);
  // Reopened: every trace is still known to the writer (merged ones through its key filter).
  for (int i = 0; i < 40; ++i) {
    auto again = (*store)->write({record(fmt::format("t{}", i), "b", 1000000)});
    ASSERT_TRUE(again);
    EXPECT_EQ(again->duplicates, 1) << i;
  }
  check_all(**store, 40, 2);
  auto out = (*store)->write({record("t7", "b", 1000000), record("t7", "c", 1000000)});
  ASSERT_TRUE(out);
  EXPECT_EQ(out->inserted, 1);
  auto t7 = (*store)->get_trace(1, "t7");
  ASSERT_TRUE(t7 && *t7);
  EXPECT_EQ((*t7)->spans.size(), 3u);
  std::filesystem::remove_all(dir);
}

// A span reads back as it was written, its sealed text kept in its row (a small write) or in
// spans.text (a large one), and the list's filters read the columns it keeps.
TEST(SqliteSpanStore, ReadsSpansWithTextInTheRowOrInSpansText) {
  const auto dir = fresh_dir("packed");
  const std::string path = (dir / "spans.db").string();
  auto store = SqliteSpanStore::open(path, 0);
  ASSERT_TRUE(store) << store.error().message;
  const LlmData llm{"gpt-4o", "openai", 10, 20, 30, 0.5, 0.7, 256, std::nullopt, std::nullopt, true, "stop"};
  const auto full = [&](std::string span_id, std::string prompt) {
    SpanRecord r = record("t1", span_id, 1000);
    r.span.parent_span_id = "root";
    r.span.name = "op";
    r.span.kind = "llm";
    r.span.status = "error";
    r.span.end_us = 9000;
    r.span.attributes = {{"k", "packed"}};
    r.span.tags = {"x"};
    r.span.events = {SpanEvent{"e", 5, {{"a", "b"}}, {}}};
    r.span.llm = llm;
    r.prompt = SealedText{std::move(prompt), 3};
    r.completion = SealedText{"COMPLETION", 3};
    return r;
  };
  SpanRecord plain = record("t1", "plain", 500);
  plain.span.name = "root-op";
  ASSERT_TRUE((*store)->write({full("packed-row", "PROMPT-BYTES"), plain}));
  ASSERT_TRUE((*store)->write({full("packed-log", std::string(70000, 'P'))}));
  auto trace = (*store)->get_trace(1, "t1");
  ASSERT_TRUE(trace && *trace);
  ASSERT_EQ((*trace)->spans.size(), 3u);
  std::map<std::string, const SpanRecord*> by_id;
  for (const auto& r : (*trace)->spans) by_id[r.span.span_id] = &r;
  for (const char* id : {"packed-row", "packed-log"}) {
    const SpanRecord& p = *by_id.at(id);
    EXPECT_EQ(p.span.trace_id, "t1");
    EXPECT_EQ(p.span.parent_span_id, std::optional<std::string>("root"));
    EXPECT_EQ(p.span.name, "op");
    EXPECT_EQ(p.span.kind, "llm");
    EXPECT_EQ(p.span.status, "error");
    EXPECT_EQ(p.span.start_us, 1000);
    EXPECT_EQ(p.span.end_us, 9000);
    EXPECT_EQ(p.span.tags, std::vector<std::string>{"x"});
    ASSERT_EQ(p.span.events.size(), 1u);
    EXPECT_EQ(p.span.events[0].attributes, (Attributes{{"a", "b"}}));
    ASSERT_TRUE(p.span.llm);
    const LlmData& a = *p.span.llm;
    EXPECT_EQ(std::tie(a.model, a.provider, a.input_tokens, a.output_tokens, a.total_tokens, a.cost_usd, a.temperature,
                       a.max_tokens, a.is_streaming, a.finish_reason),
              std::tie(llm.model, llm.provider, llm.input_tokens, llm.output_tokens, llm.total_tokens, llm.cost_usd,
                       llm.temperature, llm.max_tokens, llm.is_streaming, llm.finish_reason));
    EXPECT_EQ(p.span.attributes, (Attributes{{"k", "packed"}}));
    ASSERT_TRUE(p.prompt && p.completion);
    EXPECT_EQ(p.prompt->key_id, 3);
    EXPECT_EQ(p.completion->bytes, "COMPLETION");
  }
  EXPECT_EQ(by_id.at("packed-row")->prompt->bytes, "PROMPT-BYTES");
  EXPECT_EQ(by_id.at("packed-log")->prompt->bytes, std::string(70000, 'P'));
  const SpanRecord& p = *by_id.at("plain");
  EXPECT_FALSE(p.span.llm || p.prompt || p.span.parent_span_id);
  EXPECT_EQ(p.span.attributes, Attributes{});
  // Filters read the columns.
  TraceFilter by_model;
  by_model.model = "gpt-4o";
  TraceFilter by_name;
  by_name.name = "root-op";
  for (const TraceFilter& f : {by_model, by_name}) {
    auto page = (*store)->list_traces(1, f);
    ASSERT_TRUE(page);
    ASSERT_EQ(page->traces.size(), 1u);
    EXPECT_EQ(page->traces[0].span_count, 3);
    EXPECT_EQ(page->traces[0].models, std::vector<std::string>{"gpt-4o"});
  }
  EXPECT_EQ(requests(**store), 3);
  std::filesystem::remove_all(dir);
}

// A page of the trace list after a cursor seeks to the cursor in trace_time and reads on in the
// index's order, newest or oldest first: a deep page (an export's thousandth) costs what the first
// one does, not every trace before it again.
TEST(SqliteSpanStore, TraceListPagesStartAtTheirCursor) {
  const auto dir = fresh_dir("trace-list-plan");
  const std::string path = (dir / "spans.db").string();
  { ASSERT_TRUE(SqliteSpanStore::open(path, 0)); }
  auto db = open_span_reader(path);
  ASSERT_TRUE(db);
  const IdTraces ids(1000, 100);
  for (bool oldest_first : {false, true}) {
    TraceFilter f;
    f.limit = 50;
    f.cursor = "1796546336588077:42";
    f.oldest_first = oldest_first;
    auto list = trace_list_sql(ids, 1, f);
    ASSERT_TRUE(list);
    const std::string plan = query_plan(**db, list->sql);
    const std::string range = oldest_first ? "start_us>?" : "start_us<?";
    EXPECT_NE(plan.find("SEARCH t USING INDEX trace_time (project_id=? AND " + range + ")"), std::string::npos) << plan;
    EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << plan;
  }
}

// Summaries (what monitors and budgets sum) are the list's pages, trace for trace and cursor for
// cursor, without the models, providers and tags the list reads from each trace's spans.
TEST(SqliteSpanStore, TraceSummariesAreTheListsPagesWithoutFacets) {
  const auto dir = fresh_dir("trace-summaries");
  auto store = SqliteSpanStore::open((dir / "spans.db").string(), 0);
  ASSERT_TRUE(store) << store.error().message;
  std::vector<SpanRecord> records;
  for (int i = 0; i < 5; ++i) {
    SpanRecord r = record(fmt::format("t{}", i), "s", 1000000 * (i + 1));
    r.span.tags = {"tag-a"};
    r.span.llm = LlmData{};
    r.span.llm->model = "gpt-4o";
    r.span.llm->provider = "openai";
    r.span.llm->cost_usd = 0.25 * i;
    records.push_back(std::move(r));
  }
  ASSERT_TRUE((*store)->write(records));
  TraceFilter f;
  f.tags = {"tag-a"};
  f.limit = 2;
  for (int pages = 0;; ++pages) {
    ASSERT_LT(pages, 3);
    auto listed = (*store)->list_traces(1, f);
    auto summed = (*store)->list_trace_summaries(1, f);
    ASSERT_TRUE(listed && summed);
    ASSERT_EQ(summed->traces.size(), listed->traces.size());
    EXPECT_EQ(summed->next_cursor, listed->next_cursor);
    for (size_t i = 0; i < listed->traces.size(); ++i) {
      const auto &l = listed->traces[i], &s = summed->traces[i];
      EXPECT_EQ(std::tie(s.trace_id, s.start_us, s.span_count, s.cost_usd),
                std::tie(l.trace_id, l.start_us, l.span_count, l.cost_usd));
      EXPECT_EQ(l.models, std::vector<std::string>{"gpt-4o"});
      EXPECT_TRUE(s.models.empty() && s.providers.empty() && s.tags.empty());
    }
    if (!listed->next_cursor) break;
    f.cursor = listed->next_cursor;
  }
  std::filesystem::remove_all(dir);
}
