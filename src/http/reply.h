#pragma once
// What a handler answers. Handlers build Replies; the server turns them into HTTP.
#include <boost/json.hpp>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"

namespace stacklens::http {

struct Reply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
};

Reply json_reply(int status, const boost::json::value& body);
// The one mapping from ErrorCode to HTTP status (with Retry-After where a retry helps).
int status_for(ErrorCode code);
Reply error_reply(const Error& e);

// Handlers answer through a Respond, possibly later and from another thread (ingest
// answers after the commit). It must be called exactly once.
using Respond = std::function<void(Reply)>;

}  // namespace stacklens::http
