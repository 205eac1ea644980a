#pragma once
// Retention: each project with a retention period (MetaStore: Project::retention_days) has what
// the span store keeps of traces that began more than that many days ago removed
// (SpanStore::expire), a pass over every project soon after start and then every interval, on
// a thread of its own. The store removes in short steps, so ingest goes on beside a pass.
// Every node of a cluster runs passes; the stores make a second removal a no-op.
#include <chrono>
#include <mutex>

#include "core/error.h"
#include "core/periodic.h"
#include "storage/meta_store.h"
#include "storage/span_store.h"

namespace stacklens::ingest {

class Retention {
 public:
  Retention(MetaStore& meta, SpanStore& spans) : meta_(meta), spans_(spans) {}
  ~Retention() { stop(); }
  // One pass over every project now; the spans removed.
  Result<int64_t> run_once();
  // Passes every `every` (the first a few seconds after start), until stop().
  void start(std::chrono::seconds every);
  void stop();

 private:
  MetaStore& meta_;
  SpanStore& spans_;
  std::mutex run_mu_;  // one pass at a time
  Periodic passes_;
};

}  // namespace stacklens::ingest
