#include "alerts/budget_watch.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <map>

namespace stacklens::alerts {

void BudgetWatch::start(std::chrono::milliseconds every) {
  periodic_.start("sl-budgets", every, [this] {
    if (auto st = check_all(); !st) spdlog::warn("budgets: not checked: {}", st.error().message);
  });
}

Status BudgetWatch::check_all() {
  SL_TRY(budgets, meta_.list_budgets(std::nullopt));
  if (budgets.empty()) return ok_status();
  SL_TRY(projects, meta_.list_projects());
  std::map<int64_t, std::string> project_names;
  for (const auto& p : projects) project_names[p.id] = p.name;
  const Micros now = now_micros();
  for (const auto& b : budgets) {
    auto status = spend_.status(b, now);
    if (!status) {
      spdlog::warn("budgets: '{}' not checked: {}", b.name, status.error().message);
      continue;
    }
    struct Level {
      const char* name;
      std::optional<double> limit;
    };
    for (const Level& level : {Level{"soft", b.soft_limit_usd}, Level{"hard", b.hard_limit_usd}}) {
      if (!level.limit || status->spent_usd < *level.limit) continue;
      SL_TRY(claimed, meta_.claim_budget_alert(b.id, status->period_start_us, level.name, status->spent_usd));
      if (!claimed) continue;
      const std::string scope = b.scope == "project" ? "the project" : fmt::format("{} '{}'", b.scope, b.scope_value);
      Notification n;
      n.event = fmt::format("budget.{}", level.name);
      n.text = fmt::format("StackLens budget '{}' ({} of {}, {}) reached its {} limit: ${:.2f} spent of ${:.2f}",
                           b.name, scope, project_names[b.project_id], b.period, level.name, status->spent_usd,
                           *level.limit);
      n.data = boost::json::object{{"budget", b.name},
                                   {"project", project_names[b.project_id]},
                                   {"level", level.name},
                                   {"period", b.period},
                                   {"scope", b.scope},
                                   {"scopeValue", b.scope == "project" ? boost::json::value(nullptr)
                                                                       : boost::json::value(b.scope_value)},
                                   {"spentUsd", status->spent_usd},
                                   {"limitUsd", *level.limit},
                                   {"periodStart", format_iso8601(status->period_start_us)},
                                   {"periodEnd", format_iso8601(status->period_end_us)}};
      if (auto st = notifier_.notify(b.project_id, n); !st) return st;
    }
  }
  return ok_status();
}

}  // namespace stacklens::alerts
