// Model connections (model/connection.h): admins keep the project's provider keys here; the
// key is sealed at once and never answered again, only a hint of it.
#include <fmt/format.h>

#include <cmath>

#include "api/auth.h"
#include "api/prompt_route.h"
#include "api/routes.h"
#include "providers/https_post.h"

namespace stacklens::api {
using boost::beast::http::verb;

namespace {

std::string key_hint(const std::string& key) {
  if (key.size() < 12) return "…";
  return key.substr(0, 3) + "…" + key.substr(key.size() - 4);
}

bj::object connection_json(const ModelConnection& c, const ConnectionUsage& usage) {
  return bj::object{{"id", c.id},
                    {"name", c.name},
                    {"provider", c.provider},
                    {"baseUrl", c.base_url},
                    {"defaultModel", c.default_model},
                    {"monthlyBudgetUsd", c.monthly_budget_usd ? bj::value(*c.monthly_budget_usd) : bj::value(nullptr)},
                    {"maxConcurrency", c.max_concurrency},
                    {"timeoutMs", c.timeout_ms},
                    {"keyHint", c.key_hint},
                    {"createdBy", c.created_by},
                    {"createdAt", format_iso8601(c.created_us)},
                    {"updatedAt", format_iso8601(c.updated_us)},
                    {"spentThisMonthUsd", usage.cost_usd},
                    {"callsThisMonth", usage.calls}};
}

Result<bj::object> with_usage(Services& s, const ModelConnection& c) {
  SL_TRY(usage, s.meta.connection_usage(c.id, providers::usage_month(now_micros())));
  return connection_json(c, usage);
}

Result<int64_t> bounded_int(const bj::object& o, std::string_view key, int64_t dflt, int64_t lo, int64_t hi) {
  SL_TRY(v, json::opt_int(o, key, key));
  const int64_t n = v.value_or(dflt);
  if (n < lo || n > hi) return make_error(ErrorCode::bad_request, fmt::format("{} must be from {} to {}", key, lo, hi));
  return n;
}

// The connection a POST (create: name and key required) or PUT (the key may be left out to
// keep it) describes. `old`: the stored one a PUT changes.
Result<ModelConnection> connection_of(Services& s, const Principal& who, const bj::object& o, const std::string& name,
                                      const ModelConnection* old) {
  if (auto st = check_name("connection", name); !st) return st.error();
  ModelConnection c = old ? *old : ModelConnection{};
  c.project_id = who.project_id;
  c.name = name;
  SL_TRY(provider, json::req_string(o, "provider", "provider"));
  if (provider != "openai" && provider != "anthropic")
    return make_error(ErrorCode::bad_request,
                      fmt::format("unknown provider '{}': use openai (any OpenAI-compatible chat completions API) or "
                                  "anthropic",
                                  provider.substr(0, 32)));
  c.provider = provider;
  SL_TRY(base_url, json::opt_string(o, "baseUrl", "baseUrl"));
  c.base_url = base_url.value_or(provider == "openai" ? "https://api.openai.com/v1" : "https://api.anthropic.com");
  if (auto st = providers::check_url(c.base_url); !st) return make_error(ErrorCode::bad_request, "baseUrl: " + st.error().message);
  SL_TRY(model, json::req_string(o, "defaultModel", "defaultModel"));
  if (model.empty() || model.size() > 200)
    return make_error(ErrorCode::bad_request, "defaultModel must be 1 to 200 characters");
  c.default_model = model;
  auto budget = o.find("monthlyBudgetUsd");
  c.monthly_budget_usd.reset();
  if (budget != o.end() && !budget->value().is_null()) {
    if (!budget->value().is_number() || budget->value().to_number<double>() < 0 ||
        !std::isfinite(budget->value().to_number<double>()))
      return make_error(ErrorCode::bad_request, "monthlyBudgetUsd must be a number of dollars, 0 or more, or null");
    c.monthly_budget_usd = budget->value().to_number<double>();
  }
  SL_TRY(concurrency, bounded_int(o, "maxConcurrency", 4, 1, 64));
  c.max_concurrency = concurrency;
  SL_TRY(timeout, bounded_int(o, "timeoutMs", 60000, 1000, 600000));
  c.timeout_ms = timeout;
  SL_TRY(key, json::opt_string(o, "apiKey", "apiKey"));
  if (!key && !old) return make_error(ErrorCode::bad_request, "apiKey is required: the provider's API key");
  if (key) {
    if (key->empty() || key->size() > 4096) return make_error(ErrorCode::bad_request, "apiKey must be 1 to 4096 characters");
    c.sealed_key = s.models.seal_key(who.project_id, name, *key);
    c.key_hint = key_hint(*key);
  }
  if (!old) c.created_by = who.actor;
  return c;
}

Result<ModelConnection> stored(Services& s, const Principal& who, const std::string& name) {
  SL_TRY(c, s.meta.get_connection(who.project_id, name));
  if (!c) return make_error(ErrorCode::not_found, fmt::format("model connection '{}' does not exist in this project", name));
  return *c;
}

}  // namespace

void add_connection_routes(http::Router& router, Services& s) {
  const std::string base = "/evaluations/v1/connections";
  add_product_route(router, verb::get, base,
                    guarded(s, Scope::evaluations_read, false,
                            [&s](const Principal& who, http::Context&, const bj::object&) -> Result<http::Reply> {
                              SL_TRY(all, s.meta.list_connections(who.project_id));
                              bj::array out;
                              for (const auto& c : all) {
                                SL_TRY(one, with_usage(s, c));
                                out.push_back(std::move(one));
                              }
                              return http::json_reply(200, bj::object{{"connections", std::move(out)}});
                            }));
  add_product_route(router, verb::post, base,
                    guarded(s, Scope::connections_manage, true,
                            [&s](const Principal& who, http::Context&, const bj::object& o) -> Result<http::Reply> {
                              SL_TRY(name, json::req_string(o, "name", "name"));
                              SL_TRY(c, connection_of(s, who, o, name, nullptr));
                              SL_TRY(created, s.meta.create_connection(c));
                              SL_TRY(out, with_usage(s, created));
                              return http::json_reply(201, out);
                            }));
  add_product_route(router, verb::get, base + "/{name}",
                    guarded(s, Scope::evaluations_read, false,
                            [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                              SL_TRY(c, stored(s, who, ctx.params["name"]));
                              SL_TRY(out, with_usage(s, c));
                              return http::json_reply(200, out);
                            }));
  add_product_route(router, verb::put, base + "/{name}",
                    guarded(s, Scope::connections_manage, true,
                            [&s](const Principal& who, http::Context& ctx, const bj::object& o) -> Result<http::Reply> {
                              SL_TRY(old, stored(s, who, ctx.params["name"]));
                              SL_TRY(c, connection_of(s, who, o, old.name, &old));
                              SL_TRY(updated, s.meta.update_connection(c));
                              SL_TRY(out, with_usage(s, updated));
                              return http::json_reply(200, out);
                            }));
  add_product_route(router, verb::delete_, base + "/{name}",
                    guarded(s, Scope::connections_manage, false,
                            [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                              if (auto st = s.meta.delete_connection(who.project_id, ctx.params["name"]); !st)
                                return st.error();
                              return http::json_reply(200, bj::object{{"deleted", ctx.params["name"]}});
                            }));
  // One small call, to see that the connection works: its answer, or the provider's error.
  add_product_route(
      router, verb::post, base + "/{name}/test",
      guarded_async(s, Scope::evaluations_write, true,
                    [&s](const Principal& who, http::Context& ctx, const bj::object&, http::Respond respond) -> Status {
                      providers::ChatRequest req;
                      req.messages = {{"user", "Reply with the single word: ok"}};
                      req.max_tokens = 16;
                      req.operation = "connection.test";
                      s.models.chat_async(who.project_id, ctx.params["name"], std::move(req),
                                          [respond](Result<providers::ChatResult> r) {
                                            if (!r) return respond(http::error_reply(r.error()));
                                            respond(http::json_reply(
                                                200, bj::object{{"text", r->text},
                                                                {"model", r->model},
                                                                {"inputTokens", r->input_tokens},
                                                                {"outputTokens", r->output_tokens},
                                                                {"costUsd", r->cost_usd},
                                                                {"latencyMs", static_cast<double>(r->latency_us) / 1000.0},
                                                                {"traceId", r->trace_id}}));
                                          });
                      return ok_status();
                    }));
}

}  // namespace stacklens::api
