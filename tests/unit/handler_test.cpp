// API handlers through the real Router and services, over a FakeSpanStore: what a client is
// answered when the store is full, busy or fine, without a database of spans.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <future>

#include "api/auth.h"
#include "api/login_throttle.h"
#include "api/routes.h"
#include "crypto/secrets.h"
#include "fakes/fake_score_store.h"
#include "fakes/fake_span_store.h"
#include "storage/sqlite/sqlite_meta_store.h"
#include "temp_dir.h"

using namespace stacklens;
using boost::beast::http::verb;
using stacklens::testing::FakeSpanStore;

namespace {

constexpr const char* kSpan =
    R"({"traceId": "trace-1", "spanId": "span-1", "name": "llm", "startTime": "2024-01-01T00:00:00Z"})";

class HandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto dir = fresh_dir("handlers");
    auto meta = sqlite::SqliteMetaStore::open((dir / "meta.db").string());
    ASSERT_TRUE(meta) << meta.error().message;
    meta_ = std::move(*meta);
    auto sealer = Sealer::open_or_create(dir / "encryption.keys");
    ASSERT_TRUE(sealer) << sealer.error().message;
    sealer_.emplace(std::move(*sealer));
    auto project = meta_->create_project("default");
    ASSERT_TRUE(project);
    project_ = project->id;
    const auto k = secrets::generate_api_key();
    const ScopeSet scopes = static_cast<ScopeSet>(Scope::traces_write) | static_cast<ScopeSet>(Scope::traces_read);
    ASSERT_TRUE(meta_->create_key(project_, "test", k.prefix, k.hash, scopes));
    key_ = k.secret;
    project_prices_.emplace(*meta_, prices_);
    writer_.emplace(spans_, *sealer_, prices_, metrics_, 1000, 100);
    recomputes_.emplace(spans_, *meta_, prices_);
    traces_.emplace(spans_, *sealer_);
    auth_.emplace(*meta_);
    throttle_.emplace(*meta_);
    governai_policies_.emplace(*meta_);
    governai_.emplace(scanner(), *governai_policies_, *meta_, metrics_, settings_.governai);
    models_.emplace(*meta_, *sealer_, *writer_, prices_, *governai_, 2);
    eval_rules_.emplace(*meta_, scores_, *traces_, *models_, evals::RuleRunner::Limits{});
    prompt_runs_.emplace(*meta_, scores_, *models_, "test-node", evals::PromptRuns::Limits{});
    services_.emplace(api::Services{settings_, spans_, *meta_, *writer_, *traces_, metrics_, *auth_, *throttle_, scores_,
                                  prices_, *project_prices_, *recomputes_, *governai_, *models_, *eval_rules_, *prompt_runs_});
    api::add_routes(router_, *services_);
  }

  void TearDown() override {
    if (writer_) writer_->stop();
  }

  // The reply, which ingest gives from the writer thread once the commit is done (or failed).
  http::Reply call(verb method, const std::string& target, std::string body = {}) {
    http::Request req;
    req.method(method);
    req.target(target);
    req.version(11);
    req.set("X-Api-Key", key_);
    req.set("Content-Type", "application/json");
    req.body() = std::move(body);
    req.prepare_payload();
    auto promise = std::make_shared<std::promise<http::Reply>>();
    auto answer = promise->get_future();
    std::string label;
    router_.dispatch(req, [promise](http::Reply r) { promise->set_value(std::move(r)); }, label);
    EXPECT_EQ(answer.wait_for(std::chrono::seconds(60)), std::future_status::ready) << target << " got no answer";
    return answer.get();
  }

  static std::string error_of(const http::Reply& r) {
    return std::string(boost::json::parse(r.body).as_object().at("error").as_string());
  }
  static std::string header(const http::Reply& r, std::string_view name) {
    for (const auto& [k, v] : r.headers)
      if (k == name) return v;
    return {};
  }

  Settings settings_;
  FakeSpanStore spans_;
  stacklens::testing::EmptyScoreStore scores_;
  std::unique_ptr<MetaStore> meta_;
  std::optional<Sealer> sealer_;
  pricing::PriceBook prices_;
  std::optional<ingest::ProjectPrices> project_prices_;
  Metrics metrics_;
  std::optional<ingest::SpanWriter> writer_;
  std::optional<ingest::CostRecomputes> recomputes_;
  // The scanner takes ~240 ms to build: one for every test.
  static const governai::Scanner& scanner() {
    static const governai::Scanner built;
    return built;
  }
  std::optional<ingest::GovernaiPolicies> governai_policies_;
  std::optional<ingest::GovernaiGuard> governai_;
  std::optional<query::TraceService> traces_;
  std::optional<api::Authenticator> auth_;
  std::optional<api::LoginThrottle> throttle_;
  std::optional<providers::ModelCaller> models_;
  std::optional<evals::RuleRunner> eval_rules_;
  std::optional<evals::PromptRuns> prompt_runs_;
  std::optional<api::Services> services_;
  http::Router router_;
  int64_t project_ = 0;
  std::string key_;
};

TEST_F(HandlerTest, IngestAnswersAfterTheStoreCommitted) {
  const auto r = call(verb::post, "/api/v1/stacktrace/v1/traces", kSpan);
  ASSERT_EQ(r.status, 200) << r.body;
  const auto answer = boost::json::parse(r.body).as_object();
  EXPECT_EQ(answer.at("accepted").as_int64(), 1);
  const auto stored = spans_.stored();
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].project_id, project_);
  EXPECT_EQ(stored[0].trace_id, "trace-1");
  EXPECT_EQ(stored[0].span_id, "span-1");
}

TEST_F(HandlerTest, IngestIs507WhileTheStoreHasNoRoom) {
  spans_.on_prepare = [](std::vector<SpanRecord>&) -> Status {
    return make_error(ErrorCode::storage_full, "less than 64 MB of disk is free");
  };
  const auto r = call(verb::post, "/api/v1/stacktrace/v1/traces", kSpan);
  EXPECT_EQ(r.status, 507) << r.body;
  EXPECT_FALSE(error_of(r).empty());
  EXPECT_EQ(header(r, "Retry-After"), "10");
  EXPECT_EQ(spans_.writes(), 0) << "refused spans must not reach write()";
}

TEST_F(HandlerTest, IngestIs507WhenTheDiskFillsDuringTheCommit) {
  spans_.on_write = [](const FakeSpanStore::Records&) -> Result<WriteOutcome> {
    return make_error(ErrorCode::storage_full, "database or disk is full");
  };
  const auto r = call(verb::post, "/api/v1/stacktrace/v1/traces", kSpan);
  EXPECT_EQ(r.status, 507) << r.body;
  EXPECT_FALSE(error_of(r).empty());
  EXPECT_EQ(header(r, "Retry-After"), "10");
  EXPECT_TRUE(spans_.stored().empty());
}

TEST_F(HandlerTest, IngestIs503WhileTheStoreIsBusyAndRecovers) {
  spans_.on_write = [](const FakeSpanStore::Records&) -> Result<WriteOutcome> {
    return make_error(ErrorCode::unavailable, "database is locked");
  };
  auto r = call(verb::post, "/api/v1/stacktrace/v1/traces", kSpan);
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_FALSE(error_of(r).empty());
  EXPECT_EQ(header(r, "Retry-After"), "1");
  EXPECT_TRUE(spans_.stored().empty());

  spans_.on_write = [this](const FakeSpanStore::Records& records) -> Result<WriteOutcome> {
    return spans_.keep(records);
  };
  r = call(verb::post, "/api/v1/stacktrace/v1/traces", kSpan);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(spans_.stored().size(), 1u);
}

TEST_F(HandlerTest, BatchIngestNamesRejectedSpansAndStoresTheRest) {
  const std::string body = std::string(R"({"spans": [)") + kSpan + R"(, {"traceId": "trace-1"}]})";
  const auto r = call(verb::post, "/api/v1/stacktrace/v1/traces/batch", body);
  ASSERT_EQ(r.status, 200) << r.body;
  const auto answer = boost::json::parse(r.body).as_object();
  EXPECT_EQ(answer.at("accepted").as_int64(), 1);
  EXPECT_EQ(answer.at("rejected").as_int64(), 1);
  EXPECT_EQ(spans_.stored().size(), 1u);
}

TEST_F(HandlerTest, TraceDetailIs404WhenTheStoreHasNoSuchTrace) {
  std::string asked;
  spans_.on_get_trace = [&](int64_t project, const std::string& trace_id) {
    EXPECT_EQ(project, project_);
    asked = trace_id;
    return Result<std::optional<TraceDetail>>(std::nullopt);
  };
  const auto r = call(verb::get, "/api/v1/stacktrace/v1/traces/no%20such");
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_EQ(asked, "no such");
}

TEST_F(HandlerTest, TraceListIs503WhenTheStoreCannotBeRead) {
  spans_.on_list_traces = [](int64_t, const TraceFilter&) -> Result<TracePage> {
    return make_error(ErrorCode::unavailable, "spans.db cannot be read: disk I/O error");
  };
  const auto r = call(verb::get, "/api/v1/stacktrace/v1/traces");
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(error_of(r), "spans.db cannot be read: disk I/O error");
}

TEST_F(HandlerTest, TraceListPassesTheProjectAndFilterToTheStore) {
  TraceFilter seen;
  spans_.on_list_traces = [&](int64_t project, const TraceFilter& filter) {
    EXPECT_EQ(project, project_);
    seen = filter;
    return Result<TracePage>(TracePage{});
  };
  const auto r = call(verb::get, "/api/v1/stacktrace/v1/traces?model=gpt-4o&limit=7");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(boost::json::parse(r.body).as_object().at("traces").as_array().size(), 0u);
  EXPECT_EQ(seen.limit, 7);
  EXPECT_EQ(seen.model, "gpt-4o");
}

}  // namespace
