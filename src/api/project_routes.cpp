// Projects and their members, for the dashboard's settings pages.
#include <fmt/format.h>

#include "api/request_helpers.h"
#include "api/routes.h"
#include "crypto/secrets.h"

namespace stacklens::api {
namespace bj = boost::json;
using boost::beast::http::verb;

namespace {

constexpr int64_t kMaxRetentionDays = 36500;

bj::object retention_json(const Project& p) {
  return bj::object{{"retentionDays", p.retention_days ? bj::value(*p.retention_days) : bj::value(nullptr)}};
}

// {"retentionDays": days or null}: nothing else, and the key itself is required.
Result<std::optional<int>> parse_retention(const bj::object& o) {
  for (const auto& kv : o)
    if (kv.key() != "retentionDays")
      return make_error(ErrorCode::bad_request,
                        fmt::format("unknown field '{}': the body is {{\"retentionDays\": days or null}}",
                                    std::string_view(kv.key()).substr(0, 64)));
  const auto* v = o.if_contains("retentionDays");
  if (v == nullptr)
    return make_error(ErrorCode::bad_request, "retentionDays is required: a number of days, or null to keep spans");
  if (v->is_null()) return std::optional<int>{};
  SL_TRY(days, json::opt_int(o, "retentionDays", "retentionDays"));
  if (!days || *days < 1 || *days > kMaxRetentionDays)
    return make_error(ErrorCode::bad_request,
                      fmt::format("retentionDays must be a whole number of days from 1 to {}, or null", kMaxRetentionDays));
  return std::optional<int>(static_cast<int>(*days));
}

Status check_project_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return make_error(ErrorCode::bad_request, "project name must be 1 to 64 characters");
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.')
      return make_error(ErrorCode::bad_request, "project name may hold letters, digits, '-', '_' and '.'");
  return ok_status();
}

}  // namespace

void add_project_routes(http::Router& router, Services& s) {
  router.add(verb::get, "/api/v1/projects",
             guarded(s, Scope::traces_read, false,
                     [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                       bj::array out;
                       if (who.actor.rfind("user:", 0) == 0) {
                         SL_TRY(sc, s.auth.session(ctx, false));
                         for (const auto& m : sc.memberships)
                           out.push_back(bj::object{{"name", m.project_name},
                                                    {"role", role_name(m.role)},
                                                    {"createdAt", format_iso8601(m.project_created_us)}});
                       } else {
                         SL_TRY(project, project_by_id(s.meta, who.project_id));
                         out.push_back(bj::object{{"name", project.name}, {"role", nullptr}});
                       }
                       return http::json_reply(200, bj::object{{"projects", std::move(out)}});
                     }));
  router.add(verb::post, "/api/v1/projects",
             guarded(s, Scope::members_manage, true,
                     [&s](const Principal& who, http::Context&, const bj::object& o) -> Result<http::Reply> {
                       SL_TRY(name, json::req_string(o, "name", "name"));
                       if (auto st = check_project_name(name); !st) return st.error();
                       SL_TRY(project, s.meta.create_project(name));
                       // A signed-in creator becomes its admin; a key creates no membership.
                       bj::value role = nullptr;
                       if (who.actor.rfind("user:", 0) == 0) {
                         SL_TRY(user, s.meta.find_user(who.actor.substr(5)));
                         if (user) {
                           if (auto st = s.meta.set_role(user->user.id, project.id, Role::admin); !st) return st.error();
                           role = "admin";
                         }
                       }
                       return http::json_reply(201, bj::object{{"name", project.name},
                                                               {"role", std::move(role)},
                                                               {"createdAt", format_iso8601(project.created_us)}});
                     }));
  router.add(verb::get, "/api/v1/retention",
             guarded(s, Scope::traces_read, false,
                     [&s](const Principal& who, http::Context&, const bj::object&) -> Result<http::Reply> {
                       SL_TRY(project, project_by_id(s.meta, who.project_id));
                       return http::json_reply(200, retention_json(project));
                     }));
  router.add(verb::put, "/api/v1/retention",
             guarded(s, Scope::members_manage, true,
                     [&s](const Principal& who, http::Context&, const bj::object& o) -> Result<http::Reply> {
                       SL_TRY(days, parse_retention(o));
                       if (auto st = s.meta.set_retention(who.project_id, days); !st) return st.error();
                       SL_TRY(project, project_by_id(s.meta, who.project_id));
                       return http::json_reply(200, retention_json(project));
                     }));
  router.add(verb::get, "/api/v1/members",
             guarded(s, Scope::members_manage, false,
                     [&s](const Principal& who, http::Context&, const bj::object&) -> Result<http::Reply> {
                       SL_TRY(members, s.meta.members_of(who.project_id));
                       bj::array out;
                       for (const auto& m : members) out.push_back(bj::object{{"email", m.email}, {"role", role_name(m.role)}});
                       return http::json_reply(200, bj::object{{"members", std::move(out)}});
                     }));
  router.add(verb::post, "/api/v1/members",
             guarded(s, Scope::members_manage, true,
                     [&s](const Principal& who, http::Context&, const bj::object& o) -> Result<http::Reply> {
                       SL_TRY(email, json::req_string(o, "email", "email"));
                       if (email.find('@') == std::string::npos || email.size() > 254)
                         return make_error(ErrorCode::bad_request, fmt::format("'{}' is not an email address", email.substr(0, 64)));
                       SL_TRY(role_text, json::req_string(o, "role", "role"));
                       auto role = parse_role(role_text);
                       if (!role) return make_error(ErrorCode::bad_request, "role must be admin, member or viewer");
                       SL_TRY(password, json::opt_string(o, "password", "password"));
                       if (password && password->size() < 8)
                         return make_error(ErrorCode::bad_request, "password must be at least 8 characters");
                       SL_TRY(existing, s.meta.find_user(email));
                       bj::object out{{"email", email}, {"role", role_text}};
                       int64_t user_id = 0;
                       if (existing) {
                         user_id = existing->user.id;
                       } else {
                         const std::string pw = password.value_or(secrets::generate_password());
                         auto hash = secrets::hash_password(pw);
                         if (!hash) return make_error(ErrorCode::internal, "password hashing failed");
                         SL_TRY(user, s.meta.create_user(email, *hash));
                         user_id = user.id;
                         if (!password) out["password"] = pw;
                       }
                       if (auto st = s.meta.set_role(user_id, who.project_id, *role); !st) return st.error();
                       return http::json_reply(201, out);
                     }));
  router.add(verb::delete_, "/api/v1/members/{email}",
             guarded(s, Scope::members_manage, false,
                     [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                       if (auto st = s.meta.remove_member(ctx.params["email"], who.project_id); !st) return st.error();
                       return http::json_reply(200, bj::object{{"email", ctx.params["email"]}, {"removed", true}});
                     }));
}

}  // namespace stacklens::api
