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
#include "api/login_throttle.h"
#include "http/server.h"
#include "http/static_files.h"

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

std::filesystem::path web_dir(const Settings& settings) {
  if (!settings.web_dir.empty()) return settings.web_dir;
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "web/dist";
  return exe.parent_path().parent_path() / "web" / "dist";  // build/stacklens -> web/dist
}

int fail(const Error& e) {
  spdlog::error("{}", e.message);
  return 1;
}

}  // namespace

int print_routes(const Settings& settings) {
  // The handlers are never called: the routes are only listed.
  auto meta = open_meta_store(settings);
  if (!meta) return fail(meta.error());
  auto spans = open_span_store(settings);
  if (!spans) return fail(spans.error());
  auto sealer = Sealer::open_or_create(settings.key_file());
  if (!sealer) return fail(sealer.error());
  Metrics metrics;
  ingest::SpanWriter writer(**spans, *sealer, metrics, 1, 1);
  query::TraceService traces(**spans, *sealer);
  api::Authenticator auth(**meta);
  api::LoginThrottle throttle;
  api::Services services{settings, **spans, **meta, writer, traces, metrics, auth, throttle};
  http::Router router;
  api::add_routes(router, services);
  for (const auto& r : router.routes())
    std::printf("%s %s\n", std::string(boost::beast::http::to_string(r.method)).c_str(), r.pattern.c_str());
  return 0;
}

int serve(const Settings& settings) {
  auto meta = open_meta_store(settings);
  if (!meta) return fail(meta.error());
  auto spans = open_span_store(settings);
  if (!spans) return fail(spans.error());
  auto sealer = Sealer::open_or_create(settings.key_file());
  if (!sealer) return fail(sealer.error());
  auto boot = bootstrap_if_empty(**meta);
  if (!boot) return fail(boot.error());

  Metrics metrics;
  if (auto n = (*spans)->count_spans()) metrics.set_spans_stored(*n);
  ingest::SpanWriter writer(**spans, *sealer, metrics, settings.ingest_queue_spans, settings.commit_batch_spans);
  query::TraceService traces(**spans, *sealer);
  api::Authenticator auth(**meta);
  api::LoginThrottle throttle;
  api::Services services{settings, **spans, **meta, writer, traces, metrics, auth, throttle};
  http::Router router;
  api::add_routes(router, services);
  router.set_fallback(http::static_files(web_dir(settings), {"/api/", "/stacktrace/", "/flowops/", "/otlp/"}));

  http::Server server(router,
                      http::ServerOptions{settings.listen, settings.port, settings.limits.max_body_bytes,
                                          settings.io_threads},
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
  writer.stop();
  server.stop();
  spdlog::info("stopped; {} spans stored", metrics.spans_stored());
  return 0;
}

}  // namespace stacklens::app
