#pragma once
// What a budget has spent in its current period, read through the span store's own queries (so
// the same on SQLite and ClickHouse) and kept a few seconds per budget: applications ask before
// each model call, and the background check asks every few seconds.
//   project: the metrics (the rollups on SQLite), one bucket over the period;
//   tag, user: the cost of the period's traces carrying the tag or of the user id, a page of
//   the trace list at a time.
// A spend is kept `keep` (5 s), or fifty times as long as reading it took when that is longer, so
// a budget over a busy month costs the readers at most a fiftieth of a core.
#include <chrono>
#include <mutex>
#include <string_view>
#include <unordered_map>

#include "core/error.h"
#include "model/alert.h"
#include "storage/span_store.h"

namespace stacklens::alerts {

enum class BudgetState { ok, soft, hard };
std::string_view state_name(BudgetState s);

struct BudgetStatus {
  Budget budget;
  Micros period_start_us = 0, period_end_us = 0;
  double spent_usd = 0;
  BudgetState state = BudgetState::ok;  // hard: the hard limit reached; soft: the soft one
};

class BudgetSpend {
 public:
  using Clock = std::chrono::steady_clock;
  explicit BudgetSpend(SpanStore& spans, Clock::duration keep = std::chrono::seconds(5))
      : spans_(spans), keep_(keep) {}

  // The budget's status at `now_us`, its spend read again once it has been kept long enough.
  Result<BudgetStatus> status(const Budget& b, Micros now_us);

 private:
  Result<double> read_spend(const Budget& b, Micros from_us, Micros to_us);

  struct Kept {
    Micros period_start_us = 0;
    Micros updated_us = 0;  // the budget's, so an edited budget is read again
    double spent_usd = 0;
    Clock::time_point fresh_until;
  };
  SpanStore& spans_;
  const Clock::duration keep_;
  std::mutex mu_;
  std::unordered_map<int64_t, Kept> kept_;  // by budget id
};

}  // namespace stacklens::alerts
