#pragma once
// The single writer: request threads seal and enqueue spans, one thread commits
// whatever has queued up in one transaction (group commit) and only then tells
// each request its spans are stored. The queue is bounded; when full, submit()
// refuses at once so ingest can answer 429 instead of growing without limit.
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "core/error.h"
#include "crypto/sealer.h"
#include "model/span.h"
#include "observability/metrics.h"
#include "pricing/price_book.h"
#include "storage/span_store.h"

namespace stacklens::ingest {

struct WriterHealth {
  bool ok = true;
  std::string problem;  // why not ok: storage full, stuck, stopped...
};

// Something that acts on spans once they are stored (evaluation rules): pick() sees each
// submitted batch on the request thread, before it is sealed, and notes the spans it wants;
// committed() gets those notes on the writer thread once their batch is stored (never when its
// commit failed). pick() must be cheap: it runs on the ingest path.
struct SpanNote {
  int64_t project_id = 0;
  int64_t tag = 0;  // the watcher's own (a rule's id)
  std::string trace_id, span_id;
};
class CommitWatcher {
 public:
  virtual ~CommitWatcher() = default;
  virtual void pick(const std::vector<Span>& spans, std::vector<SpanNote>& notes) = 0;
  virtual void committed(std::vector<SpanNote> notes) = 0;
};

class SpanWriter {
 public:
  using Done = std::function<void(Status)>;
  SpanWriter(SpanStore& store, const Sealer& sealer, const pricing::PriceBook& prices, Metrics& metrics,
             size_t max_queue_spans, size_t max_batch_spans);
  ~SpanWriter();

  // Prices the spans (span_costing.h), seals prompt/completion text and queues them. `done` runs on the writer
  // thread after the commit (or failure). Refused spans never reach `done`.
  Status submit(std::vector<Span> spans, Done done);
  // Stops taking spans, commits everything queued, joins the thread.
  void stop();
  WriterHealth health() const;
  // Set before spans arrive; outlives the writer's thread (stop() first).
  void set_watcher(CommitWatcher* watcher) { watcher_ = watcher; }

 private:
  struct Pending {
    std::vector<SpanRecord> records;
    Done done;
    std::vector<SpanNote> notes;  // for the watcher
  };
  void run();

  SpanStore& store_;
  const Sealer& sealer_;
  const pricing::PriceBook& prices_;
  Metrics& metrics_;
  const size_t max_queue_spans_, max_batch_spans_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;
  size_t queued_spans_ = 0;
  bool stopping_ = false;
  Micros last_progress_us_ = 0;
  std::optional<Error> last_error_;
  Micros last_error_us_ = 0;
  std::mutex garbage_mu_;
  std::vector<std::vector<Pending>> garbage_;  // committed requests, freed by the next submit()
  CommitWatcher* watcher_ = nullptr;
  std::thread thread_;
};

}  // namespace stacklens::ingest
