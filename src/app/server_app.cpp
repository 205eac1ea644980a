#include "app/server_app.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/signal_set.hpp>
#include <cstdio>
#include <fstream>
#include <future>

#include "api/auth.h"
#include "api/routes.h"
#include "app/bootstrap.h"
#include "app/storage_factory.h"
#include "audit/checkpointer.h"
#include "api/login_throttle.h"
#include "http/server.h"
#include "http/static_files.h"
#include "alerts/budget_watch.h"
#include "alerts/monitor_watch.h"
#include "ingest/cost_recomputes.h"
#include "ingest/project_prices.h"
#include "ingest/retention.h"
#include "otlp_grpc/receiver.h"
#include "pricing/price_book.h"

namespace stacklens::app {
namespace {

Status write_port_file(const std::filesystem::path& file, int port) {
  const auto tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp);
    out << port << "\n";
    if (!out) return make_error(ErrorCode::unavailable, fmt::format("cannot write port file {}", file.string()));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, file, ec);
  if (ec) return make_error(ErrorCode::unavailable, fmt::format("cannot write port file {}", file.string()));
  return ok_status();
}

// A path of the source tree the binary was built in (build/stacklens -> <tree>/relative).
std::filesystem::path source_tree_path(const std::filesystem::path& relative) {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return relative;
  return exe.parent_path().parent_path() / relative;
}

std::filesystem::path web_dir(const Settings& settings) {
  if (!settings.web_dir.empty()) return settings.web_dir;
  return source_tree_path("web/dist");
}

// The price table: the prices-file setting's, which must load; unset, the source tree's, and
// when a binary installed away from its tree finds none, no table (every span with tokens and
// no cost of its own is marked unpriced), said once in the log.
Result<pricing::PriceTable> load_prices(const Settings& settings) {
  if (!settings.prices_file.empty()) return pricing::PriceTable::load(settings.prices_file);
  const auto file = source_tree_path("data/prices/prices.json");
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    spdlog::warn("no price table at {}: spans without a cost stay unpriced; set prices-file", file.string());
    return pricing::PriceTable();
  }
  return pricing::PriceTable::load(file);
}

int fail(const Error& e) {
  spdlog::error("{}", e.message);
  return 1;
}

// Everything a serving process holds, wired once: stores, sealer, writer, services, routes.
struct Runtime {
  std::unique_ptr<MetaStore> meta;
  std::unique_ptr<SpanStore> spans;
  std::unique_ptr<ScoreStore> scores;
  std::optional<Sealer> sealer;
  // Destroyed after everything that appends to the audit log, signing its last entries.
  std::unique_ptr<audit::Checkpointer> audit_checkpoints;
  std::unique_ptr<pricing::PriceBook> prices;
  std::unique_ptr<ingest::ProjectPrices> project_prices;
  Metrics metrics;
  std::unique_ptr<ingest::SpanWriter> writer;
  std::unique_ptr<ingest::CostRecomputes> recomputes;
  std::unique_ptr<ingest::Retention> retention;
  // GovernAI's scanner (its pattern database takes ~240 ms to compile: built once, shared by
  // every request thread), the projects' policies and the guard that applies them at ingest.
  std::unique_ptr<governai::Scanner> scanner;
  std::unique_ptr<ingest::GovernaiPolicies> governai_policies;
  std::unique_ptr<ingest::GovernaiGuard> governai;
  std::unique_ptr<query::TraceService> traces;
  // Destroyed before the writer it records its calls through.
  std::unique_ptr<providers::ModelCaller> models;
  // Watches the writer's commits (set as its watcher) and judges through the model caller.
  std::unique_ptr<evals::RuleRunner> eval_rules;
  // Prompt runs on worker threads of their own, calling through the model caller.
  std::unique_ptr<evals::PromptRuns> prompt_runs;
  // Budgets' spend (read through the span store), the notification sender and the budget check.
  std::unique_ptr<alerts::BudgetSpend> budgets;
  std::unique_ptr<alerts::Notifier> notifier;
  std::unique_ptr<alerts::BudgetWatch> budget_watch;
  std::unique_ptr<alerts::MonitorWatch> monitor_watch;
  std::unique_ptr<api::Authenticator> auth;
  std::unique_ptr<api::LoginThrottle> throttle;
  std::unique_ptr<api::Services> services;
  http::Router router;
};

Result<std::unique_ptr<Runtime>> open_runtime(const Settings& settings) {
  auto rt = std::make_unique<Runtime>();
  SL_TRY(meta, open_meta_store(settings));
  SL_TRY(spans, open_span_store(settings));
  SL_TRY(scores, open_score_store(settings));
  SL_TRY(sealer, Sealer::open_or_create(settings.key_file()));
  SL_TRY(audit_signer, AuditSigner::open_or_create(settings.audit_key_file()));
  SL_TRY(prices, load_prices(settings));
  rt->meta = std::move(meta);
  rt->spans = std::move(spans);
  rt->scores = std::move(scores);
  rt->sealer = std::move(sealer);
  rt->audit_checkpoints = std::make_unique<audit::Checkpointer>(*rt->meta, std::move(audit_signer));
  rt->prices = std::make_unique<pricing::PriceBook>(std::move(prices));
  rt->project_prices = std::make_unique<ingest::ProjectPrices>(*rt->meta, *rt->prices);
  if (auto st = rt->project_prices->reload(); !st) return st.error();
  rt->writer = std::make_unique<ingest::SpanWriter>(*rt->spans, *rt->sealer, *rt->prices, rt->metrics,
                                                    settings.ingest_queue_spans, settings.commit_batch_spans);
  rt->recomputes = std::make_unique<ingest::CostRecomputes>(*rt->spans, *rt->meta, *rt->prices);
  rt->retention = std::make_unique<ingest::Retention>(*rt->meta, *rt->spans);
  rt->scanner = std::make_unique<governai::Scanner>();
  rt->governai_policies = std::make_unique<ingest::GovernaiPolicies>(*rt->meta);
  if (auto st = rt->governai_policies->reload(); !st) return st.error();
  rt->governai = std::make_unique<ingest::GovernaiGuard>(*rt->scanner, *rt->governai_policies, *rt->meta, rt->metrics,
                                                         settings.governai);
  rt->traces = std::make_unique<query::TraceService>(*rt->spans, *rt->sealer);
  rt->models = std::make_unique<providers::ModelCaller>(*rt->meta, *rt->sealer, *rt->writer, *rt->prices, *rt->governai);
  rt->eval_rules = std::make_unique<evals::RuleRunner>(*rt->meta, *rt->scores, *rt->traces, *rt->models,
                                                      evals::RuleRunner::Limits{});
  if (auto st = rt->eval_rules->reload(); !st) return st.error();
  rt->writer->set_watcher(rt->eval_rules.get());
  SL_TRY(node, evals::PromptRuns::node_identity(settings.data_dir));
  rt->prompt_runs = std::make_unique<evals::PromptRuns>(*rt->meta, *rt->scores, *rt->models, std::move(node),
                                                        evals::PromptRuns::Limits{});
  rt->auth = std::make_unique<api::Authenticator>(*rt->meta);
  rt->throttle = std::make_unique<api::LoginThrottle>(*rt->meta);
  rt->services.reset(new api::Services{settings, *rt->spans, *rt->meta, *rt->writer, *rt->traces, rt->metrics,
                                       *rt->auth, *rt->throttle, *rt->scores, *rt->prices,
                                       *rt->project_prices, *rt->recomputes, *rt->governai, *rt->models,
                                       *rt->eval_rules, *rt->prompt_runs});
  rt->budgets = std::make_unique<alerts::BudgetSpend>(*rt->spans);
  rt->notifier = std::make_unique<alerts::Notifier>(*rt->meta, *rt->sealer, alerts::Notifier::Limits{});
  rt->budget_watch = std::make_unique<alerts::BudgetWatch>(*rt->meta, *rt->budgets, *rt->notifier);
  rt->services->budgets = rt->budgets.get();
  rt->services->notifier = rt->notifier.get();
  rt->monitor_watch = std::make_unique<alerts::MonitorWatch>(*rt->meta, *rt->spans, *rt->notifier,
                                                             std::chrono::seconds(settings.monitor_interval_seconds));
  rt->services->monitors = rt->monitor_watch.get();
  api::add_routes(rt->router, *rt->services);
  rt->router.set_fallback(http::static_files(web_dir(settings), {"/api/", "/stacktrace/", "/flowops/", "/otlp/"}));
  return rt;
}

}  // namespace

int print_routes(const Settings& settings) {
  auto rt = open_runtime(settings);
  if (!rt) return fail(rt.error());
  for (const auto& r : (*rt)->router.routes())
    std::printf("%s %s\n", std::string(boost::beast::http::to_string(r.method)).c_str(), r.pattern.c_str());
  return 0;
}

int serve(const Settings& settings) {
  // spans.db is this process's alone while it runs (`stacklens migrate` waits for its stop).
  std::unique_ptr<DataDirLock> lock;
  if (settings.span_store_url.empty()) {
    if (auto st = prepare_data_dir(settings); !st) return fail(st.error());
    auto taken = DataDirLock::take(settings.data_dir);
    if (!taken) return fail(taken.error());
    lock = std::move(*taken);
  }
  auto opened = open_runtime(settings);
  if (!opened) return fail(opened.error());
  Runtime& rt = **opened;
  auto boot = bootstrap_if_empty(*rt.meta);
  if (!boot) return fail(boot.error());
  Metrics& metrics = rt.metrics;
  ingest::SpanWriter& writer = *rt.writer;
  if (auto n = rt.spans->count_spans()) metrics.set_spans_stored(*n);
  rt.project_prices->start();
  rt.governai_policies->start();
  rt.eval_rules->start();
  if (auto st = rt.prompt_runs->resume(); !st) spdlog::warn("prompt runs: not resumed: {}", st.error().message);
  rt.prompt_runs->start();
  rt.retention->start(std::chrono::seconds(settings.retention_interval_seconds));
  rt.notifier->start();
  rt.budget_watch->start(std::chrono::seconds(5));
  rt.monitor_watch->start();
  std::unique_ptr<otlp_grpc::Receiver> grpc_receiver;
  if (settings.otlp_grpc) {
    auto started = otlp_grpc::Receiver::start(*rt.services);
    if (!started) return fail(started.error());
    grpc_receiver = std::move(*started);
    spdlog::info("OTLP/gRPC listening on {}:{}", settings.listen, grpc_receiver->port());
  }

  http::Server server(rt.router,
                      http::ServerOptions{settings.listen, settings.port, settings.limits.max_body_bytes,
                                          settings.io_threads, settings.inflight_body_mb << 20,
                                          settings.max_connections, settings.max_connections_per_client,
                                          std::chrono::seconds(settings.read_timeout_seconds)},
                      [&metrics](const std::string& route, int status) { metrics.count_request(route, status); });
  auto port = server.start();
  if (!port) return fail(port.error());
  Settings bound = settings;
  bound.port = *port;
  if (!settings.port_file.empty())
    if (auto st = write_port_file(settings.port_file, *port); !st) return fail(st.error());
  spdlog::info("stacklens listening on {} (data in {})", bound.url(), settings.data_dir.string());
  if (*boot) {
    const auto& b = **boot;
    std::printf(
        "\nStackLens is ready. These credentials are shown once; store them now.\n"
        "  Dashboard:   %s\n"
        "  Admin login: %s / %s\n"
        "  API key:     %s  (scopes: %s)\n\n",
        bound.url().c_str(), b.admin_email.c_str(), b.admin_password.c_str(), b.api_key.c_str(), b.scopes.c_str());
    std::fflush(stdout);
  }

  std::promise<int> stop;
  boost::asio::signal_set signals(server.io(), SIGINT, SIGTERM);
  signals.async_wait([&stop](const boost::system::error_code& ec, int sig) {
    if (!ec) stop.set_value(sig);
  });
  const int sig = stop.get_future().get();
  spdlog::info("signal {}: no longer accepting; committing queued spans", sig);
  server.stop_accepting();
  // Exports end here, their threads joined: they read the stores and the sealer's keys, which go
  // when serve returns, and a connection waiting on its export keeps it alive past server.stop().
  rt.services->stop_exports();
  if (grpc_receiver) grpc_receiver->stop();  // its calls in flight are answered once their spans are committed
  rt.budget_watch->stop();
  rt.monitor_watch->stop();
  rt.notifier->stop();  // an attempt under way finishes; what waits stays queued for the next start
  rt.eval_rules->stop();  // evaluations waiting are left undone; one being judged finishes first
  rt.prompt_runs->stop();  // items in flight finish; the rest wait for the next start
  rt.models->stop();  // calls in flight finish (each within its connection's timeout) and are recorded
  writer.stop();
  server.stop();
  spdlog::info("stopped; {} spans stored", metrics.spans_stored());
  return 0;
}

}  // namespace stacklens::app
