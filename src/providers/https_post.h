#pragma once
// One JSON POST to a model provider over HTTP or HTTPS (the system's trusted certificates, the
// host name checked), finished by a deadline. A fresh connection per call: calls are seconds
// long, so a handshake is noise, and nothing is left open between them.
#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"

namespace stacklens::providers {

using Clock = std::chrono::steady_clock;

struct HttpAnswer {
  int status = 0;
  std::string body;
  std::optional<double> retry_after_s;  // Retry-After in seconds, when given as a number
};

using Headers = std::vector<std::pair<std::string, std::string>>;

// bad_request for a URL that is not http(s)://host[:port]/path; unavailable when the host cannot
// be reached, the TLS handshake fails or the deadline passes.
Result<HttpAnswer> https_post(const std::string& url, const Headers& headers, const std::string& body,
                              Clock::time_point deadline);

// Whether `url` is one https_post takes; the error names what is wrong.
Status check_url(const std::string& url);

}  // namespace stacklens::providers
