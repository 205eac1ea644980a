#include <fmt/format.h>
#include <sodium.h>

#include "api/auth.h"
#include "api/json_views.h"
#include "api/prompt_route.h"
#include "api/routes.h"
#include "core/json.h"
#include "model/experiment_choice.h"

namespace stacklens::api {
using boost::beast::http::verb;

namespace {

// The entity tag of what an environment serves: the active version (name, environment, version,
// content) and the running experiment's id and variants, hashed. A client that holds them (the
// SDK's prompt cache, which chooses variants itself) revalidates with If-None-Match and gets 304
// while nothing changed; the variant chosen for one fetch is not part of it.
std::string prompt_etag(const std::string& name, const std::string& env, const PromptVersion& v,
                        const std::optional<Experiment>& experiment) {
  std::string all = fmt::format("{}\n{}\n{}\n{}", name, env, v.version, v.content);
  if (experiment) {
    all += fmt::format("\nexperiment {}", experiment->id);
    for (const auto& variant : experiment->variants)
      all += fmt::format("\n{} {} {}\n{}", variant.label, variant.version, variant.weight, variant.content);
  }
  unsigned char digest[12];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(all.data()), all.size(), nullptr,
                     0);
  std::string tag = "\"";
  for (unsigned char b : digest) tag += fmt::format("{:02x}", b);
  return tag + "\"";
}

// Whether If-None-Match names the tag: a list of tags (weak ones compared by their value) or *.
bool matches(std::string_view if_none_match, std::string_view tag) {
  if (if_none_match.empty()) return false;
  size_t at = 0;
  while (at < if_none_match.size()) {
    size_t end = if_none_match.find(',', at);
    if (end == std::string_view::npos) end = if_none_match.size();
    std::string_view one = if_none_match.substr(at, end - at);
    while (!one.empty() && one.front() == ' ') one.remove_prefix(1);
    while (!one.empty() && one.back() == ' ') one.remove_suffix(1);
    if (one.substr(0, 2) == "W/") one.remove_prefix(2);
    if (one == "*" || one == tag) return true;
    at = end + 1;
  }
  return false;
}

// The query parameters of GET .../by-name/{name} (api/openapi.yaml lists the same).
constexpr std::string_view kActiveVersionParams[] = {"env", "user_id"};

}  // namespace

void add_prompt_routes(http::Router& router, Services& s) {
  const std::string base = "/flowops/v1/prompts";
  add_product_route(router, verb::get, base + "/by-name/{name}",
                    prompt_route(s, Scope::prompts_read, false, kActiveVersionParams,
                            [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                              SL_TRY(env, env_of(ctx.query_param("env")));
                              const std::string& name = ctx.params["name"];
                              // A running experiment serves its variants even where nothing was promoted yet.
                              auto active = s.meta.active_version(who.project_id, name, env);
                              if (!active && active.error().code != ErrorCode::not_found) return active.error();
                              SL_TRY(experiment, s.meta.running_experiment(who.project_id, name, env));
                              if (!active && !experiment) return active.error();
                              const PromptVersion v = active ? *active : PromptVersion{};
                              const std::string tag = prompt_etag(name, env, v, experiment);
                              http::Reply reply;
                              if (matches(ctx.header("If-None-Match"), tag)) {
                                reply.status = 304;
                                reply.content_type.clear();
                              } else {
                                bj::object out{{"name", name}, {"content", v.content}, {"version", v.version},
                                               {"env", env}, {"variant", nullptr}};
                                if (experiment) {
                                  const auto user = ctx.query_param("user_id");
                                  const ExperimentVariant& served = experiment->variants[choose_variant(
                                      *experiment, user ? std::optional<std::string_view>(*user) : std::nullopt)];
                                  out["content"] = served.content;
                                  out["version"] = served.version;
                                  out["variant"] = served.label;
                                  bj::array variants;
                                  for (const auto& variant : experiment->variants)
                                    variants.push_back(variant_json(variant, true));
                                  out["experiment"] = bj::object{{"id", experiment->id},
                                                                 {"variants", std::move(variants)}};
                                }
                                reply = http::json_reply(200, std::move(out));
                              }
                              reply.headers.emplace_back("ETag", tag);
                              reply.headers.emplace_back("Cache-Control", "no-cache");
                              return reply;
                            }));
  add_product_route(router, verb::get, base,
                    prompt_route(s, Scope::prompts_read, false,
                            [&s](const Principal& who, http::Context&, const bj::object&) -> Result<http::Reply> {
                              SL_TRY(prompts, s.meta.list_prompts(who.project_id));
                              bj::array out;
                              for (const auto& p : prompts) out.push_back(prompt_json(p));
                              return http::json_reply(200, bj::object{{"prompts", std::move(out)}});
                            }));
  add_product_route(router, verb::post, base,
                    prompt_route(s, Scope::prompts_write, true,
                            [&s](const Principal& who, http::Context&, const bj::object& o) -> Result<http::Reply> {
                              SL_TRY(name, json::req_string(o, "name", "name"));
                              if (auto st = check_prompt_name(name); !st) return st.error();
                              SL_TRY(content, content_of(o));
                              SL_TRY(description, json::opt_string(o, "description", "description"));
                              SL_TRY(p, s.meta.create_prompt(who.project_id, name, description.value_or(""), content,
                                                             who.actor));
                              return http::json_reply(201, prompt_json(p));
                            }));
  add_product_route(router, verb::get, base + "/{name}",
                    prompt_route(s, Scope::prompts_read, false,
                            [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                              const std::string& name = ctx.params["name"];
                              SL_TRY(p, s.meta.get_prompt(who.project_id, name));
                              if (!p)
                                return make_error(ErrorCode::not_found,
                                                  fmt::format("prompt '{}' does not exist in this project", name));
                              SL_TRY(history, s.meta.list_promotions(who.project_id, name));
                              bj::object out = prompt_json(*p);
                              bj::array promotions;
                              for (const auto& h : history) promotions.push_back(promotion_json(h));
                              out["promotions"] = std::move(promotions);
                              SL_TRY(requests, s.meta.list_promotion_requests(who.project_id, name, std::nullopt));
                              bj::array reqs;
                              for (const auto& r : requests) reqs.push_back(request_json(r));
                              out["requests"] = std::move(reqs);
                              return http::json_reply(200, out);
                            }));
  add_product_route(router, verb::get, base + "/{name}/versions",
                    prompt_route(s, Scope::prompts_read, false,
                            [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                              SL_TRY(versions, s.meta.list_versions(who.project_id, ctx.params["name"]));
                              bj::array out;
                              for (const auto& v : versions) out.push_back(version_json(v));
                              return http::json_reply(200, bj::object{{"name", ctx.params["name"]},
                                                                      {"versions", std::move(out)}});
                            }));
  add_product_route(router, verb::get, base + "/{name}/versions/{version}",
                    prompt_route(s, Scope::prompts_read, false,
                            [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                              SL_TRY(n, path_number(ctx, "version", "version"));
                              SL_TRY(v, s.meta.get_version(who.project_id, ctx.params["name"], n));
                              if (!v)
                                return make_error(ErrorCode::not_found, fmt::format("prompt '{}' has no version {}",
                                                                                    ctx.params["name"], n));
                              return http::json_reply(200, version_json(*v));
                            }));
  add_product_route(router, verb::post, base + "/{name}/versions",
                    prompt_route(s, Scope::prompts_write, true,
                            [&s](const Principal& who, http::Context& ctx, const bj::object& o) -> Result<http::Reply> {
                              SL_TRY(content, content_of(o));
                              SL_TRY(message, json::opt_string(o, "message", "message"));
                              SL_TRY(v, s.meta.add_version(who.project_id, ctx.params["name"], content,
                                                           message.value_or(""), who.actor));
                              return http::json_reply(201, version_json(v));
                            }));
  add_product_route(router, verb::post, base + "/{name}/promote",
                    prompt_route(s, Scope::prompts_write, true,
                            [&s](const Principal& who, http::Context& ctx, const bj::object& o) -> Result<http::Reply> {
                              SL_TRY(env_raw, json::req_string(o, "env", "env"));
                              SL_TRY(env, env_of(env_raw));
                              SL_TRY(version, json::opt_int(o, "version", "version"));
                              if (!version || *version < 1)
                                return make_error(ErrorCode::bad_request, "version is required: a positive integer");
                              SL_TRY(comment, json::opt_string(o, "comment", "comment"));
                              const std::string& name = ctx.params["name"];
                              SL_TRY(gated, is_protected(s.meta, who.project_id, env));
                              if (gated) {
                                SL_TRY(request, s.meta.create_promotion_request(who.project_id, name, env, *version,
                                                                                comment, who.actor));
                                return http::json_reply(202, bj::object{{"name", name},
                                                                        {"env", env},
                                                                        {"version", *version},
                                                                        {"request", request_json(request)}});
                              }
                              SL_TRY(st, s.meta.promote(who.project_id, name, env, *version, who.actor));
                              return http::json_reply(200, bj::object{{"name", name},
                                                                      {"env", st.env},
                                                                      {"version", st.version}});
                            }));
  add_product_route(router, verb::post, base + "/{name}/rollback",
                    prompt_route(s, Scope::prompts_write, true,
                            [&s](const Principal& who, http::Context& ctx, const bj::object& o) -> Result<http::Reply> {
                              SL_TRY(env_raw, json::req_string(o, "env", "env"));
                              SL_TRY(env, env_of(env_raw));
                              SL_TRY(st, s.meta.rollback(who.project_id, ctx.params["name"], env, who.actor));
                              return http::json_reply(200, bj::object{{"name", ctx.params["name"]},
                                                                      {"env", st.env},
                                                                      {"version", st.version}});
                            }));
}

}  // namespace stacklens::api
