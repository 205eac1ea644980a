#include "mcp/server.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/json.h"
#include "crypto/secrets.h"
#include "mcp/input_schema.h"
#include "mcp/jsonrpc.h"

namespace stacklens::mcp {
namespace bj = boost::json;
namespace rpc = jsonrpc;

namespace {

bool supported(std::string_view version) {
  return std::find(std::begin(kProtocolVersions), std::end(kProtocolVersions), version) != std::end(kProtocolVersions);
}
std::string_view newest() { return std::end(kProtocolVersions)[-1]; }

// Batches were part of the protocol from JSON-RPC's start until 2025-06-18 removed them.
bool takes_batches(std::string_view version) { return version < "2025-06-18"; }
// structuredContent came with 2025-06-18.
bool takes_structured_content(std::string_view version) { return version >= "2025-06-18"; }

Answer refuse(ErrorCode code, const bj::value& id, int rpc_code, std::string message) {
  return Answer{code, json::serialize(rpc::error(id, rpc_code, std::move(message))), {}};
}

bj::object text_result(std::string text, bool is_error) {
  return bj::object{{"content", bj::array{bj::object{{"type", "text"}, {"text", std::move(text)}}}},
                    {"isError", is_error}};
}

}  // namespace

Server::Server(std::string name, std::string version, std::vector<Tool> tools)
    : name_(std::move(name)), version_(std::move(version)), tools_(std::move(tools)) {}

Answer Server::post(const Post& post, const ToolRunner& run) {
  auto parsed = json::parse(post.body);
  if (!parsed) return refuse(ErrorCode::bad_request, nullptr, rpc::kParseError, "parse error: " + parsed.error().message);
  const bj::value& body = *parsed;
  if (body.is_object()) {
    const auto* method = body.get_object().if_contains("method");
    if (method && method->is_string() && method->get_string() == "initialize") {
      std::string opened;
      bj::value out = handle(body, std::string(newest()), run, &opened);
      return Answer{std::nullopt, json::serialize(out), std::move(opened)};
    }
  }
  bj::value id = nullptr;
  if (body.is_object())
    if (auto m = rpc::read(body); m.kind == rpc::Kind::request) id = m.id;
  if (post.session_id.empty())
    return refuse(ErrorCode::bad_request, id, rpc::kInvalidRequest,
                  "Mcp-Session-Id header missing: send initialize first and then its session id with every request");
  auto version = session_version(post.session_id);
  if (!version) return refuse(version.error().code, id, rpc::kInvalidRequest, version.error().message);
  if (!post.protocol_version.empty()) {
    if (!supported(post.protocol_version))
      return refuse(ErrorCode::bad_request, id, rpc::kInvalidRequest,
                    fmt::format("unsupported MCP-Protocol-Version '{}'; this server speaks {}",
                                post.protocol_version.substr(0, 32), fmt::join(kProtocolVersions, ", ")));
    *version = std::string(post.protocol_version);
  }
  if (body.is_array()) {
    if (!takes_batches(*version))
      return refuse(ErrorCode::bad_request, nullptr, rpc::kInvalidRequest,
                    fmt::format("protocol version {} has no batches: send one message per request", *version));
    if (body.get_array().empty()) return refuse(ErrorCode::bad_request, nullptr, rpc::kInvalidRequest, "empty batch");
    // Each message may be a tool call, run on this request's thread.
    if (body.get_array().size() > kMaxBatch)
      return refuse(ErrorCode::bad_request, nullptr, rpc::kInvalidRequest,
                    fmt::format("a batch holds at most {} messages", kMaxBatch));
    bj::array out;
    for (const auto& message : body.get_array())
      if (bj::value one = handle(message, *version, run, nullptr); !one.is_null()) out.push_back(std::move(one));
    if (out.empty()) return Answer{};
    return Answer{std::nullopt, json::serialize(out), {}};
  }
  const rpc::Message m = rpc::read(body);
  if (m.kind == rpc::Kind::invalid) return refuse(ErrorCode::bad_request, m.id, m.problem_code, m.problem);
  bj::value out = handle(body, *version, run, nullptr);
  if (out.is_null()) return Answer{};
  return Answer{std::nullopt, json::serialize(out), {}};
}

bj::value Server::handle(const bj::value& message, const std::string& version, const ToolRunner& run,
                         std::string* opened) {
  const rpc::Message m = rpc::read(message);
  switch (m.kind) {
    case rpc::Kind::invalid: return rpc::error(m.id, m.problem_code, m.problem);
    case rpc::Kind::response:
    case rpc::Kind::notification: return nullptr;
    case rpc::Kind::request: break;
  }
  if (m.method == "initialize") {
    if (!opened) return rpc::error(m.id, rpc::kInvalidRequest, "initialize must be sent alone, not in a batch");
    const auto* requested = m.params.if_contains("protocolVersion");
    if (!requested || !requested->is_string())
      return rpc::error(m.id, rpc::kInvalidParams, "params.protocolVersion is required: the client's protocol version");
    const std::string chosen(supported(requested->get_string()) ? std::string_view(requested->get_string()) : newest());
    *opened = secrets::random_token(16) + "." + chosen;
    return rpc::result(
        m.id, bj::object{{"protocolVersion", chosen},
                         {"capabilities", bj::object{{"tools", bj::object{{"listChanged", false}}}}},
                         {"serverInfo", bj::object{{"name", name_}, {"version", version_}}},
                         {"instructions",
                          "StackLens: an LLM application's traces, metrics, prompts and scores, for the project of "
                          "the API key in use. Each tool names the scope the key needs."}});
  }
  if (m.method == "ping") return rpc::result(m.id, bj::object{});
  if (m.method == "tools/list") {
    bj::array tools;
    for (const auto& t : tools_)
      tools.push_back(bj::object{{"name", t.name},
                                 {"title", t.title},
                                 {"description", t.description},
                                 {"inputSchema", t.input_schema},
                                 {"annotations", bj::object{{"title", t.title},
                                                            {"readOnlyHint", t.read_only},
                                                            {"destructiveHint", false},
                                                            {"openWorldHint", false}}}});
    return rpc::result(m.id, bj::object{{"tools", std::move(tools)}});
  }
  if (m.method == "tools/call") return call_tool(m.id, m.params, version, run);
  return rpc::error(m.id, rpc::kMethodNotFound,
                    fmt::format("method '{}' not found: this server answers initialize, ping, tools/list and "
                                "tools/call",
                                std::string_view(m.method).substr(0, 64)));
}

bj::value Server::call_tool(const bj::value& id, const bj::object& params, const std::string& version,
                            const ToolRunner& run) {
  const auto* name = params.if_contains("name");
  if (!name || !name->is_string()) return rpc::error(id, rpc::kInvalidParams, "params.name is required: the tool's name");
  const auto tool = std::find_if(tools_.begin(), tools_.end(), [&](const Tool& t) { return t.name == name->get_string(); });
  if (tool == tools_.end()) {
    std::vector<std::string_view> names;
    for (const auto& t : tools_) names.push_back(t.name);
    return rpc::error(id, rpc::kInvalidParams,
                      fmt::format("unknown tool '{}'; the tools are {}", std::string_view(name->get_string()).substr(0, 64),
                                  fmt::join(names, ", ")));
  }
  bj::value arguments = bj::object{};
  if (const auto* given = params.if_contains("arguments"); given && !given->is_null()) {
    if (!given->is_object()) return rpc::error(id, rpc::kInvalidParams, "params.arguments must be an object");
    arguments = *given;
  }
  // A tool's own refusals are results, so the model that called it reads why and can try again.
  if (auto st = check_arguments(tool->input_schema, arguments); !st)
    return rpc::result(id, text_result(fmt::format("{}: {}", tool->name, st.error().message), true));
  auto answer = run(*tool, arguments.get_object());
  if (!answer) return rpc::result(id, text_result(fmt::format("{}: {}", tool->name, answer.error().message), true));
  bj::object result = text_result(json::serialize(*answer), false);
  if (takes_structured_content(version)) result["structuredContent"] = std::move(*answer);
  return rpc::result(id, std::move(result));
}

Result<std::string> Server::session_version(std::string_view id) {
  const auto unknown = [] {
    return make_error(ErrorCode::not_found, "this MCP session is unknown or has ended: send initialize again");
  };
  const size_t dot = id.find('.');
  if (dot != 32 || id.find_first_not_of("0123456789abcdef") != dot) return unknown();
  const std::string_view version = id.substr(dot + 1);
  if (!supported(version)) return unknown();
  std::lock_guard lock(mu_);
  if (ended_.contains(std::string(id))) return unknown();
  return std::string(version);
}

Status Server::end_session(std::string_view id) {
  if (auto open = session_version(id); !open) return open.error();
  std::lock_guard lock(mu_);
  if (ended_order_.size() >= kMaxEnded) {
    ended_.erase(ended_order_.front());
    ended_order_.pop_front();
  }
  ended_.emplace(id);
  ended_order_.emplace_back(id);
  return ok_status();
}

}  // namespace stacklens::mcp
