#include "alerts/budget_spend.h"

#include <algorithm>

#include "alerts/budget_period.h"

namespace stacklens::alerts {

std::string_view state_name(BudgetState s) {
  switch (s) {
    case BudgetState::ok: return "ok";
    case BudgetState::soft: return "soft";
    case BudgetState::hard: return "hard";
  }
  return "ok";
}

Result<double> BudgetSpend::read_spend(const Budget& b, Micros from_us, Micros to_us) {
  if (b.scope == "project") {
    MetricsQuery q;
    q.from_us = from_us;
    q.to_us = to_us;
    q.interval_us = to_us - from_us;  // whole days: one bucket
    SL_TRY(series, spans_.metrics(b.project_id, q));
    double sum = 0;
    for (const auto& s : series)
      for (const auto& p : s.points) sum += p.cost_usd;
    return sum;
  }
  TraceFilter f;
  f.from_us = from_us;
  f.to_us = to_us;
  if (b.scope == "tag") f.tags.push_back(b.scope_value);
  else f.user_id = b.scope_value;
  f.limit = 1000;
  double sum = 0;
  for (;;) {
    SL_TRY(page, spans_.list_trace_summaries(b.project_id, f));
    for (const auto& t : page.traces) sum += t.cost_usd;
    if (!page.next_cursor) return sum;
    f.cursor = page.next_cursor;
  }
}

Result<BudgetStatus> BudgetSpend::status(const Budget& b, Micros now_us) {
  const PeriodBounds period = period_of(b.period, now_us);
  BudgetStatus out{b, period.start_us, period.end_us, 0, BudgetState::ok};
  const auto now = Clock::now();
  std::optional<double> spent;
  {
    std::lock_guard lock(mu_);
    auto it = kept_.find(b.id);
    if (it != kept_.end() && it->second.period_start_us == period.start_us && it->second.updated_us == b.updated_us &&
        now < it->second.fresh_until)
      spent = it->second.spent_usd;
  }
  if (!spent) {
    SL_TRY(read, read_spend(b, period.start_us, period.end_us));
    spent = read;
    const auto took = Clock::now() - now;
    std::lock_guard lock(mu_);
    kept_[b.id] = Kept{period.start_us, b.updated_us, read, now + std::max(keep_, took * 50)};
  }
  out.spent_usd = *spent;
  if (out.spent_usd >= b.hard_limit_usd) out.state = BudgetState::hard;
  else if (b.soft_limit_usd && out.spent_usd >= *b.soft_limit_usd) out.state = BudgetState::soft;
  return out;
}

}  // namespace stacklens::alerts
