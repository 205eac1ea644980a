// StackLens load generator: sends realistic spans to a running server over
// keep-alive HTTP/1.1 connections and reports acknowledged spans per second and
// request latency percentiles. Every span is acknowledged only after commit, so
// the figures are durable throughput.
//
//   loadgen --url http://127.0.0.1:8480 --key sl-... --mode batch --connections 4 --batch 1000 --duration 60
//   loadgen ... --mode single --connections 64 --duration 30
//   loadgen ... --rate 10000           (spans per second across all connections; 0 = as fast as possible)
//   loadgen ... --span-log FILE        (write "traceId spanId" of every acknowledged span, for loss checks)
//   loadgen ... --total-spans N        (stop after N acknowledged spans)
//   loadgen ... --time-window S --total-spans N --chronological 1   (backfill S seconds in time order)
//   loadgen ... --sessions 1           (root spans carry session_id and user_id attributes)
//   loadgen ... --pii 1                (prompt and completion text carries personal data now and then)
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "span_factory.h"

namespace {

volatile std::sig_atomic_t g_interrupted = 0;  // SIGTERM or SIGINT: end the run early

struct Options {
  std::string host = "127.0.0.1";
  int port = 8480;
  std::string key;
  std::string mode = "batch";
  int connections = 4;
  int batch = 1000;
  double duration = 10;
  double rate = 0;
  std::string span_log;
  uint64_t seed = 1;
  int projects = 1;  // ignored by the server (the key decides); kept for symmetry with seed scripts
  int64_t time_window_s = 0;  // spread start times over this many seconds before now (0: now)
  int64_t total_spans = 0;    // stop once this many spans are acknowledged (0: run for --duration)
  bool chronological = false;  // with --time-window and --total-spans: start times in order over the window
  bool sessions = false;       // root spans carry session_id and user_id attributes
  bool pii = false;            // prompt and completion text carries personal data (GovernAI's cost)
};

struct Stats {
  std::mutex mu;
  std::vector<double> latencies_ms;
  std::atomic<int64_t> spans_acked{0}, requests_ok{0}, requests_429{0}, requests_other{0}, errors{0};
  std::atomic<int64_t> bytes_acked{0};  // request bodies of acknowledged requests
};

int connect_to(const Options& o) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(o.port));
  ::inet_pton(AF_INET, o.host.c_str(), &addr.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

// Sends the request's header and body as they are (one sendmsg of both while the socket takes it).
bool send_request(int fd, const std::string& header, const std::string& body) {
  iovec iov[2] = {{const_cast<char*>(header.data()), header.size()}, {const_cast<char*>(body.data()), body.size()}};
  size_t first = 0;
  while (first < 2) {
    msghdr msg{};
    msg.msg_iov = iov + first;
    msg.msg_iovlen = 2 - first;
    const ssize_t n = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
    if (n <= 0) return false;
    size_t left = static_cast<size_t>(n);
    for (; first < 2 && left >= iov[first].iov_len; ++first) left -= iov[first].iov_len;
    if (first < 2) {
      iov[first].iov_base = static_cast<char*>(iov[first].iov_base) + left;
      iov[first].iov_len -= left;
    }
  }
  return true;
}

// Takes one complete HTTP response off the front of `buf`: its status, or 0 while incomplete.
int take_response(std::string& buf, std::string& body) {
  size_t hdr_end = buf.find("\r\n\r\n");
  if (hdr_end == std::string::npos) return 0;
  int status = std::atoi(buf.c_str() + 9);
  size_t len = 0;
  size_t cl = buf.find("Content-Length: ");
  if (cl == std::string::npos || cl > hdr_end) cl = buf.find("content-length: ");
  if (cl != std::string::npos && cl < hdr_end) len = std::strtoul(buf.c_str() + cl + 16, nullptr, 10);
  if (buf.size() < hdr_end + 4 + len) return 0;
  body = buf.substr(hdr_end + 4, len);
  buf.erase(0, hdr_end + 4 + len);
  return status;
}

// Reads one HTTP response; returns the status code (0 on failure) and the body.
int read_response(int fd, std::string& buf, std::string& body) {
  for (;;) {
    if (int status = take_response(buf, body)) return status;
    char tmp[65536];
    ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
    if (n <= 0) return 0;
    buf.append(tmp, static_cast<size_t>(n));
  }
}

std::string http_header(const Options& o, const std::string& path, size_t content_length) {
  return "POST " + path + " HTTP/1.1\r\nHost: " + o.host + "\r\nX-Api-Key: " + o.key +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(content_length) + "\r\n\r\n";
}

// Many connections on one thread (epoll), so that a 2-core machine spends its
// time on the server rather than on the load generator's thread switches.
void epoll_worker(const Options& o, int id, int connections, Stats& stats, std::atomic<bool>& stop,
                  std::ofstream* log, std::mutex& log_mu) {
  struct Conn {
    int fd = -1;
    std::string buf;
    int spans = 0;
    size_t bytes = 0;
    std::vector<std::string> span_ids;
    std::chrono::steady_clock::time_point t0;
  };
  const int64_t share = o.chronological && o.total_spans > 0 ? o.total_spans / std::min(o.connections, 2) : 0;
  stacklens::bench::SpanFactory factory(o.seed * 1000 + static_cast<uint64_t>(id), o.time_window_s, share, o.sessions,
                                        o.pii);
  const bool single = o.mode == "single";
  const std::string path = single ? "/api/v1/stacktrace/v1/traces" : "/api/v1/stacktrace/v1/traces/batch";
  const int ep = ::epoll_create1(0);
  std::vector<Conn> conns(static_cast<size_t>(connections));
  std::vector<double> local;
  auto send_next = [&](size_t i) {
    Conn& c = conns[i];
    if (c.fd < 0) {
      c.fd = connect_to(o);
      if (c.fd < 0) {
        stats.errors++;
        return false;
      }
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u64 = i;
      ::epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
    }
    c.span_ids.clear();
    c.spans = single ? 1 : o.batch;
    std::vector<std::string>* ids = log ? &c.span_ids : nullptr;
    // A batch is rewritten in place in the factory (a fresh 2.3 MB copy per batch cost more
    // CPU than the rest of the load generator); it is sent in full before the next is made.
    const std::string& payload = factory.next_body(single, c.spans, ids);
    c.bytes = payload.size();
    c.t0 = std::chrono::steady_clock::now();
    if (send_request(c.fd, http_header(o, path, payload.size()), payload)) return true;
    ::close(c.fd);
    c.fd = -1;
    c.buf.clear();
    stats.errors++;
    return false;
  };
  for (size_t i = 0; i < conns.size(); ++i) send_next(i);
  std::vector<epoll_event> events(conns.size());
  std::string body;
  while (!stop.load(std::memory_order_relaxed)) {
    const int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), 50);
    for (int e = 0; e < n; ++e) {
      const size_t i = events[static_cast<size_t>(e)].data.u64;
      Conn& c = conns[i];
      char tmp[65536];
      const ssize_t got = ::recv(c.fd, tmp, sizeof tmp, 0);
      if (got <= 0) {
        ::close(c.fd);
        c.fd = -1;
        c.buf.clear();
        stats.errors++;
        send_next(i);
        continue;
      }
      c.buf.append(tmp, static_cast<size_t>(got));
      const int status = take_response(c.buf, body);
      if (status == 0) continue;
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - c.t0).count();
      if (status == 200) {
        stats.requests_ok++;
        stats.spans_acked += c.spans;
        stats.bytes_acked += static_cast<int64_t>(c.bytes);
        local.push_back(ms);
        if (log) {
          std::lock_guard lock(log_mu);
          for (const auto& t : c.span_ids) *log << t << "\n";
        }
      } else if (status == 429 || status == 503) {
        stats.requests_429++;
      } else {
        stats.requests_other++;
        if (stats.requests_other < 5) std::fprintf(stderr, "status %d: %s\n", status, body.substr(0, 300).c_str());
      }
      if (!stop.load(std::memory_order_relaxed)) send_next(i);
    }
    for (size_t i = 0; i < conns.size(); ++i)
      if (conns[i].fd < 0 && !stop.load(std::memory_order_relaxed)) send_next(i);
  }
  for (auto& c : conns)
    if (c.fd >= 0) ::close(c.fd);
  ::close(ep);
  std::lock_guard lock(stats.mu);
  stats.latencies_ms.insert(stats.latencies_ms.end(), local.begin(), local.end());
}

void worker(const Options& o, int id, Stats& stats, std::atomic<bool>& stop, std::ofstream* log, std::mutex& log_mu,
            double per_conn_rate) {
  stacklens::bench::SpanFactory factory(o.seed * 1000 + static_cast<uint64_t>(id), o.time_window_s, 0, o.sessions, o.pii);
  int fd = connect_to(o);
  std::string buf, body;
  const bool single = o.mode == "single";
  const std::string path = single ? "/api/v1/stacktrace/v1/traces" : "/api/v1/stacktrace/v1/traces/batch";
  std::vector<double> local;
  auto next_send = std::chrono::steady_clock::now();
  while (!stop.load(std::memory_order_relaxed)) {
    if (fd < 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      fd = connect_to(o);
      continue;
    }
    std::vector<std::string> span_ids;
    int n = single ? 1 : o.batch;
    const std::string& payload = factory.next_body(single, n, log ? &span_ids : nullptr);
    const std::string header = http_header(o, path, payload.size());
    if (per_conn_rate > 0) {
      next_send += std::chrono::duration_cast<std::chrono::steady_clock::duration>(
          std::chrono::duration<double>(n / per_conn_rate));
      std::this_thread::sleep_until(next_send);
    }
    auto t0 = std::chrono::steady_clock::now();
    if (!send_request(fd, header, payload)) {
      ::close(fd);
      fd = -1;
      stats.errors++;
      continue;
    }
    int status = read_response(fd, buf, body);
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (status == 0) {
      ::close(fd);
      fd = -1;
      buf.clear();
      stats.errors++;
      continue;
    }
    if (status == 200) {
      stats.requests_ok++;
      stats.spans_acked += n;
      stats.bytes_acked += static_cast<int64_t>(payload.size());
      local.push_back(ms);
      if (log) {
        std::lock_guard lock(log_mu);
        for (const auto& t : span_ids) *log << t << "\n";
      }
    } else if (status == 429 || status == 503) {
      stats.requests_429++;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    } else {
      stats.requests_other++;
      if (stats.requests_other < 5) std::fprintf(stderr, "status %d: %s\n", status, body.substr(0, 300).c_str());
    }
  }
  if (fd >= 0) ::close(fd);
  std::lock_guard lock(stats.mu);
  stats.latencies_ms.insert(stats.latencies_ms.end(), local.begin(), local.end());
}

double pct(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i], v = argv[i + 1];
    if (a == "--url") {
      auto p = v.find("://");
      std::string hp = p == std::string::npos ? v : v.substr(p + 3);
      auto c = hp.find(':');
      o.host = hp.substr(0, c);
      if (o.host == "localhost") o.host = "127.0.0.1";
      o.port = c == std::string::npos ? 80 : std::atoi(hp.c_str() + c + 1);
    } else if (a == "--key") o.key = v;
    else if (a == "--mode") o.mode = v;
    else if (a == "--connections") o.connections = std::atoi(v.c_str());
    else if (a == "--batch") o.batch = std::atoi(v.c_str());
    else if (a == "--duration") o.duration = std::atof(v.c_str());
    else if (a == "--rate") o.rate = std::atof(v.c_str());
    else if (a == "--span-log") o.span_log = v;
    else if (a == "--seed") o.seed = std::strtoull(v.c_str(), nullptr, 10);
    else if (a == "--time-window") o.time_window_s = std::atoll(v.c_str());
    else if (a == "--total-spans") o.total_spans = std::atoll(v.c_str());
    else if (a == "--chronological") o.chronological = v == "1" || v == "true";
    else if (a == "--sessions") o.sessions = v == "1" || v == "true";
    else if (a == "--pii") o.pii = v == "1" || v == "true";
    else {
      std::fprintf(stderr, "unknown option %s\n", a.c_str());
      return 2;
    }
  }
  if (o.key.empty()) {
    std::fprintf(stderr, "--key is required\n");
    return 2;
  }
  Stats stats;
  std::atomic<bool> stop{false};
  std::ofstream log;
  std::mutex log_mu;
  if (!o.span_log.empty()) log.open(o.span_log);
  std::vector<std::thread> threads;
  const double per_conn = o.rate > 0 ? o.rate / o.connections : 0;
  auto t0 = std::chrono::steady_clock::now();
  if (o.rate > 0) {
    // Paced load: a blocking thread per connection, each sleeping to its own schedule.
    for (int i = 0; i < o.connections; ++i)
      threads.emplace_back(worker, std::cref(o), i, std::ref(stats), std::ref(stop), log.is_open() ? &log : nullptr,
                           std::ref(log_mu), per_conn);
  } else {
    const int n_threads = std::min(o.connections, 2);
    for (int t = 0; t < n_threads; ++t)
      threads.emplace_back(epoll_worker, std::cref(o), t, o.connections / n_threads + (t < o.connections % n_threads),
                           std::ref(stats), std::ref(stop), log.is_open() ? &log : nullptr, std::ref(log_mu));
  }
  // SIGTERM or SIGINT ends the run early, with its figures printed as usual.
  struct sigaction sa {};
  sa.sa_handler = [](int) { g_interrupted = 1; };
  ::sigaction(SIGTERM, &sa, nullptr);
  ::sigaction(SIGINT, &sa, nullptr);
  int64_t last = 0, acked_minute_ago = 0, failed_minute_ago = 0;
  bool gave_up = false;
  if (o.total_spans > 0) o.duration = 1e9;
  for (int s = 1; s <= static_cast<int>(std::min(o.duration, 1e9)) && !g_interrupted; ++s) {
    std::this_thread::sleep_until(t0 + std::chrono::seconds(s));
    int64_t now = stats.spans_acked.load();
    std::fprintf(stderr, "t=%3ds acked spans/s=%lld\n", s, static_cast<long long>(now - last));
    last = now;
    if (o.total_spans > 0 && now >= o.total_spans) break;
    // Counting toward a total, a whole minute in which nothing was acknowledged and requests
    // failed (e.g. 507 on a full disk) ends the run instead of retrying for ever.
    if (o.total_spans > 0 && s % 60 == 0) {
      const int64_t failed = stats.requests_other.load() + stats.errors.load();
      if (now == acked_minute_ago && failed > failed_minute_ago) {
        std::fprintf(stderr, "nothing acknowledged for 60 s while requests failed: giving up\n");
        gave_up = true;
        break;
      }
      acked_minute_ago = now;
      failed_minute_ago = failed;
    }
  }
  if (o.total_spans == 0 && !g_interrupted)
    std::this_thread::sleep_until(t0 + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                           std::chrono::duration<double>(o.duration)));
  stop = true;
  for (auto& t : threads) t.join();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto& lat = stats.latencies_ms;
  std::sort(lat.begin(), lat.end());
  std::printf(
      "mode=%s connections=%d batch=%d duration=%.1fs acked_spans=%lld spans_per_s=%.0f requests_per_s=%.0f "
      "p50_ms=%.2f p99_ms=%.2f max_ms=%.2f rejected_429=%lld other_status=%lld transport_errors=%lld "
      "wire_bytes_per_span=%.0f\n",
      o.mode.c_str(), o.connections, o.mode == "single" ? 1 : o.batch, secs,
      static_cast<long long>(stats.spans_acked.load()), stats.spans_acked.load() / secs,
      stats.requests_ok.load() / secs, pct(lat, 0.5), pct(lat, 0.99), lat.empty() ? 0 : lat.back(),
      static_cast<long long>(stats.requests_429.load()), static_cast<long long>(stats.requests_other.load()),
      static_cast<long long>(stats.errors.load()),
      stats.spans_acked.load() ? static_cast<double>(stats.bytes_acked.load()) / stats.spans_acked.load() : 0.0);
  return gave_up ? 1 : 0;
}
