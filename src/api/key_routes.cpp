#include <fmt/format.h>

#include "api/json_views.h"
#include "api/request_helpers.h"
#include "api/routes.h"
#include "crypto/secrets.h"

namespace stacklens::api {
namespace bj = boost::json;
using boost::beast::http::verb;

void add_key_routes(http::Router& router, Services& s) {
  router.add(verb::get, "/api/v1/keys",
             guarded(s, Scope::keys_manage, false,
                     [&s](const Principal& who, http::Context&, const bj::object&) -> Result<http::Reply> {
                       SL_TRY(keys, s.meta.list_keys(who.project_id));
                       bj::array out;
                       for (const auto& k : keys) out.push_back(key_json(k));
                       return http::json_reply(200, bj::object{{"keys", std::move(out)}});
                     }));
  router.add(verb::post, "/api/v1/keys",
             guarded(s, Scope::keys_manage, true,
                     [&s](const Principal& who, http::Context&, const bj::object& o) -> Result<http::Reply> {
                       SL_TRY(name, json::opt_string(o, "name", "name"));
                       if (name && name->size() > 128)
                         return make_error(ErrorCode::bad_request, "name is longer than 128 characters");
                       auto it = o.find("scopes");
                       if (it == o.end() || !it->value().is_array() || it->value().get_array().empty())
                         return make_error(ErrorCode::bad_request,
                                           "scopes is required: a non-empty array such as [\"traces:write\"]");
                       std::string csv;
                       for (const auto& v : it->value().get_array()) {
                         if (!v.is_string()) return make_error(ErrorCode::bad_request, "scopes must hold strings");
                         csv += std::string(v.get_string()) + ",";
                       }
                       std::string bad;
                       auto scopes = parse_scopes(csv, &bad);
                       if (!scopes) return make_error(ErrorCode::bad_request, fmt::format("unknown scope '{}'", bad));
                       auto key = secrets::generate_api_key();
                       SL_TRY(info, s.meta.create_key(who.project_id, name.value_or(""), key.prefix, key.hash, *scopes));
                       bj::object out = key_json(info);
                       out["key"] = key.secret;
                       return http::json_reply(201, out);
                     }));
  router.add(verb::delete_, "/api/v1/keys/{id}",
             guarded(s, Scope::keys_manage, false,
                     [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                       SL_TRY(info, s.meta.revoke_key(ctx.params["id"], who.project_id));
                       return http::json_reply(200, key_json(info));
                     }));
}

}  // namespace stacklens::api
