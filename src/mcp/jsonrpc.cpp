#include "mcp/jsonrpc.h"

namespace stacklens::mcp::jsonrpc {
namespace bj = boost::json;

Message read(const bj::value& v) {
  Message m;
  const auto invalid = [&m](std::string why, int code = kInvalidRequest) {
    m.kind = Kind::invalid;
    m.problem = std::move(why);
    m.problem_code = code;
    return m;
  };
  if (!v.is_object()) return invalid("a JSON-RPC message must be an object");
  const auto& o = v.get_object();
  const bj::value* id = o.if_contains("id");
  // The id is echoed in the error when it is one JSON-RPC allows (a string or a number).
  if (id && (id->is_string() || id->is_int64() || id->is_uint64())) m.id = *id;
  const auto* version = o.if_contains("jsonrpc");
  if (!version || !version->is_string() || version->get_string() != "2.0")
    return invalid("jsonrpc must be \"2.0\"");
  const auto* method = o.if_contains("method");
  if (!method) {
    if ((o.contains("result") || o.contains("error")) && id) {
      m.kind = Kind::response;
      return m;
    }
    return invalid("a request needs a method");
  }
  if (!method->is_string() || method->get_string().empty()) return invalid("method must be a non-empty string");
  m.method = std::string(method->get_string());
  if (id && !(id->is_string() || id->is_int64() || id->is_uint64()))
    return invalid("id must be a string or an integer");
  if (const auto* params = o.if_contains("params")) {
    if (!params->is_object()) return invalid("params must be an object", kInvalidParams);
    m.params = params->get_object();
  }
  m.kind = id ? Kind::request : Kind::notification;
  return m;
}

bj::object result(const bj::value& id, bj::value result) {
  return bj::object{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

bj::object error(const bj::value& id, int code, std::string message) {
  return bj::object{{"jsonrpc", "2.0"}, {"id", id}, {"error", bj::object{{"code", code}, {"message", std::move(message)}}}};
}

}  // namespace stacklens::mcp::jsonrpc
