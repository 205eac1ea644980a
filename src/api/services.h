#pragma once
// What the API handlers may use. They never see SQL or a concrete backend.
#include <functional>

#include "alerts/budget_spend.h"
#include "alerts/monitor_watch.h"
#include "alerts/notifier.h"
#include "config/settings.h"
#include "evals/prompt_run.h"
#include "evals/rule_runner.h"
#include "ingest/cost_recomputes.h"
#include "ingest/governai_guard.h"
#include "ingest/project_prices.h"
#include "ingest/span_writer.h"
#include "observability/metrics.h"
#include "providers/model_caller.h"
#include "query/trace_service.h"
#include "storage/meta_store.h"
#include "storage/score_store.h"
#include "storage/span_store.h"

namespace stacklens::api {

class Authenticator;
class LoginThrottle;

struct Services {
  const Settings& settings;
  SpanStore& spans;
  MetaStore& meta;
  ingest::SpanWriter& writer;
  query::TraceService& traces;
  Metrics& metrics;
  Authenticator& auth;
  LoginThrottle& login_throttle;
  ScoreStore& scores;
  pricing::PriceBook& prices;
  ingest::ProjectPrices& project_prices;
  ingest::CostRecomputes& recomputes;
  ingest::GovernaiGuard& governai;
  providers::ModelCaller& models;
  evals::RuleRunner& eval_rules;
  evals::PromptRuns& prompt_runs;
  // Budgets' spend and the notification sender (null in handler tests that do not use them).
  alerts::BudgetSpend* budgets = nullptr;
  alerts::Notifier* notifier = nullptr;
  // Set by the export routes: stops every running export and waits for its thread.
  std::function<void()> stop_exports{};
  alerts::MonitorWatch* monitors = nullptr;  // evaluates monitors (null in handler tests)
};

}  // namespace stacklens::api
