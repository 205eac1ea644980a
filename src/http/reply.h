#pragma once
// What a handler answers. Handlers build Replies; the server turns them into HTTP.
#include <boost/json.hpp>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"

namespace stacklens::http {

// A body too large to hold, sent in pieces with chunked transfer encoding. The server asks for the
// next piece only once the previous one is written, so a slow reader slows the producer, and drops
// the stream (never asking again) when the client goes away.
class BodyStream {
 public:
  virtual ~BodyStream() = default;
  // The next piece, handed to `ready` exactly once, from any thread: an empty piece ends the body;
  // `failed` ends the connection (the status line is sent, so it cannot say more).
  using Ready = std::function<void(std::string piece, bool failed)>;
  virtual void next(Ready ready) = 0;
};

struct Reply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::shared_ptr<BodyStream> stream = nullptr;  // set: the body comes from it, `body` is unused
};

Reply json_reply(int status, const boost::json::value& body);
// The one mapping from ErrorCode to HTTP status (with Retry-After where a retry helps).
int status_for(ErrorCode code);
Reply error_reply(const Error& e);

// Handlers answer through a Respond, possibly later and from another thread (ingest
// answers after the commit). It must be called exactly once.
using Respond = std::function<void(Reply)>;

}  // namespace stacklens::http
