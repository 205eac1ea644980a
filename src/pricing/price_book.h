#pragma once
// The prices ingest and cost recompute use: the shipped table (price_table.h) and each
// project's own prices, which come first. A project's prices are replaced whole when they
// change (on this node at once, on the others when they next look: app/price_refresher.h);
// a reader takes a snapshot and keeps it for a whole request.
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "model/span.h"
#include "pricing/price_table.h"

namespace stacklens::pricing {

using ProjectTables = std::unordered_map<int64_t, PriceTable>;

class PriceSnapshot {
 public:
  PriceSnapshot(const PriceTable& shipped, std::shared_ptr<const ProjectTables> projects)
      : shipped_(&shipped), projects_(std::move(projects)) {}
  struct Found {
    const PriceEntry* entry = nullptr;  // nullptr: unpriced
    CostSource source = CostSource::unpriced;
  };
  // The project's own entry effective at `at` (custom), else the shipped table's (table).
  Found find(int64_t project_id, std::string_view model, std::string_view provider, Micros at) const;

 private:
  const PriceTable* shipped_;
  std::shared_ptr<const ProjectTables> projects_;
};

class PriceBook {
 public:
  explicit PriceBook(PriceTable shipped = PriceTable());
  PriceSnapshot snapshot() const;
  // Every project's own prices, as of `revision` (MetaStore::model_price_revision).
  void replace(ProjectTables projects, int64_t revision);
  int64_t revision() const;
  const PriceTable& shipped() const { return shipped_; }

 private:
  const PriceTable shipped_;
  mutable std::mutex mu_;
  std::shared_ptr<const ProjectTables> projects_;
  int64_t revision_ = -1;
};

}  // namespace stacklens::pricing
