// Notification channels (model/alert.h): where a project hears that a budget was crossed. A
// webhook channel's signing secret is answered once, at creation or rotation, and sealed at rest;
// a channel's URL is answered only as its origin (a Slack webhook's path is its credential).
#include <fmt/format.h>

#include <algorithm>

#include "alerts/notifier.h"
#include "alerts/webhook_signature.h"
#include "api/prompt_route.h"
#include "api/routes.h"
#include "providers/https_post.h"

namespace stacklens::api {
using boost::beast::http::verb;

namespace {

std::string url_hint(const std::string& url) {
  const auto scheme = url.find("://");
  const auto path = scheme == std::string::npos ? std::string::npos : url.find('/', scheme + 3);
  return path == std::string::npos ? url : url.substr(0, path) + "/…";
}

bj::object channel_json(const NotificationChannel& c) {
  return bj::object{{"id", c.id},
                    {"name", c.name},
                    {"kind", c.kind},
                    {"urlHint", url_hint(c.url)},
                    {"createdBy", c.created_by},
                    {"createdAt", format_iso8601(c.created_us)}};
}

bj::object delivery_json(const NotificationDelivery& d) {
  return bj::object{{"id", d.id},
                    {"event", d.event},
                    {"status", d.status},
                    {"attempt", d.attempt},
                    {"statusCode", d.status_code ? bj::value(*d.status_code) : bj::value(nullptr)},
                    {"error", d.error ? bj::value(*d.error) : bj::value(nullptr)},
                    {"createdAt", format_iso8601(d.created_us)}};
}

Result<NotificationChannel> stored(Services& s, const Principal& who, const std::string& name) {
  SL_TRY(c, s.meta.get_channel(who.project_id, name));
  if (!c)
    return make_error(ErrorCode::not_found, fmt::format("notification channel '{}' does not exist in this project", name));
  return *c;
}

Result<std::string> checked_url(const bj::object& o) {
  SL_TRY(url, json::req_string(o, "url", "url"));
  if (url.size() > 2048) return make_error(ErrorCode::bad_request, "url must be at most 2048 characters");
  if (auto st = providers::check_url(url); !st) return make_error(ErrorCode::bad_request, "url: " + st.error().message);
  return url;
}

constexpr std::string_view kDeliveryParams[] = {"limit"};

}  // namespace

void add_notification_routes(http::Router& router, Services& s) {
  const std::string base = "/notifications/channels";
  add_product_route(router, verb::get, base,
                    guarded(s, Scope::alerts_read, false,
                            [&s](const Principal& who, http::Context&, const bj::object&) -> Result<http::Reply> {
                              SL_TRY(all, s.meta.list_channels(who.project_id));
                              bj::array out;
                              for (const auto& c : all) out.push_back(channel_json(c));
                              return http::json_reply(200, bj::object{{"channels", std::move(out)}});
                            }));
  add_product_route(
      router, verb::post, base,
      guarded(s, Scope::alerts_manage, true,
              [&s](const Principal& who, http::Context&, const bj::object& o) -> Result<http::Reply> {
                if (auto st = only_fields(o, {"name", "kind", "url"}); !st) return st.error();
                NotificationChannel c;
                c.project_id = who.project_id;
                SL_TRY(name, json::req_string(o, "name", "name"));
                if (auto st = check_name("notification channel", name); !st) return st.error();
                c.name = name;
                SL_TRY(kind, json::opt_string(o, "kind", "kind"));
                c.kind = kind.value_or("webhook");
                if (std::find(kChannelKinds.begin(), kChannelKinds.end(), c.kind) == kChannelKinds.end())
                  return make_error(ErrorCode::bad_request,
                                    fmt::format("unknown kind '{}': use webhook or slack", c.kind.substr(0, 32)));
                SL_TRY(url, checked_url(o));
                c.url = url;
                const std::string secret = alerts::new_channel_secret();
                c.sealed_secret = s.notifier->seal_secret(who.project_id, name, secret);
                c.created_by = who.actor;
                SL_TRY(created, s.meta.create_channel(c));
                bj::object out = channel_json(created);
                // Shown once: receivers verify X-StackLens-Signature with it (Slack does not).
                out["secret"] = c.kind == "webhook" ? bj::value(secret) : bj::value(nullptr);
                return http::json_reply(201, out);
              }));
  add_product_route(router, verb::get, base + "/{name}",
                    guarded(s, Scope::alerts_read, false,
                            [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                              SL_TRY(c, stored(s, who, ctx.params["name"]));
                              return http::json_reply(200, channel_json(c));
                            }));
  // Changes a channel's name, URL or both, or gives a webhook a new signing secret (answered this
  // once); its kind stays. What is queued for it goes to the channel as changed.
  add_product_route(
      router, verb::patch, base + "/{name}",
      guarded(s, Scope::alerts_manage, true,
              [&s](const Principal& who, http::Context& ctx, const bj::object& o) -> Result<http::Reply> {
                if (o.contains("kind"))
                  return make_error(ErrorCode::bad_request,
                                    "a channel's kind cannot change: add a channel of the other kind instead");
                if (auto st = only_fields(o, {"name", "url", "rotateSecret"}); !st) return st.error();
                if (o.empty()) return make_error(ErrorCode::bad_request, "give name, url or rotateSecret to change");
                SL_TRY(before, stored(s, who, ctx.params["name"]));
                NotificationChannel c = before;
                SL_TRY(name, json::opt_string(o, "name", "name"));
                if (name) {
                  if (auto st = check_name("notification channel", *name); !st) return st.error();
                  c.name = *name;
                }
                if (o.contains("url")) {
                  SL_TRY(url, checked_url(o));
                  c.url = url;
                }
                SL_TRY(rotate, json::opt_bool(o, "rotateSecret", "rotateSecret"));
                if (rotate.value_or(false) && c.kind != "webhook")
                  return make_error(ErrorCode::bad_request,
                                    fmt::format("a {} channel has no signing secret to rotate", c.kind));
                // The secret is sealed to the channel's name: a new name seals it again.
                std::optional<std::string> secret;
                if (rotate.value_or(false)) {
                  secret = alerts::new_channel_secret();
                } else if (c.name != before.name) {
                  SL_TRY(kept, s.notifier->open_secret(before));
                  secret = kept;
                }
                if (secret) c.sealed_secret = s.notifier->seal_secret(who.project_id, c.name, *secret);
                SL_TRY(updated, s.meta.update_channel(before.name, c));
                bj::object out = channel_json(updated);
                out["secret"] = rotate.value_or(false) ? bj::value(*secret) : bj::value(nullptr);
                return http::json_reply(200, out);
              }));
  add_product_route(router, verb::delete_, base + "/{name}",
                    guarded(s, Scope::alerts_manage, false,
                            [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                              SL_TRY(c, stored(s, who, ctx.params["name"]));
                              // A monitor names its channels by id: one left naming a deleted channel
                              // would reach none, or a later channel given the same id.
                              SL_TRY(monitors, s.meta.list_monitors(who.project_id));
                              for (const auto& m : monitors)
                                if (std::find(m.channel_ids.begin(), m.channel_ids.end(), c.id) != m.channel_ids.end())
                                  return make_error(ErrorCode::conflict,
                                                    fmt::format("channel '{}' is notified by monitor '{}': take it out "
                                                                "of the monitor's channelIds first",
                                                                c.name, m.name));
                              if (auto st = s.meta.delete_channel(who.project_id, c.name); !st) return st.error();
                              return http::json_reply(200, bj::object{{"deleted", ctx.params["name"]}});
                            }));
  // Queues a test notification; its attempts show in the channel's deliveries.
  add_product_route(router, verb::post, base + "/{name}/test",
                    guarded(s, Scope::alerts_manage, false,
                            [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                              SL_TRY(c, stored(s, who, ctx.params["name"]));
                              alerts::Notification n;
                              n.event = "test";
                              n.text = fmt::format("StackLens test notification for channel '{}'", c.name);
                              n.data = bj::object{{"channel", c.name}};
                              if (auto st = s.notifier->send(c, n); !st) return st.error();
                              return http::json_reply(202, bj::object{{"queued", true}});
                            }));
  add_product_route(
      router, verb::get, base + "/{name}/deliveries",
      guarded(s, Scope::alerts_read, false, kDeliveryParams,
              [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                SL_TRY(c, stored(s, who, ctx.params["name"]));
                SL_TRY(limit, int_param(ctx, "limit", 1, 500));
                SL_TRY(all, s.meta.list_deliveries(c.id, static_cast<int>(limit.value_or(100))));
                bj::array out;
                for (const auto& d : all) out.push_back(delivery_json(d));
                return http::json_reply(200, bj::object{{"deliveries", std::move(out)}});
              }));
}

}  // namespace stacklens::api
