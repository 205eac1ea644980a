// FlowOps' approval gates: which environments a project protects, and the promotion requests
// made into them (a promotion into a protected environment makes one: prompt_routes.cpp).
#include <fmt/format.h>

#include "api/auth.h"
#include "api/json_views.h"
#include "api/prompt_route.h"
#include "api/routes.h"

namespace stacklens::api {
using boost::beast::http::verb;

namespace {

constexpr std::string_view kStatusParam[] = {"status"};

Result<std::optional<std::string>> status_of(const http::Context& ctx) {
  auto status = ctx.query_param("status");
  if (!status) return std::optional<std::string>();
  for (auto known : kRequestStatuses)
    if (*status == known) return status;
  return make_error(ErrorCode::bad_request, fmt::format("unknown status '{}': use pending, approved, rejected or "
                                                        "cancelled",
                                                        status->substr(0, 32)));
}

Result<http::Reply> requests_reply(Services& s, const Principal& who, const http::Context& ctx,
                                   const std::optional<std::string>& name) {
  SL_TRY(status, status_of(ctx));
  SL_TRY(requests, s.meta.list_promotion_requests(who.project_id, name, status));
  bj::array out;
  for (const auto& r : requests) out.push_back(request_json(r));
  return http::json_reply(200, bj::object{{"requests", std::move(out)}});
}

// Approving or rejecting: the caller may approve (guarded by prompts:approve) and is not the
// requester. Cancelling: only the requester. A reject says why.
http::Handler decide(Services& s, Decision decision) {
  const Scope scope = decision == Decision::cancel ? Scope::prompts_write : Scope::prompts_approve;
  return prompt_route(
      s, scope, true, [&s, decision](const Principal& who, http::Context& ctx, const bj::object& o) -> Result<http::Reply> {
        const std::string& name = ctx.params["name"];
        SL_TRY(id, path_number(ctx, "id", "request id"));
        SL_TRY(comment, json::opt_string(o, "comment", "comment"));
        if (comment && comment->size() > 4000)
          return make_error(ErrorCode::bad_request, "comment must be at most 4000 bytes");
        if (decision == Decision::reject && (!comment || comment->empty()))
          return make_error(ErrorCode::bad_request, "comment is required to reject a request: say why");
        SL_TRY(request, s.meta.get_promotion_request(who.project_id, name, id));
        if (!request)
          return make_error(ErrorCode::not_found, fmt::format("prompt '{}' has no promotion request {}", name, id));
        const bool own = request->requested_by == who.actor;
        if (decision == Decision::cancel && !own)
          return make_error(ErrorCode::forbidden,
                            fmt::format("only {} who made request {} can cancel it", request->requested_by, id));
        if (decision != Decision::cancel && own)
          return make_error(ErrorCode::forbidden,
                            fmt::format("{} cannot {} their own request: another member with prompts:approve must",
                                        who.actor, decision == Decision::approve ? "approve" : "reject"));
        SL_TRY(decided, s.meta.decide_promotion_request(who.project_id, name, id, decision, comment, who.actor));
        return http::json_reply(200, request_json(decided));
      });
}

}  // namespace

void add_approval_routes(http::Router& router, Services& s) {
  add_product_route(router, verb::get, "/flowops/v1/environments",
                    guarded(s, Scope::prompts_read, false,
                            [&s](const Principal& who, http::Context&, const bj::object&) -> Result<http::Reply> {
                              SL_TRY(all, s.meta.list_environment_protection(who.project_id));
                              bj::array out;
                              for (const auto& e : all) out.push_back(protection_json(e));
                              return http::json_reply(200, bj::object{{"environments", std::move(out)}});
                            }));
  add_product_route(router, verb::put, "/flowops/v1/environments/{env}",
                    guarded(s, Scope::members_manage, true,
                            [&s](const Principal& who, http::Context& ctx, const bj::object& o) -> Result<http::Reply> {
                              SL_TRY(env, env_of(ctx.params["env"]));
                              auto flag = o.find("protected");
                              if (flag == o.end() || !flag->value().is_bool())
                                return make_error(ErrorCode::bad_request, "protected is required: true or false");
                              SL_TRY(e, s.meta.set_environment_protection(who.project_id, env,
                                                                          flag->value().get_bool(), who.actor));
                              return http::json_reply(200, protection_json(e));
                            }));
  add_product_route(router, verb::get, "/flowops/v1/promotion-requests",
                    guarded(s, Scope::prompts_read, false, kStatusParam,
                            [&s](const Principal& who, http::Context& ctx, const bj::object&) {
                              return requests_reply(s, who, ctx, std::nullopt);
                            }));
  const std::string base = "/flowops/v1/prompts/{name}/requests";
  add_product_route(router, verb::get, base,
                    prompt_route(s, Scope::prompts_read, false, kStatusParam,
                                 [&s](const Principal& who, http::Context& ctx, const bj::object&) {
                                   return requests_reply(s, who, ctx, ctx.params["name"]);
                                 }));
  add_product_route(router, verb::post, base + "/{id}/approve", decide(s, Decision::approve));
  add_product_route(router, verb::post, base + "/{id}/reject", decide(s, Decision::reject));
  add_product_route(router, verb::post, base + "/{id}/cancel", decide(s, Decision::cancel));
}

}  // namespace stacklens::api
