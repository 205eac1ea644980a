#include "storage/clickhouse/ch_client.h"

#include <fmt/format.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <array>
#include <thread>

namespace stacklens::clickhouse {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Clock = std::chrono::steady_clock;

// One kept-alive connection with an event loop of its own: each operation runs the loop until it
// completes or the stream's deadline cancels it (Beast's tcp_stream times out asynchronous
// operations only).
class ChConnection {
 public:
  asio::io_context ioc;
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;
  bool reused = false;

  template <typename Start>
  boost::system::error_code run(Clock::time_point deadline, Start start) {
    boost::system::error_code result = asio::error::would_block;
    stream.expires_at(deadline);
    start([&result](boost::system::error_code ec, auto&&...) { result = ec; });
    ioc.restart();
    ioc.run();
    return result;
  }
};

namespace {

// Codes ClickHouse gives for conditions that clear up by themselves: a replica or ZooKeeper
// away, a quorum not reached, too many parts or queries, timeouts, a table read-only while
// its ZooKeeper session is lost, and a table or database not there yet (18.16 answers queries
// before a restarted server has attached its replicated tables: seen in the cluster outage test).
constexpr std::array kTransientCodes = {60, 81, 159, 164, 202, 209, 210, 225, 236, 242, 252, 285, 286, 319, 999};
// The user is unknown or the password wrong.
constexpr std::array kCredentialCodes = {192, 193, 194, 516};
// 18.16 takes one quorum insert into a table at a time: while one waits for its replicas, the
// next is refused before anything is written ("Quorum for previous write has not been satisfied
// yet"). Such an insert is sent again after a wait that doubles from 2 ms to 100 ms, for as long
// as a quorum is waited for (kQuorumTimeout), so inserts from several threads and nodes take turns
// instead of failing; a previous write still unsatisfied after that has lost a replica.
constexpr int kQuorumBusyCode = 286;
constexpr std::chrono::milliseconds kQuorumTimeout{5000}, kFirstQuorumWait{2}, kLastQuorumWait{100};

std::string base64(std::string_view in) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < in.size(); i += 3) {
    uint32_t v = static_cast<uint8_t>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<uint8_t>(in[i + 1]) << 8;
    if (i + 2 < in.size()) v |= static_cast<uint8_t>(in[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += i + 2 < in.size() ? kAlphabet[v & 63] : '=';
  }
  return out;
}

std::string percent_encode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out += static_cast<char>(c);
    else out += fmt::format("%{:02X}", c);
  }
  return out;
}

// The first line of ClickHouse's error text, short enough for a log line and an error answer.
std::string first_line(const std::string& body) {
  std::string line = body.substr(0, body.find('\n'));
  if (line.size() > 300) line = line.substr(0, 300) + "...";
  return line;
}

}  // namespace

std::map<std::string, std::string> insert_settings(const Endpoint& endpoint) {
  if (endpoint.cluster.empty()) return {};
  return {{"insert_quorum", "2"}, {"insert_quorum_timeout", std::to_string(kQuorumTimeout.count())}};
}

int error_code_of(const std::string& body) {
  const auto at = body.find("Code: ");
  if (at == std::string::npos) return 0;
  return std::atoi(body.c_str() + at + 6);
}

ChClient::ChClient(Endpoint endpoint, Options options)
    : endpoint_(std::move(endpoint)),
      options_(options),
      authorization_("Basic " + base64(endpoint_.user + ":" + endpoint_.password)) {}

ChClient::~ChClient() = default;

Result<std::unique_ptr<ChConnection>> ChClient::acquire(Clock::time_point deadline) {
  {
    std::unique_lock lock(mu_);
    if (!freed_.wait_until(lock, deadline, [&] { return !idle_.empty() || open_ < options_.pool_size; }))
      return make_error(ErrorCode::unavailable, endpoint_.describe() + ": every connection is busy");
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      return conn;
    }
    ++open_;
  }
  auto conn = std::make_unique<ChConnection>();
  boost::system::error_code ec;
  asio::ip::tcp::resolver resolver(conn->ioc);
  auto found = resolver.resolve(endpoint_.host, endpoint_.port, ec);
  if (!ec) {
    ec = conn->run(std::min(deadline, Clock::now() + options_.connect_timeout),
                   [&](auto handler) { conn->stream.async_connect(found, handler); });
  }
  if (ec) {
    drop();
    return make_error(ErrorCode::unavailable, fmt::format("{} is unreachable: {}", endpoint_.describe(), ec.message()));
  }
  return conn;
}

void ChClient::give_back(std::unique_ptr<ChConnection> conn) {
  conn->reused = true;
  {
    std::lock_guard lock(mu_);
    idle_.push_back(std::move(conn));
  }
  freed_.notify_one();
}

void ChClient::drop() {
  {
    std::lock_guard lock(mu_);
    --open_;
  }
  freed_.notify_one();
}

Result<std::string> ChClient::query(const std::string& sql, const std::map<std::string, std::string>& settings) {
  // The whole result before the status line: an error half-way through a result would otherwise
  // arrive as the end of a 200 answer.
  auto all = settings;
  all.emplace("wait_end_of_query", "1");
  return call("", sql, all);
}

Result<std::string> ChClient::insert(const std::string& insert, const std::string& rows,
                                     const std::map<std::string, std::string>& settings) {
  return call(insert, rows, settings);
}

Result<std::string> ChClient::call(const std::string& target_query, const std::string& body,
                                   const std::map<std::string, std::string>& settings) {
  std::string target = "/?";
  if (!target_query.empty()) target += "query=" + percent_encode(target_query) + "&";
  for (const auto& [k, v] : settings) target += percent_encode(k) + "=" + percent_encode(v) + "&";
  target.pop_back();
  const auto deadline = Clock::now() + options_.query_timeout;
  const auto quorum_deadline = std::min(deadline, Clock::now() + kQuorumTimeout);
  auto quorum_wait = kFirstQuorumWait;
  bool stale_retried = false;
  for (;;) {
    auto got = acquire(deadline);
    if (!got) return got.error();
    std::unique_ptr<ChConnection> conn = std::move(*got);
    http::request<http::string_body> req{http::verb::post, target, 11};
    req.set(http::field::host, endpoint_.host);
    req.set(http::field::authorization, authorization_);
    req.keep_alive(true);
    req.body() = body;
    req.prepare_payload();
    auto ec = conn->run(deadline, [&](auto handler) { http::async_write(conn->stream, req, handler); });
    http::response_parser<http::string_body> parser;
    parser.body_limit(boost::none);
    if (!ec) ec = conn->run(deadline, [&](auto handler) { http::async_read(conn->stream, conn->buffer, parser, handler); });
    if (ec) {
      const bool stale = conn->reused && !stale_retried && ec != beast::error::timeout;
      conn.reset();
      drop();
      if (stale) {  // the server closed an idle connection: once more on a fresh one
        stale_retried = true;
        continue;
      }
      return make_error(ErrorCode::unavailable, fmt::format("{} did not answer: {}", endpoint_.describe(), ec.message()));
    }
    auto res = parser.release();
    if (res.keep_alive()) give_back(std::move(conn));
    else conn.reset(), drop();
    if (res.result() == http::status::ok) return std::move(res.body());
    const int code = error_code_of(res.body());
    if (code == kQuorumBusyCode && Clock::now() + quorum_wait < quorum_deadline) {
      std::this_thread::sleep_for(quorum_wait);
      quorum_wait = std::min(quorum_wait * 2, kLastQuorumWait);
      continue;
    }
    if (std::find(kCredentialCodes.begin(), kCredentialCodes.end(), code) != kCredentialCodes.end())
      return make_error(ErrorCode::unavailable,
                        fmt::format("{} refused user '{}': {}", endpoint_.describe(), endpoint_.user, first_line(res.body())));
    if (std::find(kTransientCodes.begin(), kTransientCodes.end(), code) != kTransientCodes.end() ||
        res.result_int() == 503)
      return make_error(ErrorCode::unavailable, fmt::format("{}: {}", endpoint_.describe(), first_line(res.body())));
    return make_error(ErrorCode::internal, fmt::format("{}: {}", endpoint_.describe(), first_line(res.body())));
  }
}

}  // namespace stacklens::clickhouse
