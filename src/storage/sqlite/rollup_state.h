#pragma once
// The metrics rollups of committed spans: the rollups table, plus the sums of spans committed
// since its last merge, pending in memory (readers add both, as of the same merge).
//
// A merge is an upsert per (bucket, dimension, group), which at every commit of a few spans
// cost more than the spans themselves; so the writer merges about once a second, in the
// transaction of a commit. rollup_state.through_id says which spans the table counts: after
// a crash, catch_up() sums the spans above it again.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <vector>

#include "core/error.h"
#include "model/span.h"
#include "storage/sqlite/rollup_accumulator.h"
#include "storage/sqlite/sqlite_db.h"

namespace stacklens::sqlite {

class RollupState {
 public:
  // Writer thread, on open: sums spans above rollup_state.through_id into the table (spans
  // stored before rollups existed, or committed after the last merge before a crash).
  Status catch_up(Db& writer);
  // Inside a commit's transaction, with its new spans: when a merge is due, merges the
  // pending sums and these spans into the table, and says so (pass it to committed()).
  Result<bool> merge_if_due(Db& writer, const std::vector<const Span*>& inserted);
  // After that commit: the spans join the pending sums, or the merged sums are dropped.
  void committed(bool merged, const std::vector<const Span*>& inserted);
  // Merges the pending sums in a transaction of their own (the writer stops).
  Status merge_now(Db& writer);
  // Inside a transaction of the writer's connection, right after merge_now() (nothing pending):
  // changes of stored spans' sums go into the table (cost recompute); pass the result to
  // committed(true, {}) after the commit.
  Status change_table(Db& writer, const RollupAccumulator& changes);

  // Any thread: calls f(bucket, group, sum) as RollupAccumulator::for_each does for the
  // pending sums, and returns the rollup_state.generation the table had without them.
  template <typename F>
  int64_t for_each_pending(int64_t project, int64_t level, int64_t dim, int64_t from, int64_t to, int64_t min_llm,
                           F&& f) const {
    std::lock_guard lock(mu_);
    pending_.for_each(project, level, dim, from, to, min_llm, f);
    return generation_;
  }

 private:
  Status merge(Db& writer, const RollupAccumulator& more);
  void merged();

  // Changed by the writer thread only, under mu_; the writer reads them without it.
  mutable std::mutex mu_;
  RollupAccumulator pending_;
  int64_t generation_ = 0;  // rollup_state.generation as of the last merge
  std::chrono::steady_clock::time_point last_merge_ = std::chrono::steady_clock::now();
};

}  // namespace stacklens::sqlite
