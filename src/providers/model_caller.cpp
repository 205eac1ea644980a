#include "providers/model_caller.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <ctime>
#include <future>
#include <random>

#include "crypto/secrets.h"
#include "ingest/span_costing.h"
#include "providers/provider_wire.h"

namespace stacklens::providers {
namespace {

// Calls waiting for a thread beyond this many per thread are refused at once (unavailable).
constexpr size_t kQueuedPerThread = 16;
constexpr int kMaxAttempts = 5;

// The messages as the dashboard shows a chat: a JSON list of {role, content}.
std::string messages_json(const std::vector<ChatMessage>& messages) {
  boost::json::array out;
  for (const auto& m : messages) out.push_back(boost::json::object{{"role", m.role}, {"content", m.content}});
  return boost::json::serialize(out);
}

// Backoff before attempt n+1 (n from 0): 0.5 s doubling, with jitter, unless the provider said.
std::chrono::milliseconds backoff(int attempt, std::optional<double> retry_after_s) {
  if (retry_after_s) return std::chrono::milliseconds(static_cast<int64_t>(*retry_after_s * 1000));
  thread_local std::minstd_rand rng{std::random_device{}()};
  const int64_t base = 500LL << attempt;
  return std::chrono::milliseconds(base / 2 + static_cast<int64_t>(rng() % static_cast<uint32_t>(base)));
}

bool retryable(int status) { return status == 429 || status >= 500; }

// Binds a sealed key to its project and connection name.
std::string key_seal_context(int64_t project_id, const std::string& connection) {
  return fmt::format("model-connection:{}:{}", project_id, connection);
}

}  // namespace

std::string usage_month(Micros t) {
  const std::time_t secs = static_cast<std::time_t>(t / 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}", tm.tm_year + 1900, tm.tm_mon + 1);
}

SealedText ModelCaller::seal_key(int64_t project_id, const std::string& connection, const std::string& key) const {
  return sealer_.seal(key, key_seal_context(project_id, connection));
}

// The calls in flight on one connection, at most its max_concurrency on this node.
class ModelCaller::Slots {
 public:
  explicit Slots(int64_t limit) : limit_(limit) {}
  void set_limit(int64_t limit) {
    std::lock_guard lock(mu_);
    limit_ = limit;
    cv_.notify_all();
  }
  bool acquire(Clock::time_point deadline) {
    std::unique_lock lock(mu_);
    if (!cv_.wait_until(lock, deadline, [&] { return used_ < limit_; })) return false;
    ++used_;
    return true;
  }
  void release() {
    std::lock_guard lock(mu_);
    --used_;
    cv_.notify_one();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int64_t limit_;
  int64_t used_ = 0;
};

ModelCaller::ModelCaller(MetaStore& meta, const Sealer& sealer, ingest::SpanWriter& writer,
                         const pricing::PriceBook& prices, ingest::GovernaiGuard& governai, size_t threads)
    : meta_(meta), sealer_(sealer), writer_(writer), prices_(prices), governai_(governai) {
  for (size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { run(); });
}

ModelCaller::~ModelCaller() { stop(); }

void ModelCaller::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void ModelCaller::run() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    job();
  }
}

void ModelCaller::chat_async(int64_t project_id, std::string connection, ChatRequest req,
                             std::function<void(Result<ChatResult>)> done) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_ && queue_.size() < threads_.size() * kQueuedPerThread) {
      queue_.push_back([this, project_id, connection = std::move(connection), req = std::move(req),
                        done = std::move(done)]() mutable { done(chat(project_id, connection, req)); });
      cv_.notify_one();
      return;
    }
  }
  done(make_error(ErrorCode::unavailable, "too many model calls are waiting on this node: retry later"));
}

ModelCaller::Slots& ModelCaller::slots_of(int64_t connection_id, int64_t limit) {
  std::lock_guard lock(slots_mu_);
  auto& s = slots_[connection_id];
  if (!s) s = std::make_unique<Slots>(limit);
  else s->set_limit(limit);
  return *s;
}

Result<ChatResult> ModelCaller::chat(int64_t project_id, const std::string& connection, const ChatRequest& req) {
  SL_TRY(found, meta_.get_connection(project_id, connection));
  if (!found)
    return make_error(ErrorCode::not_found, fmt::format("model connection '{}' does not exist in this project",
                                                        connection));
  const ModelConnection& c = *found;
  const Micros started = now_micros();
  const std::string month = usage_month(started);
  if (c.monthly_budget_usd) {
    SL_TRY(usage, meta_.connection_usage(c.id, month));
    if (usage.cost_usd >= *c.monthly_budget_usd)
      return make_error(ErrorCode::unprocessable,
                        fmt::format("model connection '{}' has spent ${:.4f} of its ${:.4f} monthly spend cap in {}",
                                    c.name, usage.cost_usd, *c.monthly_budget_usd, month));
  }
  SL_TRY(key, sealer_.open(c.sealed_key, key_seal_context(project_id, c.name)));
  const WireRequest wire = build_request(c, key, req);
  const auto deadline = Clock::now() + std::chrono::milliseconds(c.timeout_ms);

  Slots& slots = slots_of(c.id, c.max_concurrency);
  Result<ChatResult> result = make_error(ErrorCode::unavailable, "");
  if (!slots.acquire(deadline)) {
    result = make_error(ErrorCode::unavailable,
                        fmt::format("model connection '{}': all {} of its calls stayed busy until its {} ms timeout",
                                    c.name, c.max_concurrency, c.timeout_ms));
  } else {
    for (int attempt = 0;; ++attempt) {
      auto answer = https_post(wire.url, wire.headers, wire.body, deadline);
      std::optional<double> retry_after;
      if (answer && answer->status / 100 == 2) {
        result = read_answer(c, answer->body);
        break;
      }
      if (answer) {
        result = make_error(ErrorCode::upstream, fmt::format("model connection '{}': the provider answered {}: {}",
                                                             c.name, answer->status, error_message(answer->body)));
        if (!retryable(answer->status)) break;
        retry_after = answer->retry_after_s;
      } else {
        result = answer.error();
        if (answer.error().code != ErrorCode::unavailable) break;
      }
      const auto wait = backoff(attempt, retry_after);
      if (attempt + 1 >= kMaxAttempts || Clock::now() + wait >= deadline) break;
      std::this_thread::sleep_for(wait);
    }
    slots.release();
  }
  const Micros ended = now_micros();

  Span span;
  span.project_id = project_id;
  span.trace_id = req.trace_id.empty() ? secrets::random_uuid() : req.trace_id;
  span.span_id = secrets::random_uuid();
  span.name = req.operation;
  span.kind = "llm";
  span.start_us = started;
  span.end_us = ended;
  span.attributes = req.attributes;
  span.attributes.emplace_back("stacklens.connection", c.name);
  LlmData llm;
  llm.provider = c.provider;
  llm.model = req.model.empty() ? c.default_model : req.model;
  llm.temperature = req.temperature;
  llm.max_tokens = req.max_tokens;
  llm.prompt = messages_json(req.messages);
  if (result) {
    if (!result->model.empty()) llm.model = result->model;
    llm.input_tokens = result->input_tokens;
    llm.output_tokens = result->output_tokens;
    llm.total_tokens = result->input_tokens + result->output_tokens;
    llm.completion = result->text;
    if (!result->finish_reason.empty()) llm.finish_reason = result->finish_reason;
  } else {
    span.status = "error";
    span.attributes.emplace_back("error.message", result.error().message);
  }
  span.llm = std::move(llm);
  if (result) {
    // Priced as the writer will price the recorded span (which must not take it for a caller's cost).
    Span priced = span;
    ingest::assign_cost(priced, prices_.snapshot());
    result->latency_us = ended - started;
    result->cost_usd = priced.llm->cost_usd;
    result->trace_id = span.trace_id;
    result->span_id = span.span_id;
    if (auto usage = meta_.add_connection_usage(c.id, month, result->cost_usd); !usage)
      spdlog::warn("model connection '{}': its spend was not recorded: {}", c.name, usage.error().message);
  }
  ingest::Screening screening;
  governai_.screen(span, screening);
  if (auto st = governai_.record(screening); !st) {
    spdlog::warn("model connection '{}': the call's trace was not recorded: {}", c.name, st.error().message);
  } else {
    // The answer waits for the trace's commit, so whoever got it finds the trace.
    auto committed = std::make_shared<std::promise<Status>>();
    auto stored = committed->get_future();
    if (auto st2 = writer_.submit({std::move(span)}, [committed](Status st) { committed->set_value(std::move(st)); });
        !st2)
      spdlog::warn("model connection '{}': the call's trace was not recorded: {}", c.name, st2.error().message);
    else if (auto st3 = stored.get(); !st3)
      spdlog::warn("model connection '{}': the call's trace was not recorded: {}", c.name, st3.error().message);
  }
  return result;
}

}  // namespace stacklens::providers
