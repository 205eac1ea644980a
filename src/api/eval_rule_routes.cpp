// Evaluation rules (model/evaluator.h): which live spans an evaluator judges, their pause and
// resume, and each rule's history of runs. Every change reloads this node's rules at once;
// other nodes follow within a second (evals/rule_runner.h).
#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "api/json_views.h"
#include "api/request_helpers.h"
#include "api/routes.h"

namespace stacklens::api {
namespace bj = boost::json;
using boost::beast::http::verb;

namespace {

constexpr size_t kMaxName = 128, kMaxValue = 512, kMaxTags = 50, kMaxAttributes = 50;
constexpr int64_t kMaxDelaySeconds = 86400;
constexpr std::string_view kRunParams[] = {"limit", "cursor"};

Error bad(std::string message) { return make_error(ErrorCode::bad_request, std::move(message)); }

std::string path(std::string_view tail) { return "/evaluations/v1" + std::string(tail); }

bool has_line_break(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

Result<std::optional<std::string>> filter_text(const bj::object& o, std::string_view key) {
  const std::string where = fmt::format("filter.{}", key);
  SL_TRY(v, json::opt_string(o, key, where));
  if (v && (v->empty() || v->size() > kMaxValue || has_line_break(*v)))
    return bad(fmt::format("{} must be 1 to {} characters without line breaks", where, kMaxValue));
  return v;
}

Result<RuleFilter> parse_filter(const bj::object& body) {
  RuleFilter f;
  const auto it = body.find("filter");
  if (it == body.end() || it->value().is_null()) return f;
  if (!it->value().is_object()) return bad("filter must be an object: name, model, tags, attributes");
  const bj::object& o = it->value().get_object();
  for (const auto& kv : o)
    if (kv.key() != "name" && kv.key() != "model" && kv.key() != "tags" && kv.key() != "attributes")
      return bad(fmt::format("filter: unknown field '{}'", std::string_view(kv.key()).substr(0, 64)));
  SL_TRY(name, filter_text(o, "name"));
  SL_TRY(model, filter_text(o, "model"));
  f.name = name;
  f.model = model;
  if (auto tags = o.find("tags"); tags != o.end() && !tags->value().is_null()) {
    if (!tags->value().is_array()) return bad("filter.tags must be an array of strings");
    for (const auto& t : tags->value().get_array()) {
      if (!t.is_string() || t.get_string().empty() || t.get_string().size() > kMaxValue || has_line_break(t.get_string()))
        return bad(fmt::format("filter.tags must hold strings of 1 to {} characters without line breaks", kMaxValue));
      f.tags.emplace_back(t.get_string());
    }
    if (f.tags.size() > kMaxTags) return bad(fmt::format("filter.tags: at most {}", kMaxTags));
  }
  if (auto attrs = o.find("attributes"); attrs != o.end() && !attrs->value().is_null()) {
    if (!attrs->value().is_object()) return bad("filter.attributes must be an object of strings");
    for (const auto& kv : attrs->value().get_object()) {
      const std::string_view key = kv.key();
      if (key.empty() || key.size() > kMaxValue || has_line_break(key) || key.find('=') != std::string_view::npos)
        return bad(fmt::format("filter.attributes: a key holds 1 to {} characters, no '=' and no line breaks", kMaxValue));
      if (!kv.value().is_string() || kv.value().get_string().size() > kMaxValue ||
          has_line_break(kv.value().get_string()))
        return bad(fmt::format("filter.attributes.{} must be a string of at most {} characters without line breaks",
                               key.substr(0, 64), kMaxValue));
      f.attributes.emplace_back(std::string(key), std::string(kv.value().get_string()));
    }
    if (f.attributes.size() > kMaxAttributes) return bad(fmt::format("filter.attributes: at most {}", kMaxAttributes));
  }
  return f;
}

Result<EvalRule> parse_rule(Services& s, const Principal& who, const bj::object& o) {
  for (const auto& kv : o) {
    static constexpr std::string_view known[] = {"name", "evaluator", "filter", "samplingRate", "delaySeconds", "paused"};
    if (std::find(std::begin(known), std::end(known), kv.key()) == std::end(known))
      return bad(fmt::format("unknown field '{}'", std::string_view(kv.key()).substr(0, 64)));
  }
  EvalRule r;
  r.project_id = who.project_id;
  r.created_by = who.actor;
  SL_TRY(name, json::opt_string(o, "name", "name"));
  if (!name || name->empty() || name->size() > kMaxName)
    return bad(fmt::format("name is required: 1 to {} characters", kMaxName));
  r.name = *name;
  SL_TRY(evaluator, json::opt_string(o, "evaluator", "evaluator"));
  if (!evaluator || evaluator->empty()) return bad("evaluator is required: the name of an evaluator");
  SL_TRY(found, s.meta.get_evaluator(who.project_id, *evaluator));
  if (!found) return bad(fmt::format("evaluator: evaluator '{}' does not exist in this project", *evaluator));
  r.evaluator = *evaluator;
  SL_TRY(filter, parse_filter(o));
  r.filter = std::move(filter);
  SL_TRY(rate, json::opt_number(o, "samplingRate", "samplingRate"));
  if (rate && !(*rate >= 0 && *rate <= 1)) return bad("samplingRate must be from 0 to 1");
  r.sampling_rate = rate.value_or(1);
  SL_TRY(delay, json::opt_int(o, "delaySeconds", "delaySeconds"));
  if (delay && (*delay < 0 || *delay > kMaxDelaySeconds))
    return bad(fmt::format("delaySeconds must be from 0 to {}", kMaxDelaySeconds));
  r.delay_seconds = delay.value_or(0);
  SL_TRY(paused, json::opt_bool(o, "paused", "paused"));
  r.paused = paused.value_or(false);
  return r;
}

Result<int64_t> rule_id(http::Context& ctx) {
  const std::string& raw = ctx.params["id"];
  int64_t id = 0;
  auto [p, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), id);
  if (ec != std::errc() || p != raw.data() + raw.size() || id <= 0)
    return make_error(ErrorCode::not_found, fmt::format("evaluation rule '{}' does not exist in this project",
                                                        raw.substr(0, 64)));
  return id;
}

Result<EvalRule> stored_rule(Services& s, int64_t project_id, int64_t id) {
  SL_TRY(rule, s.meta.get_eval_rule(project_id, id));
  if (!rule) return make_error(ErrorCode::not_found, fmt::format("evaluation rule {} does not exist in this project", id));
  return *rule;
}

Result<http::Reply> rule_reply(Services& s, const EvalRule& r, int status) {
  SL_TRY(totals, s.meta.eval_run_totals(r.id));
  return http::json_reply(status, eval_rule_json(r, totals));
}

// This node runs the change at once (the poll would take up to a second).
void reload(Services& s) { (void)s.eval_rules.reload(); }

Result<http::Reply> set_paused(Services& s, const Principal& who, http::Context& ctx, bool paused) {
  SL_TRY(id, rule_id(ctx));
  SL_TRY(rule, stored_rule(s, who.project_id, id));
  rule.paused = paused;
  SL_TRY(updated, s.meta.update_eval_rule(rule));
  reload(s);
  return rule_reply(s, updated, 200);
}

}  // namespace

void add_eval_rule_routes(http::Router& router, Services& s) {
  add_product_route(router, verb::get, path("/rules"),
                    guarded(s, Scope::evaluations_read, false,
                            [&s](const Principal& who, http::Context&, const bj::object&) -> Result<http::Reply> {
                              SL_TRY(rules, s.meta.list_eval_rules(who.project_id));
                              bj::array out;
                              for (const auto& r : rules) {
                                SL_TRY(totals, s.meta.eval_run_totals(r.id));
                                out.push_back(eval_rule_json(r, totals));
                              }
                              return http::json_reply(200, bj::object{{"rules", std::move(out)}});
                            }));
  add_product_route(router, verb::post, path("/rules"),
                    guarded(s, Scope::evaluations_write, true,
                            [&s](const Principal& who, http::Context&, const bj::object& o) -> Result<http::Reply> {
                              SL_TRY(rule, parse_rule(s, who, o));
                              SL_TRY(created, s.meta.create_eval_rule(rule));
                              reload(s);
                              return http::json_reply(201, eval_rule_json(created, EvalRunTotals{}));
                            }));
  add_product_route(router, verb::get, path("/rules/{id}"),
                    guarded(s, Scope::evaluations_read, false,
                            [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                              SL_TRY(id, rule_id(ctx));
                              SL_TRY(rule, stored_rule(s, who.project_id, id));
                              return rule_reply(s, rule, 200);
                            }));
  add_product_route(router, verb::put, path("/rules/{id}"),
                    guarded(s, Scope::evaluations_write, true,
                            [&s](const Principal& who, http::Context& ctx, const bj::object& o) -> Result<http::Reply> {
                              SL_TRY(id, rule_id(ctx));
                              SL_TRY(rule, parse_rule(s, who, o));
                              rule.id = id;
                              SL_TRY(updated, s.meta.update_eval_rule(rule));
                              reload(s);
                              return rule_reply(s, updated, 200);
                            }));
  add_product_route(router, verb::delete_, path("/rules/{id}"),
                    guarded(s, Scope::evaluations_write, false,
                            [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                              SL_TRY(id, rule_id(ctx));
                              if (auto st = s.meta.delete_eval_rule(who.project_id, id); !st) return st.error();
                              reload(s);
                              return http::json_reply(200, bj::object{{"id", id}, {"deleted", true}});
                            }));
  add_product_route(router, verb::post, path("/rules/{id}/pause"),
                    guarded(s, Scope::evaluations_write, false,
                            [&s](const Principal& who, http::Context& ctx, const bj::object&) {
                              return set_paused(s, who, ctx, true);
                            }));
  add_product_route(router, verb::post, path("/rules/{id}/resume"),
                    guarded(s, Scope::evaluations_write, false,
                            [&s](const Principal& who, http::Context& ctx, const bj::object&) {
                              return set_paused(s, who, ctx, false);
                            }));
  add_product_route(router, verb::get, path("/rules/{id}/runs"),
                    guarded(s, Scope::evaluations_read, false, kRunParams,
                            [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                              SL_TRY(id, rule_id(ctx));
                              SL_TRY(rule, stored_rule(s, who.project_id, id));
                              SL_TRY(limit, int_param(ctx, "limit", 1, 500));
                              std::optional<int64_t> before;
                              if (auto cursor = ctx.query_param("cursor"); cursor && !cursor->empty()) {
                                int64_t v = 0;
                                auto [p, ec] = std::from_chars(cursor->data(), cursor->data() + cursor->size(), v);
                                if (ec != std::errc() || p != cursor->data() + cursor->size() || v <= 0)
                                  return bad("query parameter cursor is not one this list gave");
                                before = v;
                              }
                              SL_TRY(page, s.meta.list_eval_runs(rule.id, static_cast<int>(limit.value_or(50)), before));
                              std::optional<std::string> next;
                              if (page.next_before) next = std::to_string(*page.next_before);
                              return http::json_reply(200, list_page_json("runs", page.runs, &eval_run_json, next));
                            }));
}

}  // namespace stacklens::api
