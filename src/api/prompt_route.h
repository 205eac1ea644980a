#pragma once
// What every FlowOps route shares: the prompt name and environment checks, and the handler
// wrapper that validates a {name} in the path first.
#include <fmt/format.h>

#include <charconv>
#include <string>

#include "api/request_helpers.h"
#include "model/prompt.h"

namespace stacklens::api {
namespace bj = boost::json;

inline constexpr size_t kMaxPromptBytes = 1024 * 1024;

inline Status check_prompt_name(const std::string& name) {
  if (name == "by-name") return make_error(ErrorCode::bad_request, "prompt name 'by-name' is reserved");
  return check_name("prompt", name);
}

inline Result<std::string> env_of(const std::optional<std::string>& env) {
  std::string e = env.value_or("production");
  if (!is_environment(e))
    return make_error(ErrorCode::bad_request,
                      fmt::format("unknown environment '{}': use dev, staging or production", e.substr(0, 32)));
  return e;
}

inline Result<std::string> content_of(const bj::object& o) {
  SL_TRY(content, json::req_string(o, "content", "content"));
  if (content.empty()) return make_error(ErrorCode::bad_request, "content must not be empty");
  if (content.size() > kMaxPromptBytes)
    return make_error(ErrorCode::bad_request, fmt::format("content is {} bytes; the limit is {}", content.size(), kMaxPromptBytes));
  return content;
}

// A positive integer in the path ({version}, {id}); bad_request names `what` otherwise.
inline Result<int64_t> path_number(http::Context& ctx, const std::string& param, std::string_view what) {
  const std::string& raw = ctx.params[param];
  int64_t n = 0;
  auto [p, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), n);
  if (ec != std::errc() || p != raw.data() + raw.size() || n < 1)
    return make_error(ErrorCode::bad_request, fmt::format("{} must be a positive integer", what));
  return n;
}

// A second scope a route needs beyond the one it is guarded by, for the reason given.
inline Status require_scope(const Principal& who, Scope scope, std::string_view why) {
  if (has_scope(who.scopes, scope)) return ok_status();
  return make_error(ErrorCode::forbidden, fmt::format("{} needs the {} scope", why, scope_name(scope)));
}

// Whether the project protects the environment (its promotions then wait for approval).
inline Result<bool> is_protected(MetaStore& meta, int64_t project_id, const std::string& env) {
  SL_TRY(all, meta.list_environment_protection(project_id));
  for (const auto& e : all)
    if (e.env == env) return e.is_protected;
  return false;
}

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

}  // namespace stacklens::api
