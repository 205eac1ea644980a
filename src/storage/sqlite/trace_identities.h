#pragma once
// Which row of `traces` holds a trace, found by (project, 64-bit key of the trace id).
//
// A B-tree keyed by random ids takes each new entry on a page of its own, and a
// commit writes every page it touched to the WAL: with one new trace per span or
// two, that was most of the bytes ingest wrote once the store held millions of
// traces. So recent traces are kept in memory, and merged into the trace_keys
// table in sorted slices (a page then takes many entries per write), a slice
// at a time inside the writer's own transactions.
//
// Every trace row above ingest_state.keyed_through is in memory or in trace_keys
// (or both, after a crash during a merge); load() restores the memory part from
// `traces` on start. A merge starts by moving the recent traces into a sorted
// snapshot, which stays in memory until its last slice committed, so a reader
// that looks in memory first and in trace_keys second always finds a committed
// trace (slice_merge.h, shared with the session and user keys of id_traces.h).
//
// Most traces the writer looks up are new. A KeyFilter holding every trace the
// store knows answers most of those without a hash or B-tree lookup.
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "storage/sqlite/key_filter.h"
#include "storage/sqlite/slice_merge.h"
#include "storage/sqlite/sqlite_db.h"

namespace stacklens::sqlite {

class TraceIdentities {
 public:
  struct Tuning {
    size_t merge_at = 100000;  // traces in memory that start a merge (24-48 bytes each)
    size_t slice = 10000;      // entries merged per commit
    size_t filter_bytes = size_t{8} << 20;  // KeyFilter of the known traces
    // Session and user ids' keys in id_traces (nullptr: id_key, as sl_id_key in SQL); a test
    // passes one that makes keys collide.
    int64_t (*id_hash)(std::string_view id) = nullptr;
  };
  struct Entry {
    int64_t project_id = 0, trace_key = 0, trace_row = 0;
  };

  explicit TraceIdentities(Tuning tuning)
      : tuning_(tuning), known_(tuning.filter_bytes), merge_(tuning.merge_at, tuning.slice, "keyed_through") {}

  // Writer thread only.
  Status load(Db& db);
  Result<std::optional<int64_t>> find(Db& db, int64_t project_id, int64_t trace_key);
  // Inside the writer's transaction: merges the next slice of the snapshot (taking one when
  // enough traces are recent), and returns where that slice ends (pass it to committed()).
  // `now`: a snapshot of whatever is recent, however few (retention merges everything first).
  Result<size_t> merge_step(Db& db, bool now = false);
  bool merging() const { return merge_.merging(); }
  bool all_merged() const { return merge_.all_merged(); }
  // After that transaction committed: its new traces join memory; a snapshot whose last
  // slice is now in trace_keys is dropped.
  void committed(const std::vector<Entry>& added, size_t merged_to);

  // Any thread: a trace kept in memory (nullopt: look in trace_keys).
  std::optional<int64_t> find_recent(int64_t project_id, int64_t trace_key) const;
  // Any connection: a trace's row as trace_keys has it.
  static Result<std::optional<int64_t>> find_stored(Db& db, int64_t project_id, int64_t trace_key);

 private:
  // Traces by (project, key): open addressing with linear probing, no allocation per entry.
  // A slot whose trace_row is 0 is empty (rows start at 1). Kept at most half full.
  class Table {
   public:
    using Entry = TraceIdentities::Entry;
    void reserve(size_t entries);
    void put(const Entry& e);
    std::optional<int64_t> find(int64_t project_id, int64_t trace_key) const;
    size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    void clear();
    template <typename F>
    void for_each(F&& f) const {
      for (const Entry& e : slots_)
        if (e.trace_row != 0) f(e);
    }

   private:
    size_t home(int64_t project_id, int64_t trace_key) const;
    std::vector<Entry> slots_;  // a power of two in size, or empty
    size_t size_ = 0;
  };

  struct KeyLess {
    bool operator()(const Entry& a, const Entry& b) const;
  };
  static std::optional<int64_t> find_in_memory(const Table& recent, const std::vector<Entry>& merging,
                                               int64_t project_id, int64_t trace_key);

  Tuning tuning_;
  KeyFilter known_;  // every trace in trace_keys or in memory (writer thread only)
  SliceMerge<Table, KeyLess> merge_;  // recent traces, and the snapshot being merged into trace_keys
};

}  // namespace stacklens::sqlite
