// Monitors (model/monitor.h): a metric of the project over a window against a threshold,
// evaluated in the background (alerts/monitor_watch.h), with the history of their state changes.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "alerts/monitor_rules.h"
#include "alerts/monitor_watch.h"
#include "api/prompt_route.h"
#include "api/routes.h"

namespace stacklens::api {
using boost::beast::http::verb;

namespace {

constexpr size_t kMaxFilterText = 200;
constexpr size_t kMaxFilterTerms = 20;  // tags and attributes together, as the trace list
constexpr size_t kMaxChannels = 20;

bj::object filter_json(const MonitorFilter& f) {
  bj::object o;
  if (!f.operation.empty()) o["operation"] = f.operation;
  if (!f.model.empty()) o["model"] = f.model;
  if (!f.user_id.empty()) o["userId"] = f.user_id;
  if (!f.tags.empty()) {
    bj::array tags;
    for (const auto& t : f.tags) tags.emplace_back(t);
    o["tags"] = std::move(tags);
  }
  if (!f.attributes.empty()) {
    bj::object attributes;
    for (const auto& [k, v] : f.attributes) attributes[k] = v;
    o["attributes"] = std::move(attributes);
  }
  return o;
}

bj::object monitor_json(const Monitor& m) {
  bj::array channels;
  for (auto id : m.channel_ids) channels.emplace_back(id);
  return bj::object{{"id", m.id},
                    {"name", m.name},
                    {"metric", m.metric},
                    {"filter", filter_json(m.filter)},
                    {"windowSeconds", m.window_seconds},
                    {"comparison", m.comparison},
                    {"threshold", m.threshold},
                    {"channelIds", std::move(channels)},
                    {"paused", m.paused},
                    {"state", m.state},
                    {"lastValue", json::or_null(m.last_value)},
                    {"lastEvaluatedAt", m.last_evaluated_us ? bj::value(format_iso8601(m.last_evaluated_us))
                                                            : bj::value(nullptr)},
                    {"createdBy", m.created_by},
                    {"createdAt", format_iso8601(m.created_us)},
                    {"updatedAt", format_iso8601(m.updated_us)}};
}

Result<std::string> filter_text_field(const bj::value& v, std::string_view what) {
  if (!v.is_string() || v.get_string().empty() || v.get_string().size() > kMaxFilterText)
    return make_error(ErrorCode::bad_request, fmt::format("{} must be text of 1 to {} characters", what, kMaxFilterText));
  return std::string(v.get_string());
}

Result<MonitorFilter> filter_of(const bj::value& v) {
  MonitorFilter f;
  if (v.is_null()) return f;
  if (!v.is_object())
    return make_error(ErrorCode::bad_request,
                      "filter must be an object of operation, model, userId, tags (an array) and attributes (an object)");
  const auto& o = v.get_object();
  for (const auto& [key, _] : o)
    if (key != "operation" && key != "model" && key != "userId" && key != "tags" && key != "attributes")
      return make_error(ErrorCode::bad_request,
                        fmt::format("unknown filter field '{}': use operation, model, userId, tags or attributes",
                                    std::string_view(key).substr(0, 32)));
  if (auto it = o.find("operation"); it != o.end()) {
    SL_TRY(t, filter_text_field(it->value(), "filter.operation"));
    f.operation = t;
  }
  if (auto it = o.find("model"); it != o.end()) {
    SL_TRY(t, filter_text_field(it->value(), "filter.model"));
    f.model = t;
  }
  if (auto it = o.find("userId"); it != o.end()) {
    SL_TRY(t, filter_text_field(it->value(), "filter.userId"));
    f.user_id = t;
  }
  if (auto it = o.find("tags"); it != o.end()) {
    if (!it->value().is_array()) return make_error(ErrorCode::bad_request, "filter.tags must be an array of tags");
    for (const auto& t : it->value().get_array()) {
      SL_TRY(tag, filter_text_field(t, "each of filter.tags"));
      f.tags.push_back(tag);
    }
  }
  if (auto it = o.find("attributes"); it != o.end()) {
    if (!it->value().is_object())
      return make_error(ErrorCode::bad_request, "filter.attributes must be an object of attribute names to values");
    for (const auto& [key, val] : it->value().get_object()) {
      if (key.empty() || key.size() > kMaxFilterText)
        return make_error(ErrorCode::bad_request,
                          fmt::format("filter.attributes: a name must be 1 to {} characters", kMaxFilterText));
      SL_TRY(value, filter_text_field(val, "each value of filter.attributes"));
      f.attributes.emplace_back(std::string(key), value);
    }
  }
  if (f.tags.size() + f.attributes.size() > kMaxFilterTerms)
    return make_error(ErrorCode::bad_request, fmt::format("at most {} tags and attributes at once", kMaxFilterTerms));
  return f;
}

Result<std::vector<int64_t>> channels_of(Services& s, int64_t project_id, const bj::value& v) {
  std::vector<int64_t> ids;
  if (v.is_null()) return ids;
  if (!v.is_array() || v.get_array().size() > kMaxChannels)
    return make_error(ErrorCode::bad_request,
                      fmt::format("channelIds must be an array of at most {} notification channel ids", kMaxChannels));
  SL_TRY(channels, s.meta.list_channels(project_id));
  for (const auto& id : v.get_array()) {
    if (!id.is_int64() && !id.is_uint64())
      return make_error(ErrorCode::bad_request, "channelIds must hold notification channel ids (integers)");
    const int64_t n = id.is_int64() ? id.get_int64() : -1;
    if (std::none_of(channels.begin(), channels.end(), [&](const NotificationChannel& c) { return c.id == n; }))
      return make_error(ErrorCode::bad_request,
                        fmt::format("channelIds: no notification channel {} in this project", json::serialize(id)));
    if (std::find(ids.begin(), ids.end(), n) == ids.end()) ids.push_back(n);
  }
  return ids;
}

template <size_t N>
std::string one_of(const std::array<std::string_view, N>& names) {
  std::string out;
  for (size_t i = 0; i < N; ++i) out += fmt::format("{}{}", i == 0 ? "" : i + 1 == N ? " or " : ", ", names[i]);
  return out;
}

// The monitor a POST (`old` null: name, metric and threshold required) or PATCH (the fields given
// replace the stored ones) describes.
Result<Monitor> monitor_of(Services& s, const Principal& who, const bj::object& o, const Monitor* old) {
  if (auto st = only_fields(o, {"name", "metric", "filter", "windowSeconds", "comparison", "threshold", "channelIds",
                                "paused"});
      !st)
    return st.error();
  Monitor m = old ? *old : Monitor{};
  m.project_id = who.project_id;
  const auto given = [&](std::string_view key) -> const bj::value* {
    auto it = o.find(key);
    return it == o.end() ? nullptr : &it->value();
  };
  if (!old || given("name")) {
    SL_TRY(name, json::req_string(o, "name", "name"));
    if (auto st = check_name("monitor", name); !st) return st.error();
    m.name = name;
  }
  if (!old || given("metric")) {
    SL_TRY(metric, json::req_string(o, "metric", "metric"));
    if (std::find(kMonitorMetrics.begin(), kMonitorMetrics.end(), metric) == kMonitorMetrics.end())
      return make_error(ErrorCode::bad_request,
                        fmt::format("unknown metric '{}': use {}", metric.substr(0, 32), one_of(kMonitorMetrics)));
    m.metric = metric;
  }
  if (const auto* f = given("filter")) {
    SL_TRY(filter, filter_of(*f));
    m.filter = filter;
  }
  if (const auto* w = given("windowSeconds")) {
    if (!w->is_int64()) return make_error(ErrorCode::bad_request, "windowSeconds must be an integer");
    if (auto st = alerts::check_window(w->get_int64()); !st) return st.error();
    m.window_seconds = w->get_int64();
  }
  if (const auto* c = given("comparison")) {
    const std::string_view text = c->is_string() ? std::string_view(c->get_string()) : std::string_view();
    if (text == "above" || text == ">") m.comparison = "above";
    else if (text == "below" || text == "<") m.comparison = "below";
    else return make_error(ErrorCode::bad_request, "comparison must be above (or >) or below (or <)");
  }
  if (!old || given("threshold")) {
    const auto* t = given("threshold");
    if (!t || !t->is_number() || !std::isfinite(t->to_number<double>()) || t->to_number<double>() < 0)
      return make_error(ErrorCode::bad_request, "threshold is required: a number at or above 0");
    m.threshold = t->to_number<double>();
  }
  if (const auto* c = given("channelIds")) {
    SL_TRY(ids, channels_of(s, who.project_id, *c));
    m.channel_ids = std::move(ids);
  }
  if (const auto* p = given("paused")) {
    if (!p->is_bool()) return make_error(ErrorCode::bad_request, "paused must be true or false");
    m.paused = p->get_bool();
  }
  if (m.metric == "error_rate" && m.threshold > 1)
    return make_error(ErrorCode::bad_request, "an error_rate threshold is a fraction from 0 to 1");
  if (m.metric == "findings" && !m.filter.empty())
    return make_error(ErrorCode::bad_request, "a findings monitor counts every finding of the project: no filter");
  if (!old) m.created_by = who.actor;
  return m;
}

Result<Monitor> stored(Services& s, const Principal& who, http::Context& ctx) {
  SL_TRY(id, path_number(ctx, "id", "the monitor id"));
  SL_TRY(m, s.meta.get_monitor(who.project_id, id));
  if (!m) return make_error(ErrorCode::not_found, fmt::format("monitor {} does not exist in this project", id));
  return *m;
}

constexpr std::string_view kHistoryParams[] = {"limit"};

}  // namespace

void add_monitor_routes(http::Router& router, Services& s) {
  const std::string base = "/monitors";
  add_product_route(router, verb::get, base,
                    guarded(s, Scope::alerts_read, false,
                            [&s](const Principal& who, http::Context&, const bj::object&) -> Result<http::Reply> {
                              SL_TRY(all, s.meta.list_monitors(who.project_id));
                              bj::array out;
                              for (const auto& m : all) out.push_back(monitor_json(m));
                              return http::json_reply(200, bj::object{{"monitors", std::move(out)}});
                            }));
  add_product_route(router, verb::post, base,
                    guarded(s, Scope::alerts_manage, true,
                            [&s](const Principal& who, http::Context&, const bj::object& o) -> Result<http::Reply> {
                              SL_TRY(m, monitor_of(s, who, o, nullptr));
                              SL_TRY(created, s.meta.create_monitor(m));
                              return http::json_reply(201, monitor_json(created));
                            }));
  add_product_route(router, verb::get, base + "/{id}",
                    guarded(s, Scope::alerts_read, false,
                            [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                              SL_TRY(m, stored(s, who, ctx));
                              return http::json_reply(200, monitor_json(m));
                            }));
  add_product_route(router, verb::patch, base + "/{id}",
                    guarded(s, Scope::alerts_manage, true,
                            [&s](const Principal& who, http::Context& ctx, const bj::object& o) -> Result<http::Reply> {
                              SL_TRY(old, stored(s, who, ctx));
                              SL_TRY(m, monitor_of(s, who, o, &old));
                              SL_TRY(updated, s.meta.update_monitor(m));
                              return http::json_reply(200, monitor_json(updated));
                            }));
  add_product_route(router, verb::delete_, base + "/{id}",
                    guarded(s, Scope::alerts_manage, false,
                            [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                              SL_TRY(m, stored(s, who, ctx));
                              if (auto st = s.meta.delete_monitor(who.project_id, m.id); !st) return st.error();
                              return http::json_reply(200, bj::object{{"deleted", m.id}});
                            }));
  add_product_route(
      router, verb::get, base + "/{id}/history",
      guarded(s, Scope::alerts_read, false, kHistoryParams,
              [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                SL_TRY(m, stored(s, who, ctx));
                SL_TRY(limit, int_param(ctx, "limit", 1, 500));
                SL_TRY(all, s.meta.list_monitor_transitions(m.id, static_cast<int>(limit.value_or(100))));
                bj::array out;
                for (const auto& t : all)
                  out.push_back(bj::object{{"state", t.state},
                                           {"value", t.value},
                                           {"threshold", t.threshold},
                                           {"at", format_iso8601(t.created_us)}});
                return http::json_reply(200, bj::object{{"transitions", std::move(out)}});
              }));
  // Evaluates the monitor now, as the background pass would (a paused monitor is not evaluated).
  add_product_route(router, verb::post, base + "/{id}/evaluate",
                    guarded(s, Scope::alerts_manage, false,
                            [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                              SL_TRY(m, stored(s, who, ctx));
                              if (m.paused)
                                return make_error(ErrorCode::conflict,
                                                  fmt::format("monitor {} is paused: resume it to evaluate it", m.id));
                              if (!s.monitors) return make_error(ErrorCode::internal, "monitors are not evaluated here");
                              SL_TRY(e, s.monitors->evaluate(m));
                              return http::json_reply(200, bj::object{{"value", e.value},
                                                                      {"changed", e.changed},
                                                                      {"monitor", monitor_json(e.monitor)}});
                            }));
}

}  // namespace stacklens::api
