#pragma once
// The projects' own model prices, from the metadata store into the PriceBook: loaded on start,
// again right after a change made through this node, and whenever the store's price revision
// moved (another node's change), polled every second.
#include <mutex>

#include "core/error.h"
#include "core/periodic.h"
#include "model/price.h"
#include "pricing/price_book.h"
#include "storage/meta_store.h"

namespace stacklens::ingest {

// A stored price's definition, as the API and the price table read it.
Result<pricing::PriceDefinition> definition_of(const ModelPrice& price);

class ProjectPrices {
 public:
  ProjectPrices(MetaStore& meta, pricing::PriceBook& book) : meta_(meta), book_(book) {}
  ~ProjectPrices() { stop(); }
  // Reads every project's prices now.
  Status reload();
  // Polls the revision every `every` on a thread of its own, until stop().
  void start(std::chrono::milliseconds every = std::chrono::milliseconds(1000));
  void stop();

 private:
  MetaStore& meta_;
  pricing::PriceBook& book_;
  std::mutex reload_mu_;  // one reload at a time
  Periodic poller_;
};

}  // namespace stacklens::ingest
