#include <spdlog/spdlog.h>

#include "core/json.h"
#include "http/reply.h"

namespace stacklens::http {

Reply json_reply(int status, const boost::json::value& body) {
  return Reply{status, json::serialize(body), "application/json", {}};
}

int status_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::bad_request: return 400;
    case ErrorCode::unauthorized: return 401;
    case ErrorCode::forbidden: return 403;
    case ErrorCode::not_found: return 404;
    case ErrorCode::method_not_allowed: return 405;
    case ErrorCode::conflict: return 409;
    case ErrorCode::payload_too_large: return 413;
    case ErrorCode::unsupported_media: return 415;
    case ErrorCode::unprocessable: return 422;
    case ErrorCode::upstream: return 424;
    case ErrorCode::overloaded: return 429;
    case ErrorCode::storage_full: return 507;
    case ErrorCode::unavailable: return 503;
    case ErrorCode::internal: return 500;
  }
  return 500;
}

Reply error_reply(const Error& e) {
  const int status = status_for(e.code);
  if (status >= 500 && e.code == ErrorCode::internal) spdlog::error("internal error: {}", e.message);
  Reply r = json_reply(status, boost::json::object{{"error", e.message}});
  if (is_transient(e.code)) r.headers.emplace_back("Retry-After", e.code == ErrorCode::storage_full ? "10" : "1");
  return r;
}

}  // namespace stacklens::http
