#pragma once
// Evaluation rules run on live spans. The running rules (not paused, sampling above 0) are held
// in memory, loaded on start, right after a change through this node, and whenever the store's
// rule revision moved (another node's change), polled every second. As ingest submits spans,
// pick() notes the LLM spans a rule's filter matches and its sampling keeps (nothing at all when
// no rule runs); once they are stored they wait in a bounded queue (full: dropped, and the drop
// counted and recorded) until the rule's delay has passed, and a few workers judge them through the model
// connection. Every run (ok, error, dropped) is recorded with its cost, as the rule's history.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/error.h"
#include "core/periodic.h"
#include "ingest/span_writer.h"
#include "model/evaluator.h"
#include "providers/model_caller.h"
#include "query/trace_service.h"
#include "storage/meta_store.h"
#include "storage/score_store.h"

namespace stacklens::evals {

// Whether a stored-to-be span is one a rule's filter takes: an LLM span (not one of the
// server's own model calls) with every field the filter gives.
bool rule_matches(const RuleFilter& filter, const Span& span);
// Whether the rule's sampling keeps this span: the same answer for the same span every time
// (a span sent twice is picked once or never), `rate` of all spans over many.
bool sampled(double rate, int64_t rule_id, const std::string& trace_id, const std::string& span_id);

class RuleRunner final : public ingest::CommitWatcher {
 public:
  struct Limits {
    size_t workers = 2;
    size_t max_queued = 10000;  // spans waiting for their evaluation; more are dropped
  };
  RuleRunner(MetaStore& meta, ScoreStore& scores, query::TraceService& traces, providers::ModelCaller& models,
             Limits limits);
  ~RuleRunner() override { stop(); }
  // Reads every project's rules now.
  Status reload();
  // Starts the workers, and the poll of the rule revision every `every`, until stop().
  void start(std::chrono::milliseconds every = std::chrono::milliseconds(1000));
  // Stops polling and the workers (spans still waiting are left unevaluated).
  void stop();

  void pick(const std::vector<Span>& spans, std::vector<ingest::SpanNote>& notes) override;
  void committed(std::vector<ingest::SpanNote> notes) override;

 private:
  using Rules = std::unordered_map<int64_t, std::vector<EvalRule>>;  // running rules by project
  struct Job {
    int64_t project_id = 0, rule_id = 0;
    std::string trace_id, span_id;
  };
  std::shared_ptr<const Rules> snapshot() const;
  std::optional<EvalRule> running_rule(int64_t project_id, int64_t rule_id) const;
  void work();
  EvalRun evaluate(const Job& job, const EvalRule& rule);
  void record(std::vector<EvalRun> runs);
  void flush_dropped();

  MetaStore& meta_;
  ScoreStore& scores_;
  query::TraceService& traces_;
  providers::ModelCaller& models_;
  const Limits limits_;

  std::mutex reload_mu_;
  mutable std::mutex rules_mu_;  // guards rules_ and revision_
  std::shared_ptr<const Rules> rules_ = std::make_shared<Rules>();
  std::atomic<bool> any_running_{false};  // the ingest path's only cost while no rule runs
  int64_t revision_ = -1;
  Periodic poller_;

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::multimap<std::chrono::steady_clock::time_point, Job> queue_;  // by when each is due
  std::unordered_map<int64_t, EvalRun> dropped_;  // per rule, since the poller last recorded them
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace stacklens::evals
