// Budgets (model/alert.h): spend limits a project sets on its whole spend, a tag or a user id,
// per UTC day or month, and the status an application asks before calling a model.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "alerts/budget_spend.h"
#include "api/prompt_route.h"
#include "api/routes.h"

namespace stacklens::api {
using boost::beast::http::verb;

namespace {

bj::value dollars_or_null(const std::optional<double>& v) { return v ? bj::value(*v) : bj::value(nullptr); }

bj::object budget_json(const alerts::BudgetStatus& st) {
  const Budget& b = st.budget;
  return bj::object{{"id", b.id},
                    {"name", b.name},
                    {"period", b.period},
                    {"scope", b.scope},
                    {"scopeValue", b.scope == "project" ? bj::value(nullptr) : bj::value(b.scope_value)},
                    {"softLimitUsd", dollars_or_null(b.soft_limit_usd)},
                    {"hardLimitUsd", b.hard_limit_usd},
                    {"spentUsd", st.spent_usd},
                    {"state", alerts::state_name(st.state)},
                    {"periodStart", format_iso8601(st.period_start_us)},
                    {"periodEnd", format_iso8601(st.period_end_us)},
                    {"createdBy", b.created_by},
                    {"createdAt", format_iso8601(b.created_us)},
                    {"updatedAt", format_iso8601(b.updated_us)}};
}

Result<bj::object> with_status(Services& s, const Budget& b) {
  SL_TRY(st, s.budgets->status(b, now_micros()));
  return budget_json(st);
}

Result<double> limit_of(const bj::value& v, std::string_view key) {
  if (!v.is_number() || !std::isfinite(v.to_number<double>()) || v.to_number<double>() <= 0)
    return make_error(ErrorCode::bad_request, fmt::format("{} must be a number of dollars above 0", key));
  return v.to_number<double>();
}

// The budget a POST or PUT describes (every field but the name; defaults: monthly, project).
Result<Budget> budget_of(const Principal& who, const bj::object& o, const std::string& name, const Budget* old) {
  if (auto st = only_fields(o, {"name", "period", "scope", "scopeValue", "softLimitUsd", "hardLimitUsd"}); !st)
    return st.error();
  if (name == "status") return make_error(ErrorCode::bad_request, "budget name 'status' is reserved");
  if (auto st = check_name("budget", name); !st) return st.error();
  Budget b = old ? *old : Budget{};
  b.project_id = who.project_id;
  b.name = name;
  SL_TRY(period, json::opt_string(o, "period", "period"));
  b.period = period.value_or("monthly");
  if (std::find(kBudgetPeriods.begin(), kBudgetPeriods.end(), b.period) == kBudgetPeriods.end())
    return make_error(ErrorCode::bad_request,
                      fmt::format("unknown period '{}': use daily or monthly (UTC)", b.period.substr(0, 32)));
  SL_TRY(scope, json::opt_string(o, "scope", "scope"));
  b.scope = scope.value_or("project");
  if (std::find(kBudgetScopes.begin(), kBudgetScopes.end(), b.scope) == kBudgetScopes.end())
    return make_error(ErrorCode::bad_request,
                      fmt::format("unknown scope '{}': use project, tag or user", b.scope.substr(0, 32)));
  auto value = o.find("scopeValue");
  const bool has_value = value != o.end() && !value->value().is_null();
  if (b.scope == "project") {
    if (has_value) return make_error(ErrorCode::bad_request, "scopeValue is only for a tag or user budget");
    b.scope_value.clear();
  } else {
    if (!has_value || !value->value().is_string() || value->value().get_string().empty() ||
        value->value().get_string().size() > 200)
      return make_error(ErrorCode::bad_request,
                        fmt::format("scopeValue is required for a {} budget: the {} (1 to 200 characters)", b.scope,
                                    b.scope == "tag" ? "tag" : "user id"));
    b.scope_value = std::string(value->value().get_string());
  }
  auto hard = o.find("hardLimitUsd");
  if (hard == o.end() || hard->value().is_null())
    return make_error(ErrorCode::bad_request, "hardLimitUsd is required: the spend at which the budget is over");
  SL_TRY(hard_limit, limit_of(hard->value(), "hardLimitUsd"));
  b.hard_limit_usd = hard_limit;
  b.soft_limit_usd.reset();
  if (auto soft = o.find("softLimitUsd"); soft != o.end() && !soft->value().is_null()) {
    SL_TRY(soft_limit, limit_of(soft->value(), "softLimitUsd"));
    if (soft_limit >= hard_limit)
      return make_error(ErrorCode::bad_request, "softLimitUsd must be below hardLimitUsd");
    b.soft_limit_usd = soft_limit;
  }
  if (!old) b.created_by = who.actor;
  return b;
}

Result<Budget> stored(Services& s, const Principal& who, const std::string& name) {
  SL_TRY(b, s.meta.get_budget(who.project_id, name));
  if (!b) return make_error(ErrorCode::not_found, fmt::format("budget '{}' does not exist in this project", name));
  return *b;
}

constexpr std::string_view kStatusParams[] = {"userId", "tag"};

}  // namespace

void add_budget_routes(http::Router& router, Services& s) {
  const std::string base = "/budgets";
  add_product_route(router, verb::get, base,
                    guarded(s, Scope::alerts_read, false,
                            [&s](const Principal& who, http::Context&, const bj::object&) -> Result<http::Reply> {
                              SL_TRY(all, s.meta.list_budgets(who.project_id));
                              bj::array out;
                              for (const auto& b : all) {
                                SL_TRY(one, with_status(s, b));
                                out.push_back(std::move(one));
                              }
                              return http::json_reply(200, bj::object{{"budgets", std::move(out)}});
                            }));
  // Before /budgets/{name}: the budgets that apply to a call of this user with these tags.
  add_product_route(
      router, verb::get, base + "/status",
      guarded(s, Scope::alerts_read, false, kStatusParams,
              [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                const auto user = ctx.query_param("userId");
                const auto tags = ctx.query_params("tag");
                if (user && (user->empty() || user->size() > 200))
                  return make_error(ErrorCode::bad_request, "userId must be 1 to 200 characters");
                for (const auto& t : tags)
                  if (t.empty() || t.size() > 200) return make_error(ErrorCode::bad_request, "tag must be 1 to 200 characters");
                SL_TRY(all, s.meta.list_budgets(who.project_id));
                bj::array out;
                bool over = false;
                for (const auto& b : all) {
                  const bool applies = b.scope == "project" || (b.scope == "user" && user && *user == b.scope_value) ||
                                       (b.scope == "tag" && std::find(tags.begin(), tags.end(), b.scope_value) != tags.end());
                  if (!applies) continue;
                  SL_TRY(st, s.budgets->status(b, now_micros()));
                  over = over || st.state == alerts::BudgetState::hard;
                  out.push_back(budget_json(st));
                }
                return http::json_reply(200, bj::object{{"overBudget", over}, {"budgets", std::move(out)}});
              }));
  add_product_route(router, verb::post, base,
                    guarded(s, Scope::alerts_manage, true,
                            [&s](const Principal& who, http::Context&, const bj::object& o) -> Result<http::Reply> {
                              SL_TRY(name, json::req_string(o, "name", "name"));
                              SL_TRY(b, budget_of(who, o, name, nullptr));
                              SL_TRY(created, s.meta.create_budget(b));
                              SL_TRY(out, with_status(s, created));
                              return http::json_reply(201, out);
                            }));
  add_product_route(router, verb::get, base + "/{name}",
                    guarded(s, Scope::alerts_read, false,
                            [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                              SL_TRY(b, stored(s, who, ctx.params["name"]));
                              SL_TRY(out, with_status(s, b));
                              return http::json_reply(200, out);
                            }));
  add_product_route(router, verb::put, base + "/{name}",
                    guarded(s, Scope::alerts_manage, true,
                            [&s](const Principal& who, http::Context& ctx, const bj::object& o) -> Result<http::Reply> {
                              SL_TRY(old, stored(s, who, ctx.params["name"]));
                              if (auto n = o.find("name"); n != o.end() && !(n->value().is_string() && n->value().get_string() == old.name))
                                return make_error(ErrorCode::bad_request, "name cannot change: create a new budget");
                              SL_TRY(b, budget_of(who, o, old.name, &old));
                              SL_TRY(updated, s.meta.update_budget(b));
                              SL_TRY(out, with_status(s, updated));
                              return http::json_reply(200, out);
                            }));
  add_product_route(router, verb::delete_, base + "/{name}",
                    guarded(s, Scope::alerts_manage, false,
                            [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                              if (auto st = s.meta.delete_budget(who.project_id, ctx.params["name"]); !st)
                                return st.error();
                              return http::json_reply(200, bj::object{{"deleted", ctx.params["name"]}});
                            }));
}

}  // namespace stacklens::api
