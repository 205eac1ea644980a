// Monitors: the window, threshold and state rules, the stored filter's round trip, the value read
// from the span store (the rollups or the trace list), the background pass holding a slow monitor,
// and the MetaStore methods on both backends.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "alerts/monitor_rules.h"
#include "alerts/monitor_value.h"
#include "alerts/monitor_watch.h"
#include "alerts/notifier.h"
#include "crypto/sealer.h"
#include "fakes/fake_span_store.h"
#include "meta_store_fixture.h"
#include "storage/monitor_rows.h"
#include "temp_dir.h"

using namespace stacklens;
using namespace stacklens::test;

namespace {

TEST(MonitorRules, WindowsAreWholeMinutesFromFiveMinutesToThirtyDays) {
  for (int64_t ok : {300, 360, 3600, 86400, 30 * 86400}) EXPECT_TRUE(alerts::check_window(ok)) << ok;
  for (int64_t bad : {0, 60, 299, 301, 3601, 30 * 86400 + 60, -300}) {
    auto st = alerts::check_window(bad);
    ASSERT_FALSE(st) << bad;
    EXPECT_EQ(st.error().code, ErrorCode::bad_request);
  }
  const auto w = alerts::window_at(600, 10'000'000'000);
  EXPECT_EQ(w.from_us, 10'000'000'000 - 600'000'000);
  EXPECT_EQ(w.to_us, 10'000'000'000);
}

TEST(MonitorRules, AboveAndBelowAreStrict) {
  EXPECT_TRUE(alerts::breaks("above", 1.5, 1.0));
  EXPECT_FALSE(alerts::breaks("above", 1.0, 1.0));
  EXPECT_FALSE(alerts::breaks("above", 0.5, 1.0));
  EXPECT_TRUE(alerts::breaks("below", 0.0, 1.0));
  EXPECT_FALSE(alerts::breaks("below", 1.0, 1.0));
  EXPECT_FALSE(alerts::breaks("below", 2.0, 1.0));
}

TEST(MonitorRules, StatesMoveOkFiringResolvedFiring) {
  using S = std::optional<std::string_view>;
  EXPECT_EQ(alerts::next_state("ok", false), S());
  EXPECT_EQ(alerts::next_state("ok", true), S("firing"));
  EXPECT_EQ(alerts::next_state("firing", true), S());
  EXPECT_EQ(alerts::next_state("firing", false), S("resolved"));
  EXPECT_EQ(alerts::next_state("resolved", false), S());  // resolved is kept until it fires again
  EXPECT_EQ(alerts::next_state("resolved", true), S("firing"));
}

TEST(MonitorRows, FilterAndChannelsReadBackAsWritten) {
  MonitorFilter f;
  f.operation = "chat";
  f.user_id = "u \"1\"";
  f.tags = {"prod", "eu"};
  f.attributes = {{"team", "search"}, {"a", "b=c"}};
  const MonitorFilter back = filter_of_text(filter_text(f));
  EXPECT_EQ(back.operation, "chat");
  EXPECT_EQ(back.model, "");
  EXPECT_EQ(back.user_id, "u \"1\"");
  EXPECT_EQ(back.tags, f.tags);
  EXPECT_EQ(back.attributes, f.attributes);
  EXPECT_EQ(filter_text(MonitorFilter{}), "{}");
  EXPECT_TRUE(filter_of_text("{}").empty());
  EXPECT_EQ(channel_ids_of_text(channel_ids_text({3, 1, 7})), (std::vector<int64_t>{3, 1, 7}));
  EXPECT_TRUE(channel_ids_of_text("[]").empty());
}

Monitor monitor(const std::string& metric, MonitorFilter f = {}) {
  Monitor m;
  m.project_id = 1;
  m.name = "m";
  m.metric = metric;
  m.filter = std::move(f);
  m.window_seconds = 600;
  m.threshold = 1;
  m.created_by = "test";
  return m;
}

class MonitorStoreTest : public MetaStoreTest {};

TEST_P(MonitorStoreTest, AnOperationReadsOneRollupBucketOfItsGroup) {
  stacklens::testing::FakeSpanStore spans;
  MetricsQuery asked;
  spans.on_metrics = [&](int64_t, const MetricsQuery& q) {
    asked = q;
    MetricsPoint chat{q.from_us, 8, 2, 100, 50, 1, 0, 0.5, 0, 900, 0};
    MetricsPoint embed{q.from_us, 100, 100, 0, 0, 0, 0, 9.0, 0, 5, 0};
    return Result<std::vector<MetricsSeries>>(std::vector<MetricsSeries>{{"chat", {chat}}, {"embed", {embed}}});
  };
  MonitorFilter f;
  f.operation = "chat";
  const Micros now = 5'000'000'000;
  const std::pair<const char*, double> want[] = {{"cost", 0.5},        {"tokens", 150},    {"requests", 8},
                                                 {"error_rate", 0.25}, {"latency_p95", 900}, {"unpriced_spans", 1}};
  for (const auto& [metric, value] : want) {
    auto v = alerts::monitor_value(spans, *store_, monitor(metric, f), now);
    ASSERT_TRUE(v) << v.error().message;
    EXPECT_DOUBLE_EQ(*v, value) << metric;
  }
  EXPECT_EQ(asked.group_by, GroupBy::name);
  EXPECT_EQ(asked.from_us, now - 600'000'000);
  EXPECT_EQ(asked.interval_us, 600'000'000);  // one bucket
}

TEST_P(MonitorStoreTest, ATagReadsEveryPageOfTheMatchingTraces) {
  stacklens::testing::FakeSpanStore spans;
  std::vector<TraceFilter> asked;
  spans.on_list_traces = [&](int64_t, const TraceFilter& f) {
    asked.push_back(f);
    TracePage page;
    const int first = f.cursor ? 10 : 0;
    for (int i = first; i < first + 10; ++i) {
      TraceSummary t;
      t.status = i % 5 == 0 ? "error" : "ok";
      t.span_count = 2;
      t.total_tokens = 10;
      t.cost_usd = 0.25;
      t.start_us = 0;
      t.end_us = (i + 1) * 1000;  // 1 .. 20 ms
      page.traces.push_back(t);
    }
    if (!f.cursor) page.next_cursor = "next";
    return Result<TracePage>(page);
  };
  MonitorFilter f;
  f.tags = {"prod"};
  f.model = "gpt-4o";
  const std::pair<const char*, double> want[] = {
      {"cost", 5.0}, {"tokens", 200}, {"requests", 40}, {"error_rate", 0.2}, {"latency_p95", 19}};
  for (const auto& [metric, value] : want) {
    auto v = alerts::monitor_value(spans, *store_, monitor(metric, f), 5'000'000'000);
    ASSERT_TRUE(v) << v.error().message;
    EXPECT_DOUBLE_EQ(*v, value) << metric;
  }
  ASSERT_GE(asked.size(), 2u);
  EXPECT_EQ(asked[0].tags, f.tags);
  EXPECT_EQ(asked[0].model, "gpt-4o");
  EXPECT_EQ(asked[1].cursor, "next");
}

TEST_P(MonitorStoreTest, MonitorsAreKeptAndEachTransitionIsMadeOnce) {
  auto project = store_->create_project("p");
  ASSERT_TRUE(project);
  Monitor m = monitor("cost");
  m.project_id = project->id;
  m.filter.model = "gpt-4o";
  m.channel_ids = {4, 2};
  auto made = store_->create_monitor(m);
  ASSERT_TRUE(made) << made.error().message;
  EXPECT_EQ(made->state, "ok");
  expect_error(store_->create_monitor(m), ErrorCode::conflict, "monitor 'm' already exists");

  auto other = open_again();  // another node
  ASSERT_TRUE(other);
  const MonitorTransition firing{0, made->id, "firing", 1.5, 1.0, 100};
  auto first = store_->transition_monitor(made->id, "ok", firing);
  auto second = other->transition_monitor(made->id, "ok", firing);
  ASSERT_TRUE(first && second);
  EXPECT_TRUE(*first);
  EXPECT_FALSE(*second);
  ASSERT_TRUE(store_->record_monitor_value(made->id, 1.5, 200));

  Monitor changed = *made;
  changed.threshold = 5;
  changed.paused = true;
  changed.state = "ok";  // not written: the state is the evaluations'
  auto updated = store_->update_monitor(changed);
  ASSERT_TRUE(updated) << updated.error().message;
  EXPECT_EQ(updated->state, "firing");
  EXPECT_EQ(updated->threshold, 5);
  EXPECT_TRUE(updated->paused);
  EXPECT_EQ(updated->last_value, 1.5);
  EXPECT_EQ(updated->last_evaluated_us, 200);
  EXPECT_EQ(updated->filter.model, "gpt-4o");
  EXPECT_EQ(updated->channel_ids, (std::vector<int64_t>{4, 2}));

  ASSERT_TRUE(*store_->transition_monitor(made->id, "firing", MonitorTransition{0, made->id, "resolved", 0.5, 5, 300}));
  auto steps = other->list_monitor_transitions(made->id, 10);
  ASSERT_TRUE(steps);
  ASSERT_EQ(steps->size(), 2u);
  EXPECT_EQ((*steps)[0].state, "resolved");
  EXPECT_EQ((*steps)[0].threshold, 5);
  EXPECT_EQ((*steps)[1].state, "firing");
  EXPECT_EQ((*steps)[1].value, 1.5);
  EXPECT_EQ((*steps)[1].created_us, 100);

  auto all = store_->list_monitors(std::nullopt);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 1u);
  auto elsewhere = store_->get_monitor(project->id + 1, made->id);  // another project's
  ASSERT_TRUE(elsewhere);
  EXPECT_FALSE(*elsewhere);
  ASSERT_TRUE(store_->delete_monitor(project->id, made->id));
  EXPECT_TRUE(store_->list_monitor_transitions(made->id, 10)->empty());
  expect_error(store_->update_monitor(changed), ErrorCode::not_found,
               fmt::format("monitor {} does not exist in this project", made->id));
  auto gone = store_->delete_monitor(project->id, made->id);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, ErrorCode::not_found);
}

// The background pass evaluates a monitor once it is due, and not before fifty times as long as
// its last reading took: a slow trace-list reading is not repeated every interval.
TEST_P(MonitorStoreTest, ASlowReadingIsRepeatedOnlyAfterFiftyTimesItsLength) {
  auto project = store_->create_project("p");
  ASSERT_TRUE(project);
  MonitorFilter tagged;
  tagged.tags = {"prod"};
  Monitor m = monitor("requests", tagged);
  m.project_id = project->id;
  m.threshold = 1e9;
  ASSERT_TRUE(store_->create_monitor(m));
  stacklens::testing::FakeSpanStore spans;
  int readings = 0;
  spans.on_list_traces = [&](int64_t, const TraceFilter&) {
    ++readings;
    std::this_thread::sleep_for(std::chrono::milliseconds(30));  // held for 1.5 s after
    return Result<TracePage>(TracePage{});
  };
  auto sealer = Sealer::open_or_create(fresh_dir("monitor-watch") / "keys");
  ASSERT_TRUE(sealer);
  alerts::Notifier notifier(*store_, *sealer, {});
  alerts::MonitorWatch watch(*store_, spans, notifier, std::chrono::seconds(0));  // due at every pass
  const auto first = std::chrono::steady_clock::now();
  ASSERT_TRUE(watch.check_all());
  EXPECT_EQ(readings, 1);
  ASSERT_TRUE(watch.check_all());
  EXPECT_EQ(readings, 1);  // held
  // Read again once the hold is over: never sooner than 50 x 30 ms after the first reading began
  // (later on a loaded machine, where the reading itself took longer).
  const auto deadline = first + std::chrono::seconds(30);
  while (readings < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ASSERT_TRUE(watch.check_all());
  }
  EXPECT_EQ(readings, 2);
  EXPECT_GE(std::chrono::steady_clock::now() - first, std::chrono::milliseconds(1500));
}

INSTANTIATE_TEST_SUITE_P(Backends, MonitorStoreTest, ::testing::Values(Backend::sqlite, Backend::postgres),
                         [](const auto& info) { return info.param == Backend::sqlite ? "SQLite" : "PostgreSQL"; });

}  // namespace
