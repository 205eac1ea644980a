#include <pthread.h>

#include "http/server.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace stacklens::http {

namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr size_t kBodyCostFactor = 3;

// Files the process keeps open beside connections (databases and their readers, logs,
// refusals being answered): the connection cap is lowered to leave room for them.
constexpr size_t kFilesKept = 256;
// Refused connections answered at once; past this, a refused connection is closed unanswered.
constexpr int kMaxRefusing = 64;
// A refused client has this long to take the answer and close its side.
constexpr auto kRefusalLinger = std::chrono::seconds(2);
constexpr auto kRefusalLogEvery = std::chrono::seconds(10);
// After a failed accept (out of file descriptors), wait before the next rather than spin.
constexpr auto kAcceptRetry = std::chrono::milliseconds(100);

template <typename Body>
void set_header(bhttp::response<Body>& response, const Reply& reply, bool keep_alive) {
  response.version(11);
  response.result(static_cast<unsigned>(reply.status));
  response.set(bhttp::field::server, "stacklens");
  if (!reply.content_type.empty()) response.set(bhttp::field::content_type, reply.content_type);  // 304: none
  // No answer of ours is to be read as another type than the one it names.
  response.set("X-Content-Type-Options", "nosniff");
  for (const auto& [k, v] : reply.headers) response.set(k, v);
  response.keep_alive(keep_alive);
}

std::shared_ptr<bhttp::response<bhttp::string_body>> to_response(Reply reply, bool keep_alive) {
  auto response = std::make_shared<bhttp::response<bhttp::string_body>>();
  set_header(*response, reply, keep_alive);
  response->body() = std::move(reply.body);
  response->prepare_payload();
  return response;
}

// Answers a connection past the caps with 503 and closes it. The request the client may have
// sent is read and dropped until it closes its side (for at most kRefusalLinger): closing with
// unread bytes would reset the connection and could lose the answer on the client's side.
class Refusal : public std::enable_shared_from_this<Refusal> {
 public:
  Refusal(tcp::socket socket, const Error& why, std::atomic<int>& refusing)
      : stream_(std::move(socket)), response_(to_response(error_reply(why), false)), refusing_(refusing) {
    ++refusing_;
  }
  ~Refusal() { --refusing_; }

  void run() {
    stream_.expires_after(kRefusalLinger);
    bhttp::async_write(stream_, *response_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return;
      self->stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
      self->drain();
    });
  }

 private:
  void drain() {
    stream_.async_read_some(net::buffer(sink_), [self = shared_from_this()](beast::error_code ec, size_t) {
      if (!ec) self->drain();
    });
  }

  beast::tcp_stream stream_;
  std::shared_ptr<bhttp::response<bhttp::string_body>> response_;
  std::atomic<int>& refusing_;
  char sink_[4096];
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, ConnectionLimits::Slot slot, const Router& router, const ServerOptions& options,
          const RequestObserver& observer, BodyBudget& budget, BodyPool& bodies)
      : slot_(std::move(slot)),
        stream_(std::move(socket)),
        router_(router),
        max_body_(options.max_body_bytes),
        timeout_(options.read_timeout),
        observer_(observer),
        budget_(budget),
        bodies_(bodies) {}
  ~Session() { release_budget(); }

  void run() { net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read(); }); }

 private:
  void read() {
    release_budget();
    bodies_.give(std::move(request_.body()));
    request_ = {};
    parser_.emplace();
    parser_->body_limit(max_body_);
    parser_->header_limit(64 * 1024);
    // One deadline for the whole request: a client trickling its header or body a byte at a
    // time cannot hold the connection longer than an idle one.
    stream_.expires_after(timeout_);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = shared_from_this()](beast::error_code ec, size_t) { self->on_header(ec); });
  }

  // The header is in: reserve memory for the body before reading it.
  void on_header(beast::error_code ec) {
    if (ec) return on_read(ec);
    const size_t body = parser_->content_length() ? static_cast<size_t>(*parser_->content_length())
                                                  : (parser_->chunked() ? max_body_ : 0);
    if (body > max_body_) return on_read(bhttp::error::body_limit);
    if (body > 0) {
      if (!budget_.try_reserve(body * kBodyCostFactor))
        return send_error(make_error(ErrorCode::overloaded,
                                     "server is busy receiving other requests; retry after the Retry-After delay"),
                          false);
      reserved_ = body * kBodyCostFactor;
    }
    if (parser_->content_length() && !parser_->chunked() && body > 0) return read_body(body);
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
  }

  // A body of known length is read straight into its final string, in as few receive calls as
  // the socket allows, rather than through the parser in 64 KiB steps and a copy: those steps
  // were a large share of the HTTP threads' time under batched ingest.
  void read_body(size_t length) {
    body_ = bodies_.take(length);
    const size_t buffered = std::min(buffer_.size(), length);
    net::buffer_copy(net::buffer(body_.data(), buffered), buffer_.data());
    buffer_.consume(buffered);
    if (buffered == length) return on_body({});
    net::async_read(stream_, net::buffer(body_.data() + buffered, length - buffered),
                    [self = shared_from_this()](beast::error_code ec, size_t) { self->on_body(ec); });
  }

  void on_body(beast::error_code ec) {
    if (ec) return on_read(ec);
    Request request = parser_->release();
    request.body() = std::move(body_);
    body_ = {};
    dispatch(std::move(request));
  }

  void release_budget() {
    if (reserved_) budget_.release(reserved_);
    reserved_ = 0;
  }

  void on_read(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == net::error::eof || ec == beast::error::timeout ||
        ec == net::error::connection_reset || ec == net::error::operation_aborted)
      return close();
    if (ec == bhttp::error::body_limit) {
      return send_error(make_error(ErrorCode::payload_too_large,
                                   fmt::format("request body is larger than the limit of {} bytes", max_body_)),
                        false);
    }
    if (ec == bhttp::error::header_limit)
      return send_error(make_error(ErrorCode::bad_request, "request headers are too large"), false);
    if (ec) return send_error(make_error(ErrorCode::bad_request, "malformed HTTP request: " + ec.message()), false);
    dispatch(parser_->release());
  }

  void dispatch(Request request) {
    request_ = std::move(request);
    keep_alive_ = request_.keep_alive();
    auto self = shared_from_this();
    auto executor = stream_.get_executor();
    router_.dispatch(
        request_,
        [self, executor](Reply reply) {
          net::post(executor, [self, reply = std::move(reply)]() mutable { self->write(std::move(reply)); });
        },
        route_);
  }

  void send_error(const Error& e, bool keep_alive) {
    keep_alive_ = keep_alive;
    route_ = "unmatched";
    write(error_reply(e));
  }

  void write(Reply reply) {
    if (observer_) observer_(route_, reply.status);
    if (reply.stream) return write_stream(std::move(reply));
    response_ = to_response(std::move(reply), keep_alive_);
    stream_.expires_after(timeout_);
    bhttp::async_write(stream_, *response_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec || !self->keep_alive_) return self->close();
      self->read();
    });
  }

  // A streamed body: the header with chunked transfer encoding, then a chunk per piece, asking the
  // stream for the next piece only once the last is written. A failed write (the client went
  // away) or a failed piece drops the stream and closes the connection.
  void write_stream(Reply reply) {
    body_stream_ = std::move(reply.stream);
    auto head = std::make_shared<bhttp::response<bhttp::empty_body>>();
    set_header(*head, reply, keep_alive_);
    head->chunked(true);
    auto serializer = std::make_shared<bhttp::response_serializer<bhttp::empty_body>>(*head);
    stream_.expires_after(timeout_);
    bhttp::async_write_header(stream_, *serializer,
                              [self = shared_from_this(), head, serializer](beast::error_code ec, size_t) {
                                if (ec) return self->end_stream();
                                self->next_piece();
                              });
  }

  void next_piece() {
    // `ready` runs on the producer's thread: it moves its reference to the session into the
    // posted handler, so the session is never destroyed there.
    body_stream_->next([self = shared_from_this(), executor = stream_.get_executor()](std::string piece,
                                                                                     bool failed) mutable {
      net::post(executor, [self = std::move(self), piece = std::move(piece), failed]() mutable {
        self->write_piece(std::move(piece), failed);
      });
    });
  }

  void write_piece(std::string piece, bool failed) {
    if (failed) return end_stream();
    piece_ = std::move(piece);
    stream_.expires_after(timeout_);
    if (piece_.empty()) {
      body_stream_.reset();
      return net::async_write(stream_, bhttp::make_chunk_last(),
                              [self = shared_from_this()](beast::error_code ec, size_t) {
                                if (ec || !self->keep_alive_) return self->close();
                                self->read();
                              });
    }
    net::async_write(stream_, bhttp::make_chunk(net::buffer(piece_)),
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       if (ec) return self->end_stream();
                       self->next_piece();
                     });
  }

  void end_stream() {
    body_stream_.reset();
    close();
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.socket().close(ec);
  }

  ConnectionLimits::Slot slot_;  // first: given back only after the socket is closed
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  const Router& router_;
  size_t max_body_;
  std::chrono::seconds timeout_;
  const RequestObserver& observer_;
  BodyBudget& budget_;
  BodyPool& bodies_;
  size_t reserved_ = 0;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::string body_;
  Request request_;
  std::shared_ptr<bhttp::response<bhttp::string_body>> response_;
  std::shared_ptr<BodyStream> body_stream_;
  std::string piece_;
  std::string route_;
  bool keep_alive_ = true;
};

}  // namespace

bool BodyBudget::try_reserve(size_t bytes) {
  size_t used = used_.load();
  // One request may always proceed when nothing else is in flight, however large.
  do {
    if (used > 0 && used + bytes > limit_) return false;
  } while (!used_.compare_exchange_weak(used, used + bytes));
  return true;
}

Server::Server(const Router& router, ServerOptions options, RequestObserver observer)
    : router_(router),
      options_(std::move(options)),
      observer_(std::move(observer)),
      budget_(options_.inflight_body_budget),
      acceptor_(net::make_strand(ioc_)),
      accept_retry_(acceptor_.get_executor()) {}

Server::~Server() { stop(); }

Result<int> Server::start() {
  beast::error_code ec;
  auto address = net::ip::make_address(options_.listen, ec);
  if (ec) return make_error(ErrorCode::bad_request, fmt::format("listen address '{}' is invalid", options_.listen));
  tcp::endpoint endpoint(address, static_cast<unsigned short>(options_.port));
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    return make_error(ErrorCode::unavailable,
                      fmt::format("cannot listen on {}:{}: {}", options_.listen, options_.port, ec.message()));
  const int port = acceptor_.local_endpoint().port();
  const size_t files = raise_open_file_limit();
  size_t total = options_.max_connections;
  if (files < total + kFilesKept) {
    total = files > 2 * kFilesKept ? files - kFilesKept : files / 2;
    spdlog::warn("max-connections {} lowered to {}: the process may open {} files (ulimit -n)",
                 options_.max_connections, total, files);
  }
  limits_.emplace(total, std::min(options_.max_connections_per_client, total));
  work_ = std::make_unique<net::executor_work_guard<net::io_context::executor_type>>(ioc_.get_executor());
  accept();
  for (int i = 0; i < options_.threads; ++i)
    threads_.emplace_back([this] {
      pthread_setname_np(pthread_self(), "sl-http");
      ioc_.run();
    });
  return port;
}

void Server::accept() {
  acceptor_.async_accept(net::make_strand(ioc_), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
      spdlog::warn("accept failed: {}", ec.message());
      accept_retry_.expires_after(kAcceptRetry);
      accept_retry_.async_wait([this](beast::error_code ec) {
        if (!ec && acceptor_.is_open()) accept();
      });
      return;
    }
    const auto peer = socket.remote_endpoint(ec);
    if (ec) {  // gone already
      accept();
      return;
    }
    auto slot = limits_->admit(peer.address());
    if (!slot) {
      refuse(std::move(socket), slot.error());
    } else {
      socket.set_option(tcp::no_delay(true), ec);
      std::make_shared<Session>(std::move(socket), std::move(*slot), router_, options_, observer_, budget_, bodies_)
          ->run();
    }
    accept();
  });
}

// On the acceptor's strand.
void Server::refuse(tcp::socket socket, const Error& why) {
  ++refused_unlogged_;
  const auto now = std::chrono::steady_clock::now();
  if (now - refusal_logged_ >= kRefusalLogEvery) {
    spdlog::warn("refused {} connection(s) past the caps; the last: {}", refused_unlogged_, why.message);
    refused_unlogged_ = 0;
    refusal_logged_ = now;
  }
  if (refusing_.load() >= kMaxRefusing) return;  // the socket closes unanswered
  std::make_shared<Refusal>(std::move(socket), why, refusing_)->run();
}

void Server::stop_accepting() {
  net::post(acceptor_.get_executor(), [this] {
    beast::error_code ec;
    acceptor_.close(ec);
    accept_retry_.cancel();
  });
}

void Server::stop() {
  work_.reset();
  ioc_.stop();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

}  // namespace stacklens::http
