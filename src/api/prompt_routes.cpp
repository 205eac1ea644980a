#include <fmt/format.h>
#include <sodium.h>

#include <charconv>

#include "api/auth.h"
#include "api/json_views.h"
#include "api/request_helpers.h"
#include "api/routes.h"
#include "core/json.h"

namespace stacklens::api {
namespace bj = boost::json;
using boost::beast::http::verb;

namespace {

constexpr size_t kMaxPromptBytes = 1024 * 1024;

Status check_prompt_name(const std::string& name) {
  if (name.empty() || name.size() > 128)
    return make_error(ErrorCode::bad_request, "prompt name must be 1 to 128 characters");
  if (name == "by-name") return make_error(ErrorCode::bad_request, "prompt name 'by-name' is reserved");
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || (i > 0 && (c == '-' || c == '_' || c == '.'));
    if (!ok)
      return make_error(ErrorCode::bad_request,
                        "prompt name may hold letters, digits, '-', '_' and '.', and must start with a letter or digit");
  }
  return ok_status();
}

Result<std::string> env_of(const std::optional<std::string>& env) {
  std::string e = env.value_or("production");
  if (!is_environment(e))
    return make_error(ErrorCode::bad_request,
                      fmt::format("unknown environment '{}': use dev, staging or production", e.substr(0, 32)));
  return e;
}

Result<std::string> content_of(const bj::object& o) {
  SL_TRY(content, json::req_string(o, "content", "content"));
  if (content.empty()) return make_error(ErrorCode::bad_request, "content must not be empty");
  if (content.size() > kMaxPromptBytes)
    return make_error(ErrorCode::bad_request, fmt::format("content is {} bytes; the limit is {}", content.size(), kMaxPromptBytes));
  return content;
}

// The active version's entity tag: its content, version and environment hashed, so a client that
// holds them (the SDK's prompt cache) revalidates with If-None-Match and gets 304 without them.
std::string prompt_etag(const std::string& name, const std::string& env, const PromptVersion& v) {
  const std::string all = fmt::format("{}\n{}\n{}\n{}", name, env, v.version, v.content);
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
constexpr std::string_view kActiveVersionParams[] = {"env"};

// Prompt routes validate the {name} in their path before anything else.
template <typename F>
http::Handler prompt_route(Services& s, Scope scope, bool with_body, QueryParams query, F body) {
  return guarded(s, scope, with_body, query,
                 [body](const Principal& who, http::Context& ctx, const bj::object& o) -> Result<http::Reply> {
                   if (ctx.params.count("name"))
                     if (auto st = check_prompt_name(ctx.params["name"]); !st) return st.error();
                   return body(who, ctx, o);
                 });
}

template <typename F>
http::Handler prompt_route(Services& s, Scope scope, bool with_body, F body) {
  return prompt_route(s, scope, with_body, QueryParams{}, std::move(body));
}

}  // namespace

void add_prompt_routes(http::Router& router, Services& s) {
  const std::string base = "/flowops/v1/prompts";
  add_product_route(router, verb::get, base + "/by-name/{name}",
                    prompt_route(s, Scope::prompts_read, false, kActiveVersionParams,
                            [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                              SL_TRY(env, env_of(ctx.query_param("env")));
                              SL_TRY(v, s.meta.active_version(who.project_id, ctx.params["name"], env));
                              const std::string tag = prompt_etag(ctx.params["name"], env, v);
                              http::Reply reply;
                              if (matches(ctx.header("If-None-Match"), tag)) {
                                reply.status = 304;
                                reply.content_type.clear();
                              } else {
                                reply = http::json_reply(200, bj::object{{"name", ctx.params["name"]},
                                                                         {"content", v.content},
                                                                         {"version", v.version},
                                                                         {"env", env}});
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
                              const std::string& raw = ctx.params["version"];
                              int64_t n = 0;
                              auto [p, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), n);
                              if (ec != std::errc() || p != raw.data() + raw.size() || n < 1)
                                return make_error(ErrorCode::bad_request, "version must be a positive integer");
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
                              SL_TRY(st, s.meta.promote(who.project_id, ctx.params["name"], env, *version, who.actor));
                              return http::json_reply(200, bj::object{{"name", ctx.params["name"]},
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
