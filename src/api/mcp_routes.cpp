// The Model Context Protocol at /mcp (Streamable HTTP, api/openapi.yaml, docs/mcp.md). An API key
// gets in whatever its scopes; each tool needs its own scope and is a call of the API's own route
// with the caller's key, so a tool reads its input, checks it and answers as that route does.
#include <fmt/format.h>

#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <boost/url/url_view.hpp>

#include "api/request_helpers.h"
#include "api/routes.h"
#include "core/json.h"
#include "mcp/server.h"

namespace stacklens::api {
namespace bj = boost::json;
namespace bh = boost::beast::http;
using bh::verb;

namespace {

std::string encoded(std::string_view s) { return boost::urls::encode(s, boost::urls::unreserved_chars); }

// The API's routes, called with the key of the MCP request.
class RouteCaller {
 public:
  RouteCaller(const http::Router& router, const http::Context& outer) : router_(router), outer_(outer) {}

  Result<bj::object> get(const std::string& target) const { return call(verb::get, target, nullptr); }
  Result<bj::object> post(const std::string& target, const bj::object& body) const {
    return call(verb::post, target, &body);
  }

 private:
  Result<bj::object> call(verb method, const std::string& target, const bj::object* body) const {
    http::Request req{method, target, 11};
    for (const char* name : {"X-Api-Key", "Authorization"})
      if (auto v = outer_.header(name); !v.empty()) req.set(name, v);
    if (body) {
      req.set(bh::field::content_type, "application/json");
      req.body() = json::serialize(*body);
    }
    req.prepare_payload();
    // The routes the tools call all answer before dispatch returns; one that answered later
    // would find `reply` still alive, and the tool would have said so.
    auto reply = std::make_shared<std::optional<http::Reply>>();
    std::string label;
    router_.dispatch(req, [reply](http::Reply r) { *reply = std::move(r); }, label);
    if (!*reply) return make_error(ErrorCode::internal, fmt::format("{} answered after returning", label));
    const http::Reply& r = **reply;
    auto parsed = json::parse(r.body);
    if (r.status >= 200 && r.status < 300) {
      if (!parsed || !parsed->is_object())
        return make_error(ErrorCode::internal, fmt::format("{} answered something other than a JSON object", label));
      return std::move(parsed->get_object());
    }
    const bj::value* message = parsed && parsed->is_object() ? parsed->get_object().if_contains("error") : nullptr;
    return make_error(r.status >= 500 ? ErrorCode::internal : ErrorCode::bad_request,
                      message && message->is_string() ? std::string(message->get_string())
                                                       : fmt::format("the API answered {}", r.status));
  }

  const http::Router& router_;
  const http::Context& outer_;
};

// Arguments named as the route's query parameters, as its query string (arrays repeat the name).
std::string query_of(const bj::object& args) {
  std::string out;
  const auto add = [&out](std::string_view key, const bj::value& v) {
    out += out.empty() ? '?' : '&';
    out += encoded(key);
    out += '=';
    out += encoded(v.is_string() ? std::string(v.get_string()) : json::serialize(v));
  };
  for (const auto& kv : args) {
    if (kv.value().is_array())
      for (const auto& item : kv.value().get_array()) add(kv.key(), item);
    else
      add(kv.key(), kv.value());
  }
  return out;
}

using Run = Result<bj::object> (*)(const RouteCaller&, const bj::object&);

struct ToolDef {
  Scope scope;
  bool read_only;
  const char* name;
  const char* title;
  const char* description;
  const char* input_schema;  // JSON Schema
  Run run;
};

constexpr std::string_view kPrompts = "/flowops/v1/prompts/";

Result<bj::object> search_traces(const RouteCaller& api, const bj::object& args) {
  return api.get("/stacktrace/v1/traces" + query_of(args));
}

Result<bj::object> get_trace(const RouteCaller& api, const bj::object& args) {
  return api.get("/stacktrace/v1/traces/" + encoded(args.at("trace_id").get_string()));
}

Result<bj::object> get_metrics(const RouteCaller& api, const bj::object& args) {
  return api.get("/stacktrace/v1/metrics" + query_of(args));
}

Result<bj::object> list_prompts(const RouteCaller& api, const bj::object&) { return api.get("/flowops/v1/prompts"); }

Result<bj::object> get_prompt(const RouteCaller& api, const bj::object& args) {
  const std::string name = fmt::format("{}{}", kPrompts, encoded(args.at("name").get_string()));
  const auto* version = args.if_contains("version");
  const auto* environment = args.if_contains("environment");
  if (version && environment)
    return make_error(ErrorCode::bad_request, "give version or environment, not both");
  if (version) return api.get(fmt::format("{}/versions/{}", name, json::serialize(*version)));
  if (environment)
    return api.get(fmt::format("{}by-name/{}?env={}", kPrompts, encoded(args.at("name").get_string()),
                               encoded(environment->get_string())));
  SL_TRY(prompt, api.get(name));
  SL_TRY(versions, api.get(name + "/versions"));
  prompt["versions"] = std::move(versions["versions"]);
  return prompt;
}

Result<bj::object> create_prompt_version(const RouteCaller& api, const bj::object& args) {
  bj::object body{{"content", args.at("content")}};
  if (const auto* message = args.if_contains("message")) body["message"] = *message;
  return api.post(fmt::format("{}{}/versions", kPrompts, encoded(args.at("name").get_string())), body);
}

Result<bj::object> add_score(const RouteCaller& api, const bj::object& args) {
  // The tool's snake_case names, as the scores API spells them.
  static constexpr std::pair<std::string_view, std::string_view> kFields[] = {
      {"trace_id", "traceId"}, {"span_id", "spanId"}, {"name", "name"}, {"value", "value"},
      {"comment", "comment"},  {"data_type", "dataType"}, {"id", "id"}};
  bj::object body;
  for (const auto& [arg, field] : kFields)
    if (const auto* v = args.if_contains(arg)) body[field] = *v;
  return api.post("/stacktrace/v1/scores", body);
}

constexpr const char* kTime = R"js("type": "string", "description": "ISO-8601 (2026-01-31T12:00:00Z) or nanoseconds since the epoch")js";

const ToolDef kTools[] = {
    {Scope::traces_read, true, "search_traces", "Search traces",
     "Lists the project's traces, newest first, filtered as the Traces page filters them; each with its name, "
     "times, status, tokens, cost, tags and scores. Page on with `cursor` (the answer's nextCursor). Needs the "
     "traces:read scope.",
     R"js({"type": "object", "additionalProperties": false, "properties": {
       "from": {TIME}, "to": {TIME},
       "name": {"type": "string", "description": "the root operation's name"},
       "model": {"type": "string"}, "provider": {"type": "string"},
       "status": {"type": "string", "enum": ["ok", "error"]},
       "tag": {"type": "array", "items": {"type": "string"}, "description": "tags every trace must carry"},
       "attr": {"type": "array", "items": {"type": "string"}, "description": "attribute filters, each key=value"},
       "min_latency_ms": {"type": "number"}, "min_cost_usd": {"type": "number"},
       "unpriced": {"type": "boolean", "description": "true: only traces with spans of unknown price"},
       "session_id": {"type": "string"}, "user_id": {"type": "string"},
       "score": {"type": "array", "items": {"type": "string"},
                 "description": "score conditions <name><op><value>, op one of > >= < <= = != (accuracy>0.8)"},
       "sort": {"type": "string", "description": "score:<name> (highest first) or score:<name>:asc"},
       "limit": {"type": "integer", "description": "traces per page, 1 to 500 (50)"},
       "cursor": {"type": "string"}}})js",
     &search_traces},
    {Scope::traces_read, true, "get_trace", "Get a trace",
     "One trace with all its spans (prompt and completion text, tokens, cost, attributes, events) and its "
     "scores. Needs the traces:read scope.",
     R"js({"type": "object", "additionalProperties": false, "required": ["trace_id"],
       "properties": {"trace_id": {"type": "string", "minLength": 1}}})js",
     &get_trace},
    {Scope::traces_read, true, "get_metrics", "Get metrics",
     "Requests, errors, tokens, cost and latency percentiles per time bucket over a period (default: the last "
     "24 hours), overall or per model, provider or operation name. Needs the traces:read scope.",
     R"js({"type": "object", "additionalProperties": false, "properties": {
       "from": {TIME}, "to": {TIME},
       "interval": {"type": "integer", "description": "bucket width in seconds, whole minutes (about 60 buckets)"},
       "group_by": {"type": "string", "enum": ["none", "model", "provider", "name"]},
       "kind": {"type": "string", "enum": ["llm"], "description": "llm: LLM calls only"}}})js",
     &get_metrics},
    {Scope::prompts_read, true, "list_prompts", "List prompts",
     "The project's prompts with their latest version and what each environment serves. Needs the "
     "prompts:read scope.",
     R"js({"type": "object", "additionalProperties": false, "properties": {}})js", &list_prompts},
    {Scope::prompts_read, true, "get_prompt", "Get a prompt",
     "A prompt with all its versions and promotion history; or, with `version`, that version; or, with "
     "`environment` (dev, staging, production), the version that environment serves. Needs the prompts:read "
     "scope.",
     R"js({"type": "object", "additionalProperties": false, "required": ["name"], "properties": {
       "name": {"type": "string", "minLength": 1},
       "version": {"type": "integer", "minimum": 1},
       "environment": {"type": "string", "description": "dev, staging or production"}}})js",
     &get_prompt},
    {Scope::prompts_write, false, "create_prompt_version", "Create a prompt version",
     "Adds a version to a prompt (it serves nowhere until promoted). Needs the prompts:write scope.",
     R"js({"type": "object", "additionalProperties": false, "required": ["name", "content"], "properties": {
       "name": {"type": "string", "minLength": 1},
       "content": {"type": "string", "minLength": 1, "description": "the prompt's text"},
       "message": {"type": "string", "description": "what changed"}}})js",
     &create_prompt_version},
    {Scope::scores_write, false, "add_score", "Add a score",
     "Scores a trace or one of its spans: a number, a category (a string) or a boolean, checked against the "
     "score's configuration if it has one. Giving the same id again replaces that score. Needs the "
     "scores:write scope.",
     R"js({"type": "object", "additionalProperties": false, "required": ["trace_id", "name", "value"], "properties": {
       "trace_id": {"type": "string", "minLength": 1}, "span_id": {"type": "string", "minLength": 1},
       "name": {"type": "string", "minLength": 1},
       "value": {"type": ["number", "string", "boolean"]},
       "comment": {"type": "string"},
       "data_type": {"type": "string", "enum": ["numeric", "categorical", "boolean"]},
       "id": {"type": "string", "minLength": 1, "description": "the score's own id (default: a new one)"}}})js",
     &add_score},
};

std::vector<mcp::Tool> tools() {
  std::vector<mcp::Tool> out;
  for (const auto& t : kTools) {
    std::string schema = t.input_schema;
    for (size_t at; (at = schema.find("{TIME}")) != std::string::npos;) schema.replace(at, 6, fmt::format("{{{}}}", kTime));
    auto parsed = json::parse(schema);
    if (!parsed) throw std::logic_error(fmt::format("the input schema of {} is not JSON: {}", t.name, parsed.error().message));
    out.push_back(mcp::Tool{t.name, t.title, t.description, std::move(parsed->get_object()), t.read_only});
  }
  return out;
}

const ToolDef& def_of(const mcp::Tool& tool) {
  for (const auto& t : kTools)
    if (tool.name == t.name) return t;
  throw std::logic_error("a tool without its definition");
}

// A page on another site must not reach a server on this machine through its visitor's browser
// (DNS rebinding): a browser's request names its page in Origin, which must be this server or a
// page served by this machine itself (a browser-based MCP client such as the MCP Inspector).
Status check_origin(const http::Context& ctx) {
  const std::string_view origin = ctx.header("Origin");
  if (origin.empty()) return ok_status();
  boost::urls::url_view url;
  if (auto parsed = boost::urls::parse_absolute_uri(origin)) url = *parsed;
  const std::string_view host = url.encoded_host();
  if (url.encoded_host_and_port() == ctx.header("Host") || host == "localhost" || host == "127.0.0.1" ||
      host == "[::1]")
    return ok_status();
  return make_error(ErrorCode::forbidden, fmt::format("Origin {} is not this server", origin.substr(0, 128)));
}

Result<Principal> admit_mcp(Services& s, const http::Context& ctx) {
  SL_TRY(who, s.auth.api_key(ctx));
  if (auto st = check_origin(ctx); !st) return st.error();
  return who;
}

}  // namespace

void add_mcp_routes(http::Router& router, Services& s) {
  auto server = std::make_shared<mcp::Server>("stacklens", std::string(kServerVersion), tools());
  router.add(verb::post, "/mcp", [&s, &router, server](http::Context& ctx, http::Respond respond) {
    auto who = admit_mcp(s, ctx);
    if (!who) return respond(http::error_reply(who.error()));
    if (!ctx.header("Content-Type").starts_with("application/json"))
      return respond(http::error_reply(
          make_error(ErrorCode::unsupported_media, "send JSON-RPC messages as Content-Type: application/json")));
    const RouteCaller api(router, ctx);
    const auto run = [&](const mcp::Tool& tool, const bj::object& args) -> Result<bj::object> {
      const ToolDef& def = def_of(tool);
      if (!has_scope(who->scopes, def.scope))
        return make_error(ErrorCode::forbidden,
                          fmt::format("API key {} lacks the {} scope this tool needs (it has: {})",
                                      who->actor.substr(4), scope_name(def.scope), format_scopes(who->scopes)));
      return def.run(api, args);
    };
    const mcp::Answer answer =
        server->post({ctx.req.body(), ctx.header("Mcp-Session-Id"), ctx.header("MCP-Protocol-Version")}, run);
    http::Reply reply;
    reply.status = answer.refused ? http::status_for(*answer.refused) : answer.body.empty() ? 202 : 200;
    reply.body = answer.body;
    if (answer.body.empty()) reply.content_type.clear();
    if (!answer.session_id.empty()) reply.headers.emplace_back("Mcp-Session-Id", answer.session_id);
    respond(std::move(reply));
  });
  router.add(verb::get, "/mcp", [&s](http::Context& ctx, http::Respond respond) {
    auto who = admit_mcp(s, ctx);
    if (!who) return respond(http::error_reply(who.error()));
    auto reply = http::error_reply(make_error(
        ErrorCode::method_not_allowed, "this server opens no event stream: POST JSON-RPC messages to /mcp"));
    reply.headers.emplace_back("Allow", "POST, DELETE");
    respond(std::move(reply));
  });
  router.add(verb::delete_, "/mcp", [&s, server](http::Context& ctx, http::Respond respond) {
    auto who = admit_mcp(s, ctx);
    if (!who) return respond(http::error_reply(who.error()));
    const std::string_view id = ctx.header("Mcp-Session-Id");
    if (id.empty())
      return respond(http::error_reply(make_error(ErrorCode::bad_request, "Mcp-Session-Id header missing: which session to end")));
    if (auto st = server->end_session(id); !st) return respond(http::error_reply(st.error()));
    respond(http::json_reply(200, bj::object{{"ended", true}}));
  });
}

}  // namespace stacklens::api
