#pragma once
// HTTP/1.1 with keep-alive on Boost.Beast: an acceptor and one session per
// connection, on a pool of io threads. Bodies over the limit get 413, requests
// that do not parse get 400; every answer goes through the Router. Connections
// past the caps (in total, per client address) get 503 and are closed.
#include <atomic>
#include <chrono>
#include <boost/asio.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "http/body_pool.h"
#include "http/connection_limits.h"
#include "http/router.h"

namespace stacklens::http {

struct ServerOptions {
  std::string listen = "127.0.0.1";
  int port = 0;
  size_t max_body_bytes = 8 * 1024 * 1024;
  int threads = 2;
  // Memory that request bodies being read and handled may take at once, counted as
  // three times each body (the body, its parsed JSON, the spans made of it). A request
  // whose body does not fit gets 429 before its body is read, so memory stays bounded
  // whatever the number of connections.
  size_t inflight_body_budget = 96 * 1024 * 1024;
  // Connections open at once, in all and from one client address. The total is lowered at
  // start when the process may not open that many files (beside those the server needs).
  size_t max_connections = 1024;
  size_t max_connections_per_client = 512;
  // Time a connection has for each request, from the end of the previous answer to the last
  // byte of its body, and for each answer to be taken: a slow or silent client is closed.
  std::chrono::seconds read_timeout{60};
};

// Shared by all connections: bytes reserved by requests in flight.
class BodyBudget {
 public:
  explicit BodyBudget(size_t limit) : limit_(limit) {}
  bool try_reserve(size_t bytes);
  void release(size_t bytes) { used_.fetch_sub(bytes); }

 private:
  const size_t limit_;
  std::atomic<size_t> used_{0};
};

using RequestObserver = std::function<void(const std::string& route, int status)>;

class Server {
 public:
  Server(const Router& router, ServerOptions options, RequestObserver observer);
  ~Server();
  // Binds and starts accepting; returns the bound port.
  Result<int> start();
  // Stops accepting new connections; existing ones finish their request.
  void stop_accepting();
  // Stops the io threads and joins them.
  void stop();
  boost::asio::io_context& io() { return ioc_; }

 private:
  void accept();
  void refuse(boost::asio::ip::tcp::socket socket, const Error& why);
  const Router& router_;
  ServerOptions options_;
  RequestObserver observer_;
  BodyBudget budget_;
  BodyPool bodies_;
  // Before ioc_: connections still queued in it when it is destroyed give their places back here.
  std::optional<ConnectionLimits> limits_;
  // Refused connections still being answered and closed; past a few, they are closed at once.
  std::atomic<int> refusing_{0};
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer accept_retry_;
  int64_t refused_unlogged_ = 0;
  std::chrono::steady_clock::time_point refusal_logged_{};
  std::vector<std::thread> threads_;
  std::unique_ptr<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
};

}  // namespace stacklens::http
