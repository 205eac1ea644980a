#pragma once
// Per-minute and per-hour metrics rollups, summed in memory for one commit and
// then merged into the rollups table, so dashboards never scan raw spans.
#include <cstdint>
#include <map>
#include <string>
#include <tuple>

#include "core/error.h"
#include "model/span.h"
#include "storage/sqlite/latency_histogram.h"
#include "storage/sqlite/sqlite_db.h"

namespace stacklens::sqlite {

inline constexpr int64_t kRollupLevels[] = {60, 3600};
enum RollupDim : int64_t { dim_all = 0, dim_model = 1, dim_provider = 2, dim_name = 3 };

class RollupAccumulator {
 public:
  void add(const Span& span);
  Status flush(Db& db);  // merges into the rollups table, inside the caller's transaction
  bool empty() const { return sums_.empty(); }

 private:
  struct Sum {
    int64_t requests = 0, errors = 0, input_tokens = 0, output_tokens = 0;
    double cost_usd = 0;
    LatencyHistogram latency;
  };
  // project, level, dim, bucket, group, llm
  using Key = std::tuple<int64_t, int64_t, int64_t, int64_t, std::string, int64_t>;
  std::map<Key, Sum> sums_;
};

}  // namespace stacklens::sqlite
