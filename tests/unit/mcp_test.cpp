// The MCP server without HTTP (src/mcp/): JSON-RPC messages read and classified, the protocol
// version a session settles on, and tool arguments held to the tool's input schema.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

#include "core/json.h"
#include "mcp/input_schema.h"
#include "mcp/jsonrpc.h"
#include "mcp/server.h"

using namespace stacklens;
namespace bj = boost::json;
namespace rpc = stacklens::mcp::jsonrpc;

namespace {

rpc::Message read(std::string_view text) { return rpc::read(bj::parse(text)); }

TEST(McpJsonRpc, RequestsNotificationsAndResponsesAreTold) {
  auto request = read(R"({"jsonrpc": "2.0", "id": 7, "method": "tools/list", "params": {"cursor": "x"}})");
  EXPECT_EQ(request.kind, rpc::Kind::request);
  EXPECT_EQ(request.id, bj::value(7));
  EXPECT_EQ(request.method, "tools/list");
  EXPECT_EQ(request.params, (bj::object{{"cursor", "x"}}));
  auto by_name = read(R"({"jsonrpc": "2.0", "id": "a", "method": "ping"})");
  EXPECT_EQ(by_name.kind, rpc::Kind::request);
  EXPECT_EQ(by_name.id, bj::value("a"));
  EXPECT_TRUE(by_name.params.empty());
  EXPECT_EQ(read(R"({"jsonrpc": "2.0", "method": "notifications/initialized"})").kind, rpc::Kind::notification);
  EXPECT_EQ(read(R"({"jsonrpc": "2.0", "id": 1, "result": {}})").kind, rpc::Kind::response);
  EXPECT_EQ(read(R"({"jsonrpc": "2.0", "id": 1, "error": {"code": 1}})").kind, rpc::Kind::response);
}

TEST(McpJsonRpc, InvalidMessagesSayWhyAndKeepAnIdTheyCouldRead) {
  struct Case {
    const char* text;
    const char* problem;
    int code;
    bj::value id;
  };
  const Case cases[] = {
      {R"([1])", "a JSON-RPC message must be an object", rpc::kInvalidRequest, nullptr},
      {R"({"id": 3, "method": "ping"})", "jsonrpc must be \"2.0\"", rpc::kInvalidRequest, 3},
      {R"({"jsonrpc": "1.0", "id": 3, "method": "ping"})", "jsonrpc must be \"2.0\"", rpc::kInvalidRequest, 3},
      {R"({"jsonrpc": "2.0", "id": "q"})", "a request needs a method", rpc::kInvalidRequest, "q"},
      {R"({"jsonrpc": "2.0", "result": {}})", "a request needs a method", rpc::kInvalidRequest, nullptr},
      {R"({"jsonrpc": "2.0", "id": 1, "method": ""})", "method must be a non-empty string", rpc::kInvalidRequest, 1},
      {R"({"jsonrpc": "2.0", "id": 1, "method": 5})", "method must be a non-empty string", rpc::kInvalidRequest, 1},
      {R"({"jsonrpc": "2.0", "id": 1.5, "method": "ping"})", "id must be a string or an integer",
       rpc::kInvalidRequest, nullptr},
      {R"({"jsonrpc": "2.0", "id": {}, "method": "ping"})", "id must be a string or an integer",
       rpc::kInvalidRequest, nullptr},
      {R"({"jsonrpc": "2.0", "id": 2, "method": "ping", "params": [1]})", "params must be an object",
       rpc::kInvalidParams, 2},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto m = read(c.text);
    EXPECT_EQ(m.kind, rpc::Kind::invalid);
    EXPECT_EQ(m.problem, c.problem);
    EXPECT_EQ(m.problem_code, c.code);
    EXPECT_EQ(m.id, c.id);
  }
}

TEST(McpJsonRpc, AnswersCarryTheIdAndTheVersion) {
  EXPECT_EQ(rpc::result(4, bj::object{{"ok", true}}),
            (bj::object{{"jsonrpc", "2.0"}, {"id", 4}, {"result", bj::object{{"ok", true}}}}));
  EXPECT_EQ(rpc::error("x", rpc::kMethodNotFound, "no"),
            (bj::object{{"jsonrpc", "2.0"}, {"id", "x"}, {"error", bj::object{{"code", -32601}, {"message", "no"}}}}));
}

mcp::Tool echo_tool() {
  return mcp::Tool{"echo", "Echo", "answers its arguments",
                   bj::parse(R"({"type": "object", "additionalProperties": false, "required": ["text"],
                                 "properties": {"text": {"type": "string", "minLength": 1},
                                                "times": {"type": "integer", "minimum": 1, "maximum": 3}}})")
                       .as_object()};
}

// A server with the echo tool and what its last initialize or call answered.
class McpServerTest : public ::testing::Test {
 protected:
  mcp::Answer post(const std::string& body, const std::string& session = "", const std::string& version = "") {
    return server_.post(mcp::Post{body, session, version}, [this](const mcp::Tool& t, const bj::object& args) {
      ++runs_;
      return Result<bj::object>(bj::object{{"tool", t.name}, {"arguments", args}});
    });
  }
  // The session initialize opened, and the version it settled on.
  std::pair<std::string, std::string> initialize(const std::string& client_version) {
    auto a = post(R"({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": ")" +
                  client_version + R"("}})");
    EXPECT_FALSE(a.refused);
    auto out = bj::parse(a.body).as_object();
    return {a.session_id, std::string(out["result"].as_object()["protocolVersion"].as_string())};
  }
  bj::object answer(const std::string& body, const std::string& session, const std::string& version = "") {
    auto a = post(body, session, version);
    EXPECT_FALSE(a.refused) << a.body;
    return bj::parse(a.body).as_object();
  }

  mcp::Server server_{"stacklens", "test", {echo_tool()}};
  int runs_ = 0;
};

TEST_F(McpServerTest, InitializeSettlesOnTheClientsVersionOrTheNewest) {
  for (auto v : mcp::kProtocolVersions) {
    auto [session, chosen] = initialize(std::string(v));
    EXPECT_EQ(chosen, v);
    EXPECT_EQ(session.substr(session.find('.') + 1), v);
  }
  const std::string newest(std::end(mcp::kProtocolVersions)[-1]);
  EXPECT_EQ(initialize("2023-01-01").second, newest);
  EXPECT_EQ(initialize("2099-12-31").second, newest);
  auto missing = post(R"({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}})");
  EXPECT_EQ(bj::parse(missing.body).at("error").at("code"), bj::value(rpc::kInvalidParams));
  EXPECT_TRUE(missing.session_id.empty());
}

TEST_F(McpServerTest, SessionsAreNamedOnEveryRequestAndEnd) {
  auto no_session = post(R"({"jsonrpc": "2.0", "id": 2, "method": "ping"})");
  EXPECT_EQ(no_session.refused, ErrorCode::bad_request);
  EXPECT_NE(no_session.body.find("Mcp-Session-Id header missing"), std::string::npos);
  // A session id is its random part and its version: any node reads it, none stores it.
  auto made_up = post(R"({"jsonrpc": "2.0", "id": 2, "method": "ping"})", "not-hex.2025-06-18");
  EXPECT_EQ(made_up.refused, ErrorCode::not_found);
  auto unknown_version = post(R"({"jsonrpc": "2.0", "id": 2, "method": "ping"})", std::string(32, 'a') + ".1999-01-01");
  EXPECT_EQ(unknown_version.refused, ErrorCode::not_found);
  auto [session, version] = initialize("2025-06-18");
  EXPECT_EQ(answer(R"({"jsonrpc": "2.0", "id": 2, "method": "ping"})", session)["result"], bj::value(bj::object{}));
  auto other = post(R"({"jsonrpc": "2.0", "id": 2, "method": "ping"})", session, "1999-01-01");
  EXPECT_EQ(other.refused, ErrorCode::bad_request);
  EXPECT_NE(other.body.find("unsupported MCP-Protocol-Version '1999-01-01'"), std::string::npos);
  ASSERT_TRUE(server_.end_session(session));
  EXPECT_EQ(post(R"({"jsonrpc": "2.0", "id": 3, "method": "ping"})", session).refused, ErrorCode::not_found);
  EXPECT_EQ(server_.end_session(session).error().code, ErrorCode::not_found);
}

TEST_F(McpServerTest, BatchesOnlyBeforeTheVersionThatDroppedThem) {
  const std::string batch = R"([{"jsonrpc": "2.0", "id": "a", "method": "ping"},
                                {"jsonrpc": "2.0", "method": "notifications/x"}])";
  auto [old_session, old_version] = initialize("2025-03-26");
  auto ok = post(batch, old_session);
  ASSERT_FALSE(ok.refused);
  EXPECT_EQ(bj::parse(ok.body).as_array().size(), 1u);  // the notification is not answered
  auto [session, version] = initialize("2025-06-18");
  auto refused = post(batch, session);
  EXPECT_EQ(refused.refused, ErrorCode::bad_request);
  EXPECT_NE(refused.body.find("protocol version 2025-06-18 has no batches"), std::string::npos);
  // The header may name an older version for one request.
  EXPECT_FALSE(post(batch, session, "2025-03-26").refused);
  EXPECT_EQ(post("[]", old_session).refused, ErrorCode::bad_request);
  EXPECT_EQ(post(R"({"jsonrpc": "2.0", "method": "notifications/initialized"})", session).body, "");
  EXPECT_EQ(post("{not json", session).refused, ErrorCode::bad_request);
}

TEST_F(McpServerTest, ToolArgumentsAreCheckedBeforeTheToolRuns) {
  auto [session, version] = initialize("2025-06-18");
  const auto call = [&](const std::string& arguments) {
    return answer(R"({"jsonrpc": "2.0", "id": 9, "method": "tools/call", "params": {"name": "echo", "arguments": )" +
                      arguments + "}}",
                  session);
  };
  const auto refusal = [&](const std::string& arguments) {
    auto out = call(arguments);
    const auto& result = out["result"].as_object();
    EXPECT_EQ(result.at("isError"), bj::value(true)) << arguments;
    return std::string(result.at("content").as_array()[0].at("text").as_string());
  };
  EXPECT_EQ(refusal("{}"), "echo: argument 'text' is required");
  EXPECT_EQ(refusal(R"({"text": ""})"), "echo: argument 'text' must not be empty");
  EXPECT_EQ(refusal(R"({"text": 5})"), "echo: argument 'text' must be a string, got number");
  EXPECT_EQ(refusal(R"({"text": "x", "times": 4})"), "echo: argument 'times' must be at most 3");
  EXPECT_EQ(refusal(R"({"text": "x", "times": 1.5})"), "echo: argument 'times' must be an integer, got number");
  EXPECT_EQ(refusal(R"({"text": "x", "loud": true})"), "echo: unknown argument 'loud'; this tool takes text, times");
  EXPECT_EQ(runs_, 0);
  auto ran = call(R"({"text": "hi", "times": 2})");
  EXPECT_EQ(runs_, 1);
  EXPECT_EQ(ran["result"].as_object()["structuredContent"],
            (bj::object{{"tool", "echo"}, {"arguments", bj::object{{"text", "hi"}, {"times", 2}}}}));
  auto unknown = answer(R"({"jsonrpc": "2.0", "id": 9, "method": "tools/call", "params": {"name": "nope"}})", session);
  EXPECT_EQ(unknown["error"].as_object()["message"], bj::value("unknown tool 'nope'; the tools are echo"));
  auto not_found = answer(R"({"jsonrpc": "2.0", "id": 9, "method": "resources/list"})", session);
  EXPECT_EQ(not_found["error"].as_object()["code"], bj::value(rpc::kMethodNotFound));
}

TEST(McpInputSchema, TheSubsetTheToolsUseIsHeld) {
  const auto schema = bj::parse(R"({"type": "object", "properties": {
      "kind": {"enum": ["a", "b"]},
      "either": {"type": ["string", "null"]},
      "tags": {"type": "array", "maxItems": 2, "items": {"type": "string", "maxLength": 3}},
      "at": {"type": "object", "required": ["x"], "properties": {"x": {"type": "number", "minimum": 0}}},
      "free": {"type": "object", "additionalProperties": {"type": "boolean"}}}})")
                          .as_object();
  const auto problem = [&](std::string_view args) {
    auto st = mcp::check_arguments(schema, bj::parse(args));
    if (st) return std::string();
    EXPECT_EQ(st.error().code, ErrorCode::bad_request);
    return st.error().message;
  };
  EXPECT_EQ(problem(R"({"kind": "a", "either": null, "tags": ["x"], "at": {"x": 0}, "free": {"y": true}})"), "");
  EXPECT_EQ(problem(R"({"kind": "c"})"), R"(argument 'kind' must be one of "a", "b")");
  EXPECT_EQ(problem(R"({"either": 1})"), "argument 'either' must be a string or a null, got number");
  EXPECT_EQ(problem(R"({"tags": ["a", "b", "c"]})"), "argument 'tags' must hold at most 2 items");
  EXPECT_EQ(problem(R"({"tags": ["long"]})"), "argument 'tags[0]' must hold at most 3 characters");
  EXPECT_EQ(problem(R"({"at": {}})"), "argument 'at.x' is required");
  EXPECT_EQ(problem(R"({"at": {"x": -1}})"), "argument 'at.x' must be at least 0");
  EXPECT_EQ(problem(R"({"free": {"y": 1}})"), "argument 'free.y' must be a boolean, got number");
  EXPECT_EQ(problem("[]"), "arguments must be an object, got array");
}

}  // namespace
