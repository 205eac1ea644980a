// The project's own model prices, which prices a model now, and recomputing stored costs.
#include <fmt/format.h>

#include <charconv>

#include "api/request_helpers.h"
#include "api/routes.h"

namespace stacklens::api {
namespace bj = boost::json;
using boost::beast::http::verb;

namespace {

constexpr size_t kMaxPrices = 1000;  // per project
constexpr std::string_view kLookupParams[] = {"model", "provider", "at"};
constexpr std::string_view kRecomputeListParams[] = {"limit"};

Error bad(std::string message) { return make_error(ErrorCode::bad_request, std::move(message)); }

// The API's names for the price fields, and the price file's (pricing::parse_definition).
constexpr std::pair<std::string_view, std::string_view> kFieldNames[] = {
    {"model", "model"},
    {"provider", "provider"},
    {"pattern", "pattern"},
    {"effectiveFrom", "effective_from"},
    {"prices", "prices"},
    {"tiers", "tiers"},
    {"aboveInputTokens", "above_input_tokens"},
    {"input", "input"},
    {"output", "output"},
    {"cacheRead", "cache_read"},
    {"cacheWrite", "cache_write"},
    {"reasoning", "reasoning"},
};

// An object's keys renamed from one side's names to the other's, nested objects and arrays
// included; a key the API does not know is refused (a misspelt price must not read as none).
Result<bj::value> renamed(const bj::value& v, bool to_file, const std::string& where) {
  if (v.is_array()) {
    bj::array out;
    for (size_t i = 0; i < v.get_array().size(); ++i) {
      SL_TRY(item, renamed(v.get_array()[i], to_file, fmt::format("{}[{}]", where, i)));
      out.push_back(std::move(item));
    }
    return bj::value(std::move(out));
  }
  if (!v.is_object()) return v;
  bj::object out;
  for (const auto& kv : v.get_object()) {
    const std::string_view key = kv.key();
    const auto* name = std::find_if(std::begin(kFieldNames), std::end(kFieldNames),
                                    [&](const auto& n) { return (to_file ? n.first : n.second) == key; });
    if (name == std::end(kFieldNames))
      return bad(fmt::format("{}: unknown field '{}'", where, key.substr(0, 64)));
    const std::string_view to = to_file ? name->second : name->first;
    SL_TRY(inner, renamed(kv.value(), to_file, fmt::format("{}.{}", where, to)));
    out[to] = std::move(inner);
  }
  return bj::value(std::move(out));
}

Result<ModelPrice> parse_price(const bj::object& body, const Principal& who) {
  SL_TRY(file_form, renamed(body, true, "price"));
  auto parsed = pricing::parse_definition(file_form, "price", false);
  if (!parsed) {
    // Named as the caller named them.
    std::string message = parsed.error().message;
    for (const auto& [api, file] : kFieldNames)
      for (size_t at; (at = message.find(file)) != std::string::npos && api != file;) message.replace(at, file.size(), api);
    return bad(std::move(message));
  }
  const pricing::PriceDefinition& d = *parsed;
  ModelPrice p;
  p.project_id = who.project_id;
  p.model = d.entry.model;
  p.provider = d.entry.provider;
  p.effective_from = d.entry.effective_from;
  p.definition = bj::serialize(pricing::definition_json(d));
  p.updated_by = who.actor;
  if (p.model.size() > 200) return bad("price.model is longer than 200 characters");
  if (d.pattern.size() > 500) return bad("price.pattern is longer than 500 characters");
  return p;
}

bj::object price_json(const ModelPrice& p) {
  bj::object o;
  o["id"] = p.id;
  if (auto def = json::parse(p.definition); def && def->is_object())
    if (auto api = renamed(*def, false, "price"); api && api->is_object()) o = std::move(api->get_object());
  o["id"] = p.id;
  o["updatedBy"] = p.updated_by;
  o["createdAt"] = format_iso8601(p.created_us);
  o["updatedAt"] = format_iso8601(p.updated_us);
  return o;
}

bj::object entry_json(const pricing::PriceEntry& e) {
  pricing::PriceDefinition d{e, ""};
  auto api = renamed(bj::value(pricing::definition_json(d)), false, "price");
  bj::object o = api && api->is_object() ? std::move(api->get_object()) : bj::object();
  o.erase("pattern");
  return o;
}

bj::object recompute_json(const CostRecompute& j) {
  bj::object o;
  o["id"] = j.id;
  o["from"] = format_iso8601(j.from_us);
  o["to"] = format_iso8601(j.to_us);
  o["state"] = kRecomputeStates[static_cast<size_t>(j.state)];
  o["spansTotal"] = j.spans_total;
  o["spansDone"] = j.spans_done;
  o["spansChanged"] = j.spans_changed;
  o["progress"] = j.state == RecomputeState::done ? 1.0
                  : j.spans_total > 0 ? std::min(1.0, static_cast<double>(j.spans_done) / static_cast<double>(j.spans_total))
                                      : 0.0;
  o["error"] = j.error.empty() ? bj::value(nullptr) : bj::value(j.error);
  o["startedBy"] = j.started_by;
  o["createdAt"] = format_iso8601(j.created_us);
  o["updatedAt"] = format_iso8601(j.updated_us);
  o["finishedAt"] = j.finished_us ? bj::value(format_iso8601(*j.finished_us)) : bj::value(nullptr);
  return o;
}

Result<int64_t> id_param(const http::Context& ctx, std::string_view name, std::string_view what) {
  const std::string& raw = ctx.params.at(std::string(name));
  int64_t id = 0;
  auto [p, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), id);
  if (ec != std::errc() || p != raw.data() + raw.size() || id <= 0)
    return make_error(ErrorCode::not_found, fmt::format("{} '{}' does not exist in this project", what, raw.substr(0, 64)));
  return id;
}

// The body's from and to (ISO-8601): the period whose traces are priced again.
Result<std::pair<Micros, Micros>> recompute_period(const bj::object& o) {
  for (const auto& kv : o)
    if (kv.key() != "from" && kv.key() != "to")
      return bad(fmt::format("unknown field '{}': a recompute takes from and to", std::string_view(kv.key()).substr(0, 64)));
  Micros at[2];
  const char* names[] = {"from", "to"};
  for (int i = 0; i < 2; ++i) {
    const bj::value* v = o.if_contains(names[i]);
    if (!v || !v->is_string()) return bad(fmt::format("{} is required: an ISO-8601 time", names[i]));
    auto t = parse_iso8601(v->get_string());
    if (!t) return bad(fmt::format("{} must be an ISO-8601 time, got '{}'", names[i], std::string_view(v->get_string()).substr(0, 64)));
    at[i] = *t;
  }
  if (at[0] >= at[1]) return bad("from must be before to");
  return std::pair(at[0], at[1]);
}

// A change made here is in force on this node before the answer; other nodes follow within a
// second (ProjectPrices polls the revision).
Status reload(Services& s) { return s.project_prices.reload(); }

}  // namespace

void add_price_routes(http::Router& router, Services& s) {
  add_product_route(router, verb::get, "/stacktrace/v1/prices",
                    guarded(s, Scope::traces_read, false,
                            [&s](const Principal& who, http::Context&, const bj::object&) -> Result<http::Reply> {
                              SL_TRY(prices, s.meta.list_model_prices(who.project_id));
                              bj::array out;
                              for (const auto& p : prices) out.push_back(price_json(p));
                              return http::json_reply(200, bj::object{{"prices", std::move(out)}});
                            }));
  add_product_route(router, verb::post, "/stacktrace/v1/prices",
                    guarded(s, Scope::prices_manage, true,
                            [&s](const Principal& who, http::Context&, const bj::object& o) -> Result<http::Reply> {
                              SL_TRY(price, parse_price(o, who));
                              SL_TRY(existing, s.meta.list_model_prices(who.project_id));
                              if (existing.size() >= kMaxPrices)
                                return bad(fmt::format("a project holds at most {} prices", kMaxPrices));
                              SL_TRY(created, s.meta.create_model_price(price));
                              if (auto st = reload(s); !st) return st.error();
                              return http::json_reply(201, price_json(created));
                            }));
  add_product_route(router, verb::put, "/stacktrace/v1/prices/{priceId}",
                    guarded(s, Scope::prices_manage, true,
                            [&s](const Principal& who, http::Context& ctx, const bj::object& o) -> Result<http::Reply> {
                              SL_TRY(id, id_param(ctx, "priceId", "price"));
                              SL_TRY(price, parse_price(o, who));
                              price.id = id;
                              SL_TRY(updated, s.meta.update_model_price(price));
                              if (auto st = reload(s); !st) return st.error();
                              return http::json_reply(200, price_json(updated));
                            }));
  add_product_route(router, verb::delete_, "/stacktrace/v1/prices/{priceId}",
                    guarded(s, Scope::prices_manage, false,
                            [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                              SL_TRY(id, id_param(ctx, "priceId", "price"));
                              if (auto st = s.meta.delete_model_price(who.project_id, id); !st) return st.error();
                              if (auto st = reload(s); !st) return st.error();
                              return http::json_reply(200, bj::object{{"id", id}, {"deleted", true}});
                            }));
  add_product_route(
      router, verb::get, "/stacktrace/v1/prices/lookup",
      guarded(s, Scope::traces_read, false, kLookupParams,
              [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                const auto model = ctx.query_param("model");
                if (!model || model->empty()) return bad("query parameter model is required");
                SL_TRY(at, time_param(ctx, "at"));
                const auto found =
                    s.prices.snapshot().find(who.project_id, *model, ctx.query_param("provider").value_or(""),
                                             at.value_or(now_micros()));
                return http::json_reply(
                    200, bj::object{{"model", *model},
                                    {"source", cost_source_name(found.source)},
                                    {"price", found.entry ? bj::value(entry_json(*found.entry)) : bj::value(nullptr)}});
              }));
  add_product_route(router, verb::post, "/stacktrace/v1/prices/recompute",
                    guarded(s, Scope::prices_manage, true,
                            [&s](const Principal& who, http::Context&, const bj::object& o) -> Result<http::Reply> {
                              SL_TRY(period, recompute_period(o));
                              SL_TRY(job, s.recomputes.start(who.project_id, period.first, period.second, who.actor));
                              return http::json_reply(202, recompute_json(job));
                            }));
  add_product_route(router, verb::get, "/stacktrace/v1/prices/recompute",
                    guarded(s, Scope::traces_read, false, kRecomputeListParams,
                            [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                              SL_TRY(limit, int_param(ctx, "limit", 1, 100));
                              SL_TRY(jobs, s.meta.list_cost_recomputes(who.project_id, static_cast<int>(limit.value_or(20))));
                              const Micros now = now_micros();
                              bj::array out;
                              for (const auto& j : jobs) out.push_back(recompute_json(ingest::as_seen(j, now)));
                              return http::json_reply(200, bj::object{{"recomputes", std::move(out)}});
                            }));
  add_product_route(router, verb::get, "/stacktrace/v1/prices/recompute/{recomputeId}",
                    guarded(s, Scope::traces_read, false,
                            [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                              SL_TRY(id, id_param(ctx, "recomputeId", "recompute"));
                              SL_TRY(job, s.meta.get_cost_recompute(who.project_id, id));
                              if (!job)
                                return make_error(ErrorCode::not_found,
                                                  fmt::format("recompute {} does not exist in this project", id));
                              return http::json_reply(200, recompute_json(ingest::as_seen(*job, now_micros())));
                            }));
}

}  // namespace stacklens::api
