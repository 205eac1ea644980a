#pragma once
// Per-minute and per-hour metrics rollups, summed in memory and merged into the
// rollups table now and then (see rollup_state.h), so dashboards never
// scan raw spans.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>

#include "core/error.h"
#include "model/span.h"
#include "storage/sqlite/latency_histogram.h"
#include "storage/sqlite/sqlite_db.h"

namespace stacklens::sqlite {

inline constexpr int64_t kRollupLevels[] = {60, 3600};
enum RollupDim : int64_t { dim_all = 0, dim_model = 1, dim_provider = 2, dim_name = 3 };

class RollupAccumulator {
 public:
  struct Sum {
    int64_t requests = 0, errors = 0, input_tokens = 0, output_tokens = 0;
    int64_t unpriced_spans = 0, unpriced_tokens = 0;  // spans the price table could not price, their tokens
    double cost_usd = 0;
    LatencyHistogram latency;
  };

  RollupAccumulator() = default;
  RollupAccumulator(RollupAccumulator&&) = default;  // the index's views move with the map's nodes
  RollupAccumulator& operator=(RollupAccumulator&&) = default;
  RollupAccumulator(const RollupAccumulator&) = delete;

  void add(const Span& span);
  // What a stored span's new cost changes: its cost and the unpriced counts, nothing else.
  // `before` and `after` are the same span (keys from `after`).
  void add_cost_change(const Span& before, const Span& after);
  Status flush(Db& db) const;  // merges into the rollups table, inside the caller's transaction
  bool empty() const { return sums_.empty(); }
  size_t size() const { return sums_.size(); }
  void clear() {
    index_.clear();
    sums_.clear();
  }
  // Calls f(bucket, group, sum) for the sums of one project, level and dimension with
  // from <= bucket < to and llm >= min_llm.
  template <typename F>
  void for_each(int64_t project, int64_t level, int64_t dim, int64_t from, int64_t to, int64_t min_llm, F&& f) const {
    for (auto it = sums_.lower_bound(Key{project, level, dim, from, std::string(), 0}); it != sums_.end(); ++it) {
      const auto& [p, l, d, bucket, group, llm] = it->first;
      if (p != project || l != level || d != dim || bucket >= to) break;
      if (llm >= min_llm) f(bucket, group, it->second);
    }
  }

 private:
  // project, level, dim, bucket, group, llm
  using Key = std::tuple<int64_t, int64_t, int64_t, int64_t, std::string, int64_t>;
  using KeyView = std::tuple<int64_t, int64_t, int64_t, int64_t, std::string_view, int64_t>;
  struct KeyHash {
    size_t operator()(const KeyView& k) const;
  };
  Sum& at(const KeyView& key);
  // f(sum) for each of the span's sums: every level and dimension.
  template <typename F>
  void each_sum(const Span& s, F&& f);
  std::map<Key, Sum, std::less<>> sums_;  // ordered for for_each
  // The same sums found by hash: add() looks up eight keys per span, and the tree's tuple
  // comparisons were 8 % of the writer thread's time. Views point into sums_'s keys.
  std::unordered_map<KeyView, Sum*, KeyHash> index_;
};

}  // namespace stacklens::sqlite
