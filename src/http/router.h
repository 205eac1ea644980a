#pragma once
// Routes as data: method, path pattern ("/prompts/{name}/versions"), a label for
// metrics, and the handler. Unknown paths answer 404, known paths with another
// method 405, both with a JSON error.
#include <boost/beast/http.hpp>
#include <boost/url.hpp>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "http/reply.h"

namespace stacklens::http {

using Request = boost::beast::http::request<boost::beast::http::string_body>;

struct Context {
  const Request& req;
  std::map<std::string, std::string> params;  // from the path pattern, percent-decoded
  std::string path;
  boost::urls::params_view query;
  std::string_view header(std::string_view name) const;
  std::optional<std::string> query_param(std::string_view name) const;
  std::vector<std::string> query_params(std::string_view name) const;
};

using Handler = std::function<void(Context&, Respond)>;

struct Route {
  boost::beast::http::verb method;
  std::string pattern;
  Handler handler;
};

class Router {
 public:
  void add(boost::beast::http::verb method, std::string pattern, Handler handler);
  // Answers GET requests that match no route's path (the dashboard's files).
  void set_fallback(Handler handler) { fallback_ = std::move(handler); }
  // Matches and calls the handler, or answers 404/405. `route_label` gets the
  // matched pattern (or "unmatched") for metrics.
  void dispatch(const Request& req, Respond respond, std::string& route_label) const;
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
  Handler fallback_;
};

}  // namespace stacklens::http
