// The span writer's error policy: which failures of the store reach a request as which
// ErrorCode, and so (through http/error_mapping.cpp) as which HTTP status; which are retried.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include <future>
#include <optional>

#include "fakes/fake_span_store.h"
#include "http/reply.h"
#include "ingest/span_writer.h"
#include "temp_dir.h"

using namespace stacklens;
using stacklens::testing::FakeSpanStore;

namespace {

std::vector<Span> spans(size_t n) {
  std::vector<Span> out(n);
  for (size_t i = 0; i < n; ++i) {
    out[i].project_id = 1;
    out[i].trace_id = "trace";
    out[i].span_id = "span-" + std::to_string(i);
    out[i].name = "op";
    out[i].start_us = out[i].end_us = 1'700'000'000'000'000;
  }
  return out;
}

std::string retry_after(const http::Reply& r) {
  for (const auto& [name, value] : r.headers)
    if (name == "Retry-After") return value;
  return "";
}

class SpanWriterTest : public ::testing::Test {
 protected:
  static constexpr size_t kMaxQueue = 4;

  void SetUp() override {
    auto sealer = Sealer::open_or_create(fresh_dir("span-writer") / "keys");
    ASSERT_TRUE(sealer) << sealer.error().message;
    sealer_.emplace(std::move(*sealer));
    writer_.emplace(store_, *sealer_, prices_, metrics_, kMaxQueue, 1000);
  }

  // Submits `n` spans and waits for the writer's answer (or submit's refusal).
  Status store(size_t n) {
    auto committed = std::make_shared<std::promise<Status>>();
    auto answer = committed->get_future();
    if (auto st = writer_->submit(spans(n), [committed](Status s) { committed->set_value(std::move(s)); }); !st)
      return st;
    return answer.get();
  }

  // The store's write answers `error` until `recover_after` writes have failed (never, by default).
  void fail_writes(Error error, int recover_after = 1000) {
    store_.on_write = [this, error, recover_after](const FakeSpanStore::Records& records) -> Result<WriteOutcome> {
      if (store_.writes() > recover_after) return store_.keep(records);
      return error;
    };
  }

  FakeSpanStore store_;
  pricing::PriceBook prices_;
  Metrics metrics_;
  std::optional<Sealer> sealer_;
  std::optional<ingest::SpanWriter> writer_;  // declared last: stopped before the store goes
};

TEST_F(SpanWriterTest, ABusyStoreIsRetriedThen503WithItsOwnMessage) {
  fail_writes(make_error(ErrorCode::unavailable, "database is locked"));
  const Status st = store(1);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::unavailable);
  EXPECT_EQ(st.error().message, "database is locked");
  EXPECT_EQ(store_.writes(), 3);
  const http::Reply reply = http::error_reply(st.error());
  EXPECT_EQ(reply.status, 503);
  EXPECT_EQ(retry_after(reply), "1");
  EXPECT_FALSE(writer_->health().ok);
  EXPECT_EQ(writer_->health().problem, "database is locked");
}

// Without traffic (a load balancer sends none to a node that is not ready) no commit would clear
// a passing failure: after a few seconds readiness goes by the store's own probe again.
TEST_F(SpanWriterTest, APassingFailureStopsCountingAfterAFewSeconds) {
  fail_writes(make_error(ErrorCode::unavailable, "ClickHouse is unreachable"));
  ASSERT_FALSE(store(1));
  EXPECT_FALSE(writer_->health().ok);
  std::this_thread::sleep_for(std::chrono::milliseconds(5200));
  EXPECT_TRUE(writer_->health().ok);
}

TEST_F(SpanWriterTest, AStoreThatRecoversWithinTheRetriesCommits) {
  fail_writes(make_error(ErrorCode::unavailable, "database is locked"), 1);
  EXPECT_TRUE(store(2));
  EXPECT_EQ(store_.writes(), 2);
  EXPECT_EQ(store_.stored().size(), 2u);
  EXPECT_TRUE(writer_->health().ok);
}

TEST_F(SpanWriterTest, ADiskThatFillsDuringTheCommitIs507AndLeavesReadinessToTheStore) {
  fail_writes(make_error(ErrorCode::storage_full, "database or disk is full"));
  const Status st = store(1);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::storage_full);
  EXPECT_EQ(st.error().message, "storage is full: free disk space; nothing was stored");
  EXPECT_EQ(store_.writes(), 3);
  const http::Reply reply = http::error_reply(st.error());
  EXPECT_EQ(reply.status, 507);
  EXPECT_EQ(retry_after(reply), "10");
  // The store says when space returns (SpanStore::check_ready), not the writer's last error.
  EXPECT_TRUE(writer_->health().ok);
}

TEST_F(SpanWriterTest, AnyOtherFailureIsInternalAndNotRetried) {
  for (const ErrorCode code : {ErrorCode::internal, ErrorCode::conflict, ErrorCode::bad_request}) {
    fail_writes(make_error(code, "a stored row is corrupt"));
    const int before = store_.writes();
    const Status st = store(1);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code, ErrorCode::internal);
    EXPECT_EQ(st.error().message, "storage failed: a stored row is corrupt");
    EXPECT_EQ(store_.writes(), before + 1);
    const http::Reply reply = http::error_reply(st.error());
    EXPECT_EQ(reply.status, 500);
    EXPECT_EQ(retry_after(reply), "");
  }
}

TEST_F(SpanWriterTest, APrepareRefusalIsTheStoresErrorAndFreesTheQueue) {
  store_.on_prepare = [](std::vector<SpanRecord>&) -> Status {
    return make_error(ErrorCode::storage_full, "storage is full: 3 MiB free, 64 MiB are kept in reserve");
  };
  bool called = false;
  const Status st = writer_->submit(spans(kMaxQueue), [&called](Status) { called = true; });
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::storage_full);
  EXPECT_EQ(st.error().message, "storage is full: 3 MiB free, 64 MiB are kept in reserve");
  EXPECT_EQ(http::error_reply(st.error()).status, 507);
  EXPECT_EQ(store_.writes(), 0);
  store_.on_prepare = [](std::vector<SpanRecord>&) { return ok_status(); };
  EXPECT_TRUE(store(kMaxQueue)) << "the refused spans' room in the queue was given back";
  EXPECT_FALSE(called);
}

TEST_F(SpanWriterTest, AFullQueueIs429) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  store_.on_write = [this, released](const FakeSpanStore::Records& records) -> Result<WriteOutcome> {
    released.wait();
    return store_.keep(records);
  };
  auto committed = std::make_shared<std::promise<Status>>();
  ASSERT_TRUE(writer_->submit(spans(kMaxQueue), [committed](Status s) { committed->set_value(std::move(s)); }));
  const Status st = writer_->submit(spans(1), [](Status) { ADD_FAILURE() << "a refused request is never answered"; });
  release.set_value();
  EXPECT_TRUE(committed->get_future().get());
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::overloaded);
  const http::Reply reply = http::error_reply(st.error());
  EXPECT_EQ(reply.status, 429);
  EXPECT_EQ(retry_after(reply), "1");
}

TEST_F(SpanWriterTest, AStoppedWriterIs503) {
  writer_->stop();
  const Status st = store(1);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::unavailable);
  EXPECT_EQ(http::error_reply(st.error()).status, 503);
  EXPECT_FALSE(writer_->health().ok);
}

}  // namespace
