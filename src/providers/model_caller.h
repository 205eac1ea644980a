#pragma once
// The server's own calls to model providers, through a project's model connections
// (model/connection.h): LLM-as-judge evaluators, experiments run by the server, the playground.
// Each call is bounded by the connection's timeout, retried on 429 and 5xx with backoff (a
// Retry-After is honoured), limited to the connection's concurrency on this node, refused once
// the connection's monthly spend cap is reached, and recorded as a trace in the project (so what
// the server spends shows like any other cost).
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/error.h"
#include "crypto/sealer.h"
#include "ingest/governai_guard.h"
#include "ingest/span_writer.h"
#include "model/connection.h"
#include "pricing/price_book.h"
#include "storage/meta_store.h"

namespace stacklens::providers {

struct ChatMessage {
  std::string role;  // system, user, assistant
  std::string content;
};

struct ChatRequest {
  std::vector<ChatMessage> messages;
  std::string model;  // empty: the connection's default model
  std::optional<double> temperature;
  std::optional<int64_t> max_tokens;
  std::string operation = "model.call";  // the recorded span's name, e.g. "evaluation.judge"
  Attributes attributes;                 // added to the recorded span
  std::string trace_id;                  // the recorded trace's id; empty: a new one
};

struct ChatResult {
  std::string text, model, finish_reason;
  int64_t input_tokens = 0, output_tokens = 0;
  double cost_usd = 0;
  Micros latency_us = 0;
  std::string trace_id;  // the trace recording this call in the project
  std::string span_id;   // its one span
};

// The UTC month "YYYY-MM" that a call made at `t` counts its spend in (the monthly cap).
std::string usage_month(Micros t);

class ModelCaller {
 public:
  ModelCaller(MetaStore& meta, const Sealer& sealer, ingest::SpanWriter& writer, const pricing::PriceBook& prices,
              ingest::GovernaiGuard& governai, size_t threads = 4);
  ~ModelCaller();
  ModelCaller(const ModelCaller&) = delete;
  ModelCaller& operator=(const ModelCaller&) = delete;

  // Blocking: call from a worker thread, never an HTTP io thread. Errors: not_found (no such
  // connection), unprocessable (the monthly spend cap is reached), upstream (the provider
  // refused or failed: its status and message), unavailable (unreachable or timed out).
  Result<ChatResult> chat(int64_t project_id, const std::string& connection, const ChatRequest& req);
  // For HTTP handlers: runs chat() on this caller's own threads and hands the result to `done`
  // there. unavailable at once when more calls wait than the threads can take up soon.
  void chat_async(int64_t project_id, std::string connection, ChatRequest req,
                  std::function<void(Result<ChatResult>)> done);
  // A connection's provider key as stored (sealed to the project and the connection's name).
  SealedText seal_key(int64_t project_id, const std::string& connection, const std::string& key) const;
  // Stops taking calls; the ones running finish.
  void stop();

 private:
  class Slots;
  Slots& slots_of(int64_t connection_id, int64_t limit);
  void run();

  MetaStore& meta_;
  const Sealer& sealer_;
  ingest::SpanWriter& writer_;
  const pricing::PriceBook& prices_;
  ingest::GovernaiGuard& governai_;
  std::mutex slots_mu_;
  std::map<int64_t, std::unique_ptr<Slots>> slots_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace stacklens::providers
