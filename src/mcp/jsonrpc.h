#pragma once
// JSON-RPC 2.0, as MCP speaks it: one message read and classified, responses written.
#include <boost/json.hpp>
#include <optional>
#include <string>

namespace stacklens::mcp::jsonrpc {

inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;

// A request carries an id and wants a response; a notification does not. A response (a client
// answering something we asked) is read only to be ignored: this server never asks.
enum class Kind { request, notification, response, invalid };

struct Message {
  Kind kind = Kind::invalid;
  boost::json::value id;  // null unless a request (or an invalid message whose id could be read)
  std::string method;
  boost::json::object params;  // empty when absent
  std::string problem;         // why an invalid message is invalid
  int problem_code = kInvalidRequest;
};

Message read(const boost::json::value& v);

boost::json::object result(const boost::json::value& id, boost::json::value result);
boost::json::object error(const boost::json::value& id, int code, std::string message);

}  // namespace stacklens::mcp::jsonrpc
