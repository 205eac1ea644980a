#pragma once
// Entries of recent traces kept in memory and merged into a table in sorted slices, a slice
// inside each of the writer's transactions (trace_identities.h says why). Shared by the trace
// keys (trace_identities.h) and the session and user keys (id_traces.h).
//
// `Recent` holds the entries added since the last snapshot: Recent::Entry (with trace_row),
// put(), for_each(), size(), clear(). At `merge_at` recent entries the writer moves them into
// a snapshot sorted by `Less`; each following commit inserts its next `slice` entries; the
// snapshot stays in memory until its last slice committed, so readers that look in memory
// first always find a committed entry. After the last slice the writer records the snapshot's
// largest trace row in ingest_state (`through_column`): every entry of a trace row up to it is
// in the table, and on start the entries of the rows above it are loaded from `traces` again.
#include <algorithm>
#include <cstdint>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "storage/sqlite/sqlite_db.h"

namespace stacklens::sqlite {

template <typename Recent, typename Less>
class SliceMerge {
 public:
  using Entry = typename Recent::Entry;

  SliceMerge(size_t merge_at, size_t slice, std::string through_column)
      : merge_at_(merge_at), slice_(slice), through_column_(std::move(through_column)) {}

  // Writer thread, on start: the merged-through row recorded in ingest_state.
  Result<int64_t> stored_through(Db& db) const {
    return db.query_int("SELECT " + through_column_ + " FROM ingest_state");
  }
  // Writer thread, on start: memory starts over with `loaded` (the entries above stored_through()).
  void restart(Recent loaded, int64_t through) {
    std::unique_lock lock(mu_);
    recent_ = std::move(loaded);
    merging_.clear();
    merged_ = 0;
    snapshot_through_ = through;
  }

  // Inside the writer's transaction: takes a snapshot when enough entries are recent (or, with
  // `now`, when any are: retention, expiry.h), inserts its next slice
  // (insert_slice(std::span<const Entry>)) and returns where that slice ends (pass it to
  // committed()). `pending`: this commit's entries, which join memory after the snapshot; the
  // row recorded at its end stays below theirs (on start they are loaded again).
  template <typename InsertSlice>
  Result<size_t> step(Db& db, const std::vector<Entry>& pending, InsertSlice&& insert_slice, bool now = false) {
    if (merging_.empty()) {
      if (recent_.size() < merge_at_ && !(now && recent_.size() > 0)) return size_t{0};
      std::vector<Entry> snapshot;
      snapshot.reserve(recent_.size());
      int64_t through = snapshot_through_;
      recent_.for_each([&](const Entry& e) {
        snapshot.push_back(e);
        through = std::max(through, e.trace_row);
      });
      for (const Entry& e : pending) through = std::min(through, e.trace_row - 1);
      through = std::max(through, snapshot_through_);
      std::sort(snapshot.begin(), snapshot.end(), Less{});
      std::unique_lock lock(mu_);
      merging_ = std::move(snapshot);
      merged_ = 0;
      snapshot_through_ = through;
      recent_.clear();
    }
    const size_t end = std::min(merging_.size(), merged_ + slice_);
    if (auto st = insert_slice(std::span<const Entry>(merging_.data() + merged_, end - merged_)); !st)
      return st.error();
    if (end == merging_.size()) {
      auto mark = db.prepare("UPDATE ingest_state SET " + through_column_ + " = max(" + through_column_ + ", ?1)");
      if (!mark) return mark.error();
      if (auto st = (*mark)->reset().bind(1, snapshot_through_).run(); !st) return st.error();
    }
    return end;
  }

  // After that transaction committed: its new entries join memory; a snapshot whose last slice
  // is now in the table is dropped.
  void committed(const std::vector<Entry>& added, size_t merged_to) {
    std::unique_lock lock(mu_);
    for (const Entry& e : added) recent_.put(e);
    if (merging_.empty() || merged_to <= merged_) return;
    merged_ = merged_to;
    if (merged_ == merging_.size()) {
      merging_ = {};
      merged_ = 0;
    }
  }

  // Writer thread: whether a snapshot is being merged, and whether every entry is in the table.
  bool merging() const { return !merging_.empty(); }
  bool all_merged() const { return merging_.empty() && recent_.size() == 0; }
  // Writer thread: memory as it is (the writer is the only thread that changes it).
  const Recent& recent() const { return recent_; }
  const std::vector<Entry>& snapshot() const { return merging_; }
  // Writer thread: the row the snapshot records at its end (or the one recorded before start):
  // a trace row up to it is in the table once that snapshot is merged.
  int64_t snapshot_through() const { return snapshot_through_; }

  // Any thread: f(recent, snapshot) under the lock.
  template <typename F>
  decltype(auto) read(F&& f) const {
    std::shared_lock lock(mu_);
    return f(recent_, merging_);
  }

 private:
  const size_t merge_at_, slice_;
  const std::string through_column_;
  mutable std::shared_mutex mu_;  // writes come from the writer thread only
  Recent recent_;                 // added since the snapshot
  std::vector<Entry> merging_;    // the snapshot being merged, sorted by Less
  size_t merged_ = 0;             // merging_[0, merged_) are in the table
  int64_t snapshot_through_ = 0;  // what the snapshot records at its end
};

}  // namespace stacklens::sqlite
