#pragma once
// Recomputing the cost of a project's stored spans after its prices changed: one background
// thread per recompute, at the prices in force when it started (span_costing.h's reprice),
// its progress written to the metadata store about twice a second so any node can show it.
#include <atomic>
#include <list>
#include <memory>
#include <mutex>
#include <thread>

#include "core/error.h"
#include "model/price.h"
#include "pricing/price_book.h"
#include "storage/meta_store.h"
#include "storage/span_store.h"

namespace stacklens::ingest {

// A recompute still "running" whose progress has not moved for this long was left by a node
// that stopped: it is reported as failed, and no longer holds its project.
inline constexpr Micros kRecomputeStalledUs = 60LL * 1000000;
// The state to show for a stored recompute at `now` (a stalled one reads as failed).
CostRecompute as_seen(CostRecompute job, Micros now);

class CostRecomputes {
 public:
  CostRecomputes(SpanStore& spans, MetaStore& meta, const pricing::PriceBook& prices)
      : spans_(spans), meta_(meta), prices_(prices) {}
  ~CostRecomputes();  // stops the running recomputes where they are (they read as failed)

  // Starts one; conflict while the project has one running.
  Result<CostRecompute> start(int64_t project_id, Micros from, Micros to, const std::string& started_by);

 private:
  void run(CostRecompute job, pricing::PriceSnapshot prices);

  SpanStore& spans_;
  MetaStore& meta_;
  const pricing::PriceBook& prices_;
  // A recompute's thread, and whether it has ended (joined and dropped at the next start).
  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> ended = std::make_shared<std::atomic<bool>>(false);
  };
  std::mutex mu_;
  bool stopping_ = false;
  std::list<Worker> workers_;
};

}  // namespace stacklens::ingest
