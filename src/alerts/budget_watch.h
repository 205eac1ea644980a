#pragma once
// Every few seconds, each node checks every budget (budget_spend.h: one read of the span store's
// queries per budget and pass, shared with the status endpoint) and notifies the project's
// channels when a budget reaches its soft or hard limit. Each level is announced once per budget
// and period: the metadata store records who claimed it first, so a restart or another node does
// not announce it again.
#include <chrono>

#include "alerts/budget_spend.h"
#include "alerts/notifier.h"
#include "core/periodic.h"
#include "storage/meta_store.h"

namespace stacklens::alerts {

class BudgetWatch {
 public:
  BudgetWatch(MetaStore& meta, BudgetSpend& spend, Notifier& notifier)
      : meta_(meta), spend_(spend), notifier_(notifier) {}

  void start(std::chrono::milliseconds every);
  void stop() { periodic_.stop(); }
  // One pass over every project's budgets.
  Status check_all();

 private:
  MetaStore& meta_;
  BudgetSpend& spend_;
  Notifier& notifier_;
  Periodic periodic_;
};

}  // namespace stacklens::alerts
