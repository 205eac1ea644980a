// FlowOps' experiments: one environment's fetches split between versions by weight
// (model/experiment_choice.h), their results per variant (query/experiment_results.h), and
// ending one, which promotes the chosen version.
#include <fmt/format.h>

#include <set>

#include "api/auth.h"
#include "api/json_views.h"
#include "api/prompt_route.h"
#include "api/routes.h"
#include "query/experiment_results.h"

namespace stacklens::api {
using boost::beast::http::verb;

namespace {

constexpr size_t kMaxVariants = 10;
constexpr int64_t kMaxWeight = 10000;

// In a protected environment an experiment serves versions nobody approved there, so starting
// and ending one needs the right to approve.
Status check_gate(Services& s, const Principal& who, const std::string& env, std::string_view what) {
  SL_TRY(gated, is_protected(s.meta, who.project_id, env));
  if (!gated) return ok_status();
  return require_scope(who, Scope::prompts_approve, fmt::format("{} in the protected environment {}", what, env));
}

Result<std::vector<ExperimentVariant>> variants_of(const bj::object& o) {
  auto it = o.find("variants");
  if (it == o.end() || !it->value().is_array())
    return make_error(ErrorCode::bad_request, "variants is required: a list of {\"version\", \"weight\"}");
  const bj::array& list = it->value().get_array();
  if (list.size() < 2 || list.size() > kMaxVariants)
    return make_error(ErrorCode::bad_request,
                      fmt::format("an experiment has 2 to {} variants; {} given", kMaxVariants, list.size()));
  std::vector<ExperimentVariant> out;
  std::set<int64_t> versions;
  for (size_t i = 0; i < list.size(); ++i) {
    if (!list[i].is_object())
      return make_error(ErrorCode::bad_request, fmt::format("variants[{}] must be an object", i));
    const bj::object& v = list[i].get_object();
    SL_TRY(version, json::opt_int(v, "version", fmt::format("variants[{}].version", i)));
    if (!version || *version < 1)
      return make_error(ErrorCode::bad_request, fmt::format("variants[{}].version is required: a positive integer", i));
    SL_TRY(weight, json::opt_int(v, "weight", fmt::format("variants[{}].weight", i)));
    if (!weight || *weight < 1 || *weight > kMaxWeight)
      return make_error(ErrorCode::bad_request,
                        fmt::format("variants[{}].weight is required: an integer from 1 to {}", i, kMaxWeight));
    if (!versions.insert(*version).second)
      return make_error(ErrorCode::bad_request, fmt::format("version {} is given twice: variants differ", *version));
    out.push_back(ExperimentVariant{std::string(1, static_cast<char>('a' + i)), *version, *weight, ""});
  }
  return out;
}

Result<Experiment> experiment_of(Services& s, const Principal& who, http::Context& ctx) {
  SL_TRY(id, path_number(ctx, "id", "experiment id"));
  SL_TRY(e, s.meta.get_experiment(who.project_id, ctx.params["name"], id));
  if (!e) return make_error(ErrorCode::not_found, fmt::format("prompt '{}' has no experiment {}", ctx.params["name"], id));
  return *e;
}

bj::object results_json(const Experiment& e, const query::ExperimentResults& r) {
  bj::array variants;
  for (const auto& v : r.variants) {
    bj::array scores;
    for (const auto& sc : v.scores)
      scores.push_back(bj::object{{"name", sc.name}, {"count", sc.count}, {"average", sc.average}});
    const double traces = static_cast<double>(v.traces);
    variants.push_back(bj::object{{"label", v.variant.label},
                                  {"version", v.variant.version},
                                  {"weight", v.variant.weight},
                                  {"traces", v.traces},
                                  {"errors", v.errors},
                                  {"errorRate", v.traces ? static_cast<double>(v.errors) / traces : 0.0},
                                  {"latencyP50Ms", v.latency_p50_ms},
                                  {"latencyP95Ms", v.latency_p95_ms},
                                  {"inputTokens", v.input_tokens},
                                  {"outputTokens", v.output_tokens},
                                  {"totalTokens", v.total_tokens},
                                  {"costUsd", v.cost_usd},
                                  {"avgCostUsd", v.traces ? v.cost_usd / traces : 0.0},
                                  {"scores", std::move(scores)}});
  }
  return bj::object{{"experiment", experiment_json(e)},
                    {"from", format_iso8601(r.from_us)},
                    {"to", format_iso8601(r.to_us)},
                    {"capped", r.capped},
                    {"variants", std::move(variants)}};
}

}  // namespace

void add_experiment_routes(http::Router& router, Services& s) {
  const std::string base = "/flowops/v1/prompts/{name}/experiments";
  add_product_route(router, verb::post, base,
                    prompt_route(s, Scope::prompts_write, true,
                                 [&s](const Principal& who, http::Context& ctx, const bj::object& o) -> Result<http::Reply> {
                                   SL_TRY(env_raw, json::req_string(o, "env", "env"));
                                   SL_TRY(env, env_of(env_raw));
                                   SL_TRY(name, json::opt_string(o, "name", "name"));
                                   if (name && name->size() > 200)
                                     return make_error(ErrorCode::bad_request, "name must be at most 200 characters");
                                   SL_TRY(variants, variants_of(o));
                                   if (auto st = check_gate(s, who, env, "starting an experiment"); !st)
                                     return st.error();
                                   Experiment e;
                                   e.prompt = ctx.params["name"];
                                   e.env = env;
                                   e.name = name.value_or("");
                                   e.variants = std::move(variants);
                                   e.started_by = who.actor;
                                   SL_TRY(created, s.meta.create_experiment(who.project_id, e));
                                   return http::json_reply(201, experiment_json(created));
                                 }));
  add_product_route(router, verb::get, base,
                    prompt_route(s, Scope::prompts_read, false,
                                 [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                                   SL_TRY(all, s.meta.list_experiments(who.project_id, ctx.params["name"]));
                                   bj::array out;
                                   for (const auto& e : all) out.push_back(experiment_json(e));
                                   return http::json_reply(200, bj::object{{"experiments", std::move(out)}});
                                 }));
  add_product_route(router, verb::get, base + "/{id}",
                    prompt_route(s, Scope::prompts_read, false,
                                 [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                                   SL_TRY(e, experiment_of(s, who, ctx));
                                   return http::json_reply(200, experiment_json(e));
                                 }));
  add_product_route(router, verb::get, base + "/{id}/results",
                    prompt_route(s, Scope::traces_read, false,
                                 [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                                   SL_TRY(e, experiment_of(s, who, ctx));
                                   SL_TRY(r, query::experiment_results(s.spans, s.scores, who.project_id, e,
                                                                       now_micros()));
                                   return http::json_reply(200, results_json(e, r));
                                 }));
  add_product_route(router, verb::post, base + "/{id}/end",
                    prompt_route(s, Scope::prompts_write, true,
                                 [&s](const Principal& who, http::Context& ctx, const bj::object& o) -> Result<http::Reply> {
                                   SL_TRY(version, json::opt_int(o, "version", "version"));
                                   if (!version || *version < 1)
                                     return make_error(ErrorCode::bad_request,
                                                       "version is required: the variant's version to promote");
                                   SL_TRY(e, experiment_of(s, who, ctx));
                                   if (auto st = check_gate(s, who, e.env, "ending an experiment"); !st)
                                     return st.error();
                                   SL_TRY(ended, s.meta.end_experiment(who.project_id, ctx.params["name"], e.id,
                                                                       *version, who.actor));
                                   return http::json_reply(200, experiment_json(ended));
                                 }));
}

}  // namespace stacklens::api
