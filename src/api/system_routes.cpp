#include <fmt/format.h>

#include "api/routes.h"

namespace stacklens::api {
namespace verb = boost::beast::http;

namespace {

Status check_ready(Services& s) {
  const auto health = s.writer.health();
  if (!health.ok) return make_error(ErrorCode::unavailable, "not ready: " + health.problem);
  if (auto st = s.spans.check_ready(); !st) return make_error(ErrorCode::unavailable, "not ready: " + st.error().message);
  if (auto st = s.meta.check_ready(); !st) return make_error(ErrorCode::unavailable, "not ready: " + st.error().message);
  return ok_status();
}
}  // namespace

void add_system_routes(http::Router& router, Services& s) {
  router.add(verb::verb::get, "/health", [](http::Context&, http::Respond respond) {
    respond(http::json_reply(200, boost::json::object{{"status", "ok"}}));
  });
  router.add(verb::verb::get, "/ready", [&s](http::Context&, http::Respond respond) {
    auto st = check_ready(s);
    if (!st) return respond(http::error_reply(st.error()));
    respond(http::json_reply(200, boost::json::object{{"status", "ready"}}));
  });
  router.add(verb::verb::get, "/api/v1/server", [&s](http::Context& ctx, http::Respond respond) {
    // The endpoint SDKs should use: the configured public URL, else the host the browser used.
    std::string endpoint = s.settings.public_url;
    if (endpoint.empty()) {
      const std::string_view host = ctx.header("Host");
      endpoint = host.empty() ? s.settings.url() : fmt::format("http://{}", host);
    }
    respond(http::json_reply(200, boost::json::object{{"version", kServerVersion}, {"endpoint", endpoint}}));
  });
  router.add(verb::verb::get, "/metrics", [&s](http::Context&, http::Respond respond) {
    respond(http::Reply{200, s.metrics.render(), "text/plain; version=0.0.4", {}});
  });
}

}  // namespace stacklens::api
