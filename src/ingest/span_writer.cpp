#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include "ingest/span_writer.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "ingest/span_costing.h"

namespace stacklens::ingest {
namespace {

constexpr Micros kStuckAfterUs = 10'000'000;
// A commit that failed for a passing reason (a busy file, an unreachable database) makes the
// writer unhealthy this long; then /ready goes by the store's own probe (SpanStore::check_ready),
// so a node that no load balancer sends traffic to still turns ready when its store is back.
constexpr Micros kTransientFailureUs = 5'000'000;
constexpr int kWriterNice = -5;
constexpr int kCommitAttempts = 3;

// Seals the record's prompt and completion (moved out of its span).
void seal(SpanRecord& r, const Sealer& sealer) {
  Span& span = r.span;
  if (!span.llm) return;
  if (span.llm->prompt) r.prompt = sealer.seal(*span.llm->prompt, seal_context(span, "prompt"));
  if (span.llm->completion) r.completion = sealer.seal(*span.llm->completion, seal_context(span, "completion"));
  span.llm->prompt.reset();
  span.llm->completion.reset();
}

// What the requests of a failed commit are told, in the shared error codes (the HTTP status
// follows from http/error_mapping.cpp). A busy or failing disk (unavailable) and a full one
// (storage_full) keep their code: they clear up, and the answer says when to retry. Anything
// else that fails a commit is no fault of the request's: internal.
Error commit_failure(const Error& e) {
  if (e.code == ErrorCode::storage_full)
    return make_error(e.code, "storage is full: free disk space; nothing was stored");
  if (is_transient(e.code)) return e;
  return make_error(ErrorCode::internal, "storage failed: " + e.message);
}

}  // namespace

SpanWriter::SpanWriter(SpanStore& store, const Sealer& sealer, const pricing::PriceBook& prices, Metrics& metrics,
                       size_t max_queue_spans, size_t max_batch_spans)
    : store_(store),
      sealer_(sealer),
      prices_(prices),
      metrics_(metrics),
      max_queue_spans_(max_queue_spans),
      max_batch_spans_(max_batch_spans),
      last_progress_us_(now_micros()),
      thread_([this] { run(); }) {}

SpanWriter::~SpanWriter() { stop(); }

Status SpanWriter::submit(std::vector<Span> spans, Done done) {
  {
    // Spans of earlier commits are freed here, on a request thread, not by the writer.
    std::vector<std::vector<Pending>> stored;
    std::lock_guard lock(garbage_mu_);
    stored.swap(garbage_);
  }
  if (spans.empty()) {
    done(ok_status());
    return ok_status();
  }
  {
    std::lock_guard lock(mu_);
    if (stopping_) return make_error(ErrorCode::unavailable, "server is shutting down");
    if (queued_spans_ + spans.size() > max_queue_spans_) {
      metrics_.add_overloaded();
      return make_error(ErrorCode::overloaded, "ingest queue is full; retry after the Retry-After delay");
    }
    queued_spans_ += spans.size();  // reserve before sealing so concurrent submits cannot overshoot
  }
  Pending p;
  if (watcher_) watcher_->pick(spans, p.notes);
  p.records.resize(spans.size());  // each span moves once, into its record
  const pricing::PriceSnapshot prices = prices_.snapshot();
  for (size_t i = 0; i < spans.size(); ++i) {
    p.records[i].span = std::move(spans[i]);
    assign_cost(p.records[i].span, prices);
    seal(p.records[i], sealer_);
  }
  if (auto st = store_.prepare(p.records); !st) {
    std::lock_guard lock(mu_);
    queued_spans_ -= spans.size();
    return st;
  }
  p.done = std::move(done);
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(p));
    metrics_.set_queue_depth(static_cast<int64_t>(queued_spans_));
  }
  cv_.notify_one();
  return ok_status();
}

void SpanWriter::run() {
  pthread_setname_np(pthread_self(), "sl-writer");
  // Every commit goes through this one thread, so when the cores are busy it should not wait
  // behind request threads for its turn: measured 64k -> 73k spans/s batched on 2 cores. Raising
  // a thread's priority needs root or CAP_SYS_NICE; without them the writer runs at the default.
  if (::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), kWriterNice) != 0)
    spdlog::info("span writer runs at normal priority (nice {} needs CAP_SYS_NICE): {}", kWriterNice,
                 std::strerror(errno));
  std::vector<Pending> batch;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      size_t n = 0;
      while (!queue_.empty() && (n == 0 || n + queue_.front().records.size() <= max_batch_spans_)) {
        n += queue_.front().records.size();
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    std::vector<const SpanRecord*> records;
    for (const auto& p : batch)
      for (const auto& r : p.records) records.push_back(&r);
    const auto t0 = std::chrono::steady_clock::now();
    Result<WriteOutcome> outcome = store_.write(records);
    // A busy file or a full disk may clear up: the same group is tried a few times before it fails.
    for (int attempt = 1; !outcome && attempt < kCommitAttempts && is_transient(outcome.error().code); ++attempt) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50 * attempt));
      outcome = store_.write(records);
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    {
      std::lock_guard lock(mu_);
      queued_spans_ -= records.size();
      last_progress_us_ = now_micros();
      if (outcome) last_error_.reset();
      else last_error_ = outcome.error(), last_error_us_ = now_micros();
      metrics_.set_queue_depth(static_cast<int64_t>(queued_spans_));
    }
    Status status = ok_status();
    if (outcome) {
      metrics_.observe_commit(secs);
      metrics_.add_spans_stored(outcome->inserted);
      metrics_.add_duplicates(outcome->duplicates);
    } else {
      spdlog::error("commit of {} spans failed: {}", records.size(), outcome.error().message);
      status = commit_failure(outcome.error());
    }
    for (auto& p : batch) p.done(status);
    if (watcher_ && status)
      for (auto& p : batch)
        if (!p.notes.empty()) watcher_->committed(std::move(p.notes));
    std::lock_guard lock(garbage_mu_);
    garbage_.push_back(std::move(batch));
    batch = {};
  }
}

void SpanWriter::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

WriterHealth SpanWriter::health() const {
  std::lock_guard lock(mu_);
  if (stopping_) return {false, "shutting down"};
  // A full disk is the store's to report (SpanStore::check_ready), so that /ready recovers as soon
  // as space returns rather than after the next successful commit.
  if (last_error_ && last_error_->code != ErrorCode::storage_full &&
      (!is_transient(last_error_->code) || now_micros() - last_error_us_ < kTransientFailureUs))
    return {false, last_error_->message};
  if (queued_spans_ > 0 && now_micros() - last_progress_us_ > kStuckAfterUs)
    return {false, fmt::format("writer has not committed for {} s", (now_micros() - last_progress_us_) / 1000000)};
  return {};
}

}  // namespace stacklens::ingest
