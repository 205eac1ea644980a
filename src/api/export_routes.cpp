// GET /stacktrace/v1/exports/spans: the spans of the traces a trace-list filter matches, as JSON
// Lines or CSV, streamed. Each export runs on a thread of its own (store reads block), producing
// the body a piece at a time and never more than one piece ahead of what the client has taken;
// a client that goes away drops the stream, which stops the thread.
#include <fmt/format.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "api/export_rows.h"
#include "api/request_helpers.h"
#include "api/routes.h"
#include "api/trace_filter_params.h"
#include "query/span_export.h"

namespace stacklens::api {
namespace bj = boost::json;
using boost::beast::http::verb;

namespace {

// The trace list's filters (not its paging: an export is every trace that matches), format,
// include, and project: a download link cannot send the X-StackLens-Project header.
constexpr auto kExportParams = [] {
  constexpr std::string_view own[] = {"format", "include", "project"};
  std::array<std::string_view, std::size(kTraceListParams) - 2 + std::size(own)> all{};
  auto at = std::copy_if(std::begin(kTraceListParams), std::end(kTraceListParams), all.begin(),
                         [](std::string_view p) { return !is_paging_param(p); });
  std::copy(std::begin(own), std::end(own), at);
  return all;
}();

// Exports running at once on a server; each holds a thread and a reader connection at a time.
constexpr int kMaxExports = 4;
// A piece is handed to the connection once it holds this much (or the export ends).
constexpr size_t kPieceBytes = 256 * 1024;

// The export threads of a server: at most kMaxExports at once, and at shutdown each stopped and
// waited for before the stores and keys it reads go. A connection waiting for its export's next
// piece is held only by that export (the piece it asked for), not by the server's I/O, so
// stopping the server's I/O alone would leave the thread reading on.
class RunningExports {
 public:
  struct Export {
    virtual ~Export() = default;
    virtual void stop() = 0;  // ends its thread soon, letting go of the connection it holds
  };

  // A thread for one more export; false at the limit or once stopping.
  bool admit() {
    std::lock_guard lock(mu_);
    if (stopping_ || threads_ >= kMaxExports) return false;
    ++threads_;
    return true;
  }
  // An admitted export did not start, or its thread ended (its state let go).
  void release() {
    {
      std::lock_guard lock(mu_);
      --threads_;
    }
    ended_.notify_all();
  }
  void add(std::weak_ptr<Export> e) {
    std::lock_guard lock(mu_);
    std::erase_if(exports_, [](const auto& w) { return w.expired(); });
    exports_.push_back(std::move(e));
  }
  void stop_all() {
    std::vector<std::weak_ptr<Export>> exports;
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
      exports.swap(exports_);
    }
    for (auto& w : exports)
      if (auto e = w.lock()) e->stop();
    std::unique_lock lock(mu_);
    ended_.wait(lock, [this] { return threads_ == 0; });
  }

 private:
  std::mutex mu_;
  std::condition_variable ended_;
  int threads_ = 0;
  bool stopping_ = false;
  std::vector<std::weak_ptr<Export>> exports_;
};

class SpanExportStream : public http::BodyStream {
 public:
  // `running` admitted this export.
  SpanExportStream(query::SpanExport walk, ExportFormat format, bool with_text, std::shared_ptr<RunningExports> running)
      : state_(std::make_shared<State>(std::move(walk), format, with_text)) {
    running->add(state_);
    thread_ = std::thread([state = state_, running = std::move(running)]() mutable {
      pthread_setname_np(pthread_self(), "sl-export");
      // Background work: the thread yields the cores to ingest and queries (Linux sets a
      // thread's own nice), so an export running beside them costs them little.
      (void)setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 19);
      state->run();
      state.reset();
      running->release();
    });
  }

  ~SpanExportStream() override {
    state_->stop();
    // The connection's last reference may go on the export's own thread (a piece handed to a
    // server shutting down drops it there): the thread then ends by itself, holding the state.
    if (thread_.get_id() == std::this_thread::get_id()) thread_.detach();
    else thread_.join();
  }

  void next(Ready ready) override { state_->next(std::move(ready)); }

 private:
  struct Piece {
    std::string bytes;
    bool failed = false;
  };

  // What the export's thread and the connection share.
  class State : public RunningExports::Export {
   public:
    State(query::SpanExport walk, ExportFormat format, bool with_text)
        : walk_(std::move(walk)), format_(format), with_text_(with_text) {}

    void next(Ready ready) {
      std::unique_lock lock(mu_);
      if (stopped_) {  // the server is stopping: the connection ends instead of waiting on
        lock.unlock();
        ready({}, true);
        return;
      }
      if (!ready_piece_) {
        waiting_ = std::move(ready);
        return;
      }
      Piece piece = std::move(*ready_piece_);
      ready_piece_.reset();
      lock.unlock();
      taken_.notify_all();
      ready(std::move(piece.bytes), piece.failed);
    }

    void stop() override {
      Ready dropped;  // let go outside the lock
      {
        std::lock_guard lock(mu_);
        stopped_ = true;
        dropped = std::move(waiting_);
        waiting_ = nullptr;
      }
      taken_.notify_all();
    }

    void run() {
      std::string bytes;
      append_export_header(bytes, format_, with_text_);
      for (;;) {
        auto trace = walk_.next_trace();
        if (!trace) {
          if (!stopped()) spdlog::error("export stopped: {}", trace.error().message);
          hand({std::move(bytes), true});
          return;
        }
        if (!*trace) break;
        for (const Span& s : **trace) append_export_row(bytes, s, format_, with_text_);
        if (bytes.size() >= kPieceBytes) {
          if (!hand({std::move(bytes), false})) return;
          bytes = {};
          bytes.reserve(kPieceBytes + kPieceBytes / 4);
        }
      }
      if (!bytes.empty() && !hand({std::move(bytes), false})) return;
      hand({});  // the end
    }

   private:
    bool stopped() {
      std::lock_guard lock(mu_);
      return stopped_;
    }

    // Hands a piece to the connection once it has taken the one before; false once it is gone.
    bool hand(Piece piece) {
      std::unique_lock lock(mu_);
      taken_.wait(lock, [&] { return stopped_ || !ready_piece_; });
      if (stopped_) return false;
      if (!waiting_) {
        ready_piece_ = std::move(piece);
        return true;
      }
      Ready ready = std::move(waiting_);
      waiting_ = nullptr;
      lock.unlock();
      ready(std::move(piece.bytes), piece.failed);
      return !stopped();
    }

    query::SpanExport walk_;
    const ExportFormat format_;
    const bool with_text_;
    std::mutex mu_;
    std::condition_variable taken_;
    std::optional<Piece> ready_piece_;  // produced, not yet asked for
    Ready waiting_;                     // asked for, not yet produced
    bool stopped_ = false;
  };

  std::shared_ptr<State> state_;
  std::thread thread_;
};

// "stacklens-spans-20260101T120000Z.csv"
std::string file_name(ExportFormat f) {
  std::string stamp = format_iso8601(now_micros()).substr(0, 19);
  std::erase(stamp, '-');
  std::erase(stamp, ':');
  return fmt::format("stacklens-spans-{}Z.{}", stamp, export_extension(f));
}

}  // namespace

void add_export_routes(http::Router& router, Services& s) {
  auto running = std::make_shared<RunningExports>();
  s.stop_exports = [running] { running->stop_all(); };
  add_product_route(
      router, verb::get, "/stacktrace/v1/exports/spans",
      guarded(s, Scope::traces_read, false, kExportParams,
              [&s, running](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                const std::string format_name = ctx.query_param("format").value_or("jsonl");
                const auto format = parse_export_format(format_name);
                if (!format)
                  return make_error(ErrorCode::bad_request,
                                    fmt::format("query parameter format must be jsonl or csv, got '{}'",
                                                format_name.substr(0, 64)));
                const std::string include = ctx.query_param("include").value_or("");
                if (!include.empty() && include != "text")
                  return make_error(ErrorCode::bad_request,
                                    fmt::format("query parameter include must be text (prompt and completion), got '{}'",
                                                include.substr(0, 64)));
                const bool with_text = include == "text";
                SL_TRY(filter, trace_filter(ctx));
                if (!running->admit())
                  return make_error(ErrorCode::overloaded,
                                    fmt::format("{} exports are running already; retry when one has finished", kMaxExports));
                query::SpanExport walk(s.traces, who.project_id, std::move(filter), with_text);
                if (auto st = walk.start(); !st) {
                  running->release();
                  return st.error();
                }
                http::Reply reply;
                reply.content_type = std::string(export_content_type(*format));
                reply.headers.emplace_back("Content-Disposition",
                                           fmt::format("attachment; filename=\"{}\"", file_name(*format)));
                reply.headers.emplace_back("Cache-Control", "no-store");
                reply.stream = std::make_shared<SpanExportStream>(std::move(walk), *format, with_text, running);
                return reply;
              }));
}

}  // namespace stacklens::api
