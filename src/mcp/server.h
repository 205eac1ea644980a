#pragma once
// The Model Context Protocol's server side over Streamable HTTP, without the HTTP: a POST's body
// in, the answer out (api/mcp_routes.cpp binds it to /mcp). Every POST is answered with
// application/json (the spec allows it when the client accepts both JSON and an event stream);
// the server never opens a stream of its own. Methods: initialize, ping, tools/list, tools/call;
// notifications are taken and ignored.
//
// Sessions: initialize opens one (Mcp-Session-Id) and fixes its protocol version; every later
// request names it. A session grants nothing (each request is authenticated by its own API key),
// so its id carries its version and any node of a cluster serves it without shared state.
// DELETE ends it on the node that takes the DELETE, which then answers 404 for it (it remembers
// the last kMaxEnded ended ids); on 404 clients initialize again.
#include <boost/json.hpp>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/error.h"

namespace stacklens::mcp {

// Oldest first; initialize answers the client's version when it is one of these, else the newest.
inline constexpr std::string_view kProtocolVersions[] = {"2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"};

struct Tool {
  std::string name;
  std::string title;
  std::string description;
  boost::json::object input_schema;
  bool read_only = true;
};

// Runs a tool whose arguments fit its schema: its answer (a JSON object), or an error whose
// message goes back to the caller as the tool's result with isError.
using ToolRunner = std::function<Result<boost::json::object>(const Tool&, const boost::json::object& arguments)>;

struct Post {
  std::string_view body;
  std::string_view session_id;        // Mcp-Session-Id, empty when absent
  std::string_view protocol_version;  // MCP-Protocol-Version, empty when absent
};

struct Answer {
  std::optional<ErrorCode> refused;  // an HTTP error (its body a JSON-RPC error); none: 200, or 202 without a body
  std::string body;                  // empty: nothing to answer (notifications and responses only)
  std::string session_id;            // a session initialize opened
};

class Server {
 public:
  static constexpr size_t kMaxEnded = 10000;
  static constexpr size_t kMaxBatch = 50;

  Server(std::string name, std::string version, std::vector<Tool> tools);
  Answer post(const Post& post, const ToolRunner& run);
  // DELETE: not_found when no such session is open.
  Status end_session(std::string_view session_id);
  const std::vector<Tool>& tools() const { return tools_; }

 private:
  // The version a session negotiated, or not_found when it is not one this server opened or it ended.
  Result<std::string> session_version(std::string_view id);
  boost::json::value handle(const boost::json::value& message, const std::string& version, const ToolRunner& run,
                            std::string* opened);
  boost::json::value call_tool(const boost::json::value& id, const boost::json::object& params,
                               const std::string& version, const ToolRunner& run);

  std::string name_;
  std::string version_;
  std::vector<Tool> tools_;
  std::mutex mu_;
  std::unordered_set<std::string> ended_;
  std::deque<std::string> ended_order_;  // oldest first, forgotten beyond kMaxEnded
};

}  // namespace stacklens::mcp
