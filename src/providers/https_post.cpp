#include "providers/https_post.h"

#include <fmt/format.h>
#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>

namespace stacklens::providers {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

struct Target {
  bool tls = false;
  std::string host, port, path;
};

Result<Target> parse(const std::string& url) {
  auto u = boost::urls::parse_absolute_uri(url);
  if (!u) return make_error(ErrorCode::bad_request, fmt::format("'{}' is not an absolute URL", url.substr(0, 200)));
  Target t;
  if (u->scheme() == "https") t.tls = true;
  else if (u->scheme() != "http")
    return make_error(ErrorCode::bad_request, fmt::format("'{}': the URL must start with https:// or http://",
                                                          url.substr(0, 200)));
  t.host = u->host();
  if (t.host.empty()) return make_error(ErrorCode::bad_request, fmt::format("'{}' names no host", url.substr(0, 200)));
  t.port = u->has_port() ? std::string(u->port()) : (t.tls ? "443" : "80");
  t.path = std::string(u->encoded_path());
  if (t.path.empty()) t.path = "/";
  if (u->has_query()) t.path += "?" + std::string(u->encoded_query());
  return t;
}

// Runs the loop until the operation started by `start` completes or the deadline passes.
template <typename Stream, typename Start>
boost::system::error_code run(asio::io_context& ioc, Stream& timed, Clock::time_point deadline, Start start) {
  boost::system::error_code result = asio::error::would_block;
  beast::get_lowest_layer(timed).expires_at(deadline);
  start([&result](boost::system::error_code ec, auto&&...) { result = ec; });
  ioc.restart();
  ioc.run();
  return result;
}

template <typename Stream>
Result<HttpAnswer> exchange(asio::io_context& ioc, Stream& stream, const Target& t, const Headers& headers,
                            const std::string& body, Clock::time_point deadline) {
  http::request<http::string_body> req{http::verb::post, t.path, 11};
  req.set(http::field::host, t.host);
  req.set(http::field::content_type, "application/json");
  req.set(http::field::user_agent, "StackLens");
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = body;
  req.prepare_payload();
  auto ec = run(ioc, stream, deadline, [&](auto handler) { http::async_write(stream, req, handler); });
  if (ec) return make_error(ErrorCode::unavailable, fmt::format("{}: sending failed: {}", t.host, ec.message()));
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  ec = run(ioc, stream, deadline, [&](auto handler) { http::async_read(stream, buffer, parser, handler); });
  if (ec == beast::error::timeout)
    return make_error(ErrorCode::unavailable, fmt::format("{} did not answer in time", t.host));
  if (ec) return make_error(ErrorCode::unavailable, fmt::format("{}: reading the answer failed: {}", t.host, ec.message()));
  auto res = parser.release();
  HttpAnswer out{static_cast<int>(res.result_int()), std::move(res.body()), std::nullopt};
  if (auto it = res.find(http::field::retry_after); it != res.end()) {
    const std::string v(it->value());
    char* end = nullptr;
    const double s = std::strtod(v.c_str(), &end);
    if (end != v.c_str() && s >= 0) out.retry_after_s = s;
  }
  return out;
}

}  // namespace

Status check_url(const std::string& url) {
  auto t = parse(url);
  if (!t) return t.error();
  return ok_status();
}

Result<HttpAnswer> https_post(const std::string& url, const Headers& headers, const std::string& body,
                              Clock::time_point deadline) {
  SL_TRY(t, parse(url));
  asio::io_context ioc;
  asio::ip::tcp::resolver resolver(ioc);
  boost::system::error_code ec;
  auto found = resolver.resolve(t.host, t.port, ec);
  if (ec) return make_error(ErrorCode::unavailable, fmt::format("{} cannot be resolved: {}", t.host, ec.message()));
  if (!t.tls) {
    beast::tcp_stream stream(ioc);
    ec = run(ioc, stream, deadline, [&](auto handler) { stream.async_connect(found, handler); });
    if (ec) return make_error(ErrorCode::unavailable, fmt::format("{}:{} is unreachable: {}", t.host, t.port, ec.message()));
    return exchange(ioc, stream, t, headers, body, deadline);
  }
  asio::ssl::context tls(asio::ssl::context::tls_client);
  tls.set_default_verify_paths();
  tls.set_verify_mode(asio::ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(ioc, tls);
  stream.set_verify_callback(asio::ssl::host_name_verification(t.host));
  if (!SSL_set_tlsext_host_name(stream.native_handle(), t.host.c_str()))
    return make_error(ErrorCode::unavailable, fmt::format("{}: TLS server name could not be set", t.host));
  ec = run(ioc, stream, deadline, [&](auto handler) { beast::get_lowest_layer(stream).async_connect(found, handler); });
  if (ec) return make_error(ErrorCode::unavailable, fmt::format("{}:{} is unreachable: {}", t.host, t.port, ec.message()));
  ec = run(ioc, stream, deadline, [&](auto handler) { stream.async_handshake(asio::ssl::stream_base::client, handler); });
  if (ec) return make_error(ErrorCode::unavailable, fmt::format("{}: TLS handshake failed: {}", t.host, ec.message()));
  return exchange(ioc, stream, t, headers, body, deadline);
}

}  // namespace stacklens::providers
