#pragma once
// The metadata tables as rows of text, for `stacklens migrate`: it reads every row of the
// source's tables, inserts them into the target's tables of the same names, and reads both again
// to compare them. Both metadata backends keep these tables with the same columns
// (sqlite/meta_schema.h, postgres/pg_migrations.cpp).
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace stacklens {

// NULL, or the value as text: integers in decimal, reals in their shortest exact form.
using Cell = std::optional<std::string>;
using CellRow = std::vector<Cell>;

// The tables copied, in an order where every row's references come before it. Not copied: the
// revision counters (a target counts its own) and each backend's bookkeeping.
inline constexpr std::string_view kMetaTables[] = {
    "organizations",   "projects",          "users",          "memberships",          "api_keys",
    "prompts",         "prompt_versions",   "promotion_requests", "prompt_promotions", "environment_protection",
    "experiments",     "experiment_variants", "sessions",     "login_failures",       "score_configs",
    "model_prices",    "cost_recomputes",   "audit_log",      "audit_checkpoints",    "transparency",
    "governai_policies", "model_connections", "connection_usage",
    "datasets",        "dataset_items",     "dataset_runs",   "dataset_run_results",
    "evaluators",      "eval_rules",        "eval_rule_runs",
    "budgets",         "budget_alerts",     "notification_channels", "notification_deliveries",
    "monitors",        "monitor_transitions",
    "notification_queue"};

class MetaRows {
 public:
  virtual ~MetaRows() = default;
  // The table's columns in their order; empty when there is no such table.
  virtual Result<std::vector<std::string>> columns(std::string_view table) = 0;
  // Every row of the table, these columns, to `each` (in no particular order).
  virtual Status read_rows(std::string_view table, const std::vector<std::string>& columns,
                           const std::function<Status(CellRow&&)>& each) = 0;
  // Inserts the rows together; a row whose key (or another unique column) is already stored is
  // left out. Returns how many were inserted.
  virtual Result<int64_t> insert_rows(std::string_view table, const std::vector<std::string>& columns,
                                      const std::vector<CellRow>& rows) = 0;
  // After every table's rows are in: what follows from them (PostgreSQL: new ids continue after
  // the largest inserted, the audit chain's head is its last entry, every node reloads prices and
  // policies).
  virtual Status rows_inserted() = 0;
};

}  // namespace stacklens
