#include "storage/clickhouse/ch_endpoint.h"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <algorithm>

namespace stacklens::clickhouse {
namespace {

// Database and cluster names go into statements as identifiers: letters, digits and '_' only.
bool plain_name(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

}  // namespace

Result<Endpoint> parse_endpoint(const std::string& url) {
  const auto bad = [](const std::string& what) {
    return make_error(ErrorCode::bad_request,
                      "setting span-store-url: " + what +
                          " (clickhouse://user:password@host:8123/database?cluster=NAME or http://host:8123/database)");
  };
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return bad("not a URL");
  const boost::urls::url_view u = *parsed;
  if (u.scheme() != "clickhouse" && u.scheme() != "http") return bad("the scheme must be clickhouse:// or http://");
  Endpoint e;
  e.host = u.host_address();
  if (e.host.empty()) return bad("no host");
  if (u.has_port()) e.port = u.port();
  if (u.has_userinfo()) {
    if (!u.user().empty()) e.user = u.user();
    e.password = u.password();
  }
  std::string path = u.path();
  while (!path.empty() && path.front() == '/') path.erase(0, 1);
  if (!path.empty()) e.database = path;
  if (!plain_name(e.database)) return bad("the database name may hold only letters, digits and '_'");
  for (const auto& p : u.params()) {
    if (p.key == "cluster") {
      e.cluster = p.value;
      if (!plain_name(e.cluster)) return bad("the cluster name may hold only letters, digits and '_'");
    } else {
      return bad("unknown parameter '" + p.key + "'");
    }
  }
  return e;
}

}  // namespace stacklens::clickhouse
