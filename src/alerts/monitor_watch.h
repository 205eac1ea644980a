#pragma once
// Evaluates the monitors (model/monitor.h) in the background: a thread wakes every few seconds
// and evaluates each monitor not paused whose last evaluation is `every` old (its value read by
// monitor_value.h, off the ingest path), or fifty times as long as its last reading took when that
// is longer: a monitor over the trace list of a busy window costs the readers at most a fiftieth
// of a core (as a budget's spend, budget_spend.h). A change of state (monitor_rules.h) is made in the
// metadata store only if the monitor is still in the state it was read in, so with several nodes
// (or the evaluate endpoint beside the thread) one of them records it and notifies the
// monitor's channels (all of the project's when it names none): monitor.firing, monitor.resolved.
#include <chrono>
#include <unordered_map>

#include "alerts/notifier.h"
#include "core/periodic.h"
#include "storage/meta_store.h"
#include "storage/span_store.h"

namespace stacklens::alerts {

struct MonitorEvaluation {
  Monitor monitor;  // with its state after the evaluation
  double value = 0;
  bool changed = false;  // this evaluation moved its state
};

class MonitorWatch {
 public:
  MonitorWatch(MetaStore& meta, SpanStore& spans, Notifier& notifier, std::chrono::seconds every)
      : meta_(meta), spans_(spans), notifier_(notifier), every_(every) {}

  void start();
  void stop() { periodic_.stop(); }
  // One pass: every monitor due.
  Status check_all();
  // Evaluates the monitor now, recording its value and any change of state.
  Result<MonitorEvaluation> evaluate(const Monitor& m);

 private:
  Status notify(const Monitor& m, const MonitorTransition& t);

  MetaStore& meta_;
  SpanStore& spans_;
  Notifier& notifier_;
  const std::chrono::seconds every_;
  // By monitor: not evaluated again by check_all() before this (the background thread's own).
  std::unordered_map<int64_t, Micros> not_before_;
  Periodic periodic_;
};

}  // namespace stacklens::alerts
