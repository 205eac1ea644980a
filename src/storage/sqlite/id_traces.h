#pragma once
// Which traces carry a session id or a user id: the table id_traces, one row per (project,
// kind, 64-bit key of the id, trace row), with the id itself (a key shared by two ids is told
// apart by it) and what the sessions and users lists sum (span_schema.h).
//
// Indexes of traces by these ids took each new trace on a random page of each, as the trace
// keys did (trace_identities.h), and the same cure applies: the entries of recent traces are
// kept in memory and merged into id_traces in sorted slices inside the writer's transactions
// (slice_merge.h). Readers look in both: a trace in memory is read from its row in `traces`
// (whose id they compare, so a shared key finds nothing wrong), every other one from
// id_traces. A merge reads the trace row as it is then; a trigger keeps a merged entry equal to
// its trace row when that row changes later (a trace's new spans, a cost recompute).
//
// A stored trace may get its ids in a later commit: its entries go to memory if its row is
// above every snapshot taken (load() finds it there again after a crash), else straight into
// id_traces.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "storage/sqlite/slice_merge.h"
#include "storage/sqlite/sqlite_db.h"

namespace stacklens::sqlite {

class IdTraces {
 public:
  enum Kind : int32_t { session = 0, user = 1 };
  using Hash = int64_t (*)(std::string_view id);
  struct Entry {
    int64_t project_id = 0, id_key = 0, trace_row = 0;
    int32_t kind = 0;
    uint32_t prev = 0;  // in memory: 1 + the index of the previous entry with the same key (0: none)
  };

  // `hash` keys the ids (id_key by default; a test passes a worse one to make keys collide).
  IdTraces(size_t merge_at, size_t slice, Hash hash = nullptr);

  // Writer thread.
  Status load(Db& db);
  // A trace of this commit that carries these ids (empty: none): new, or stored and maybe given
  // its ids now. Entries for memory go to `added` (pass them to committed()).
  Status note(Db& db, int64_t project_id, int64_t trace_row, std::string_view session_id, std::string_view user_id,
              std::vector<Entry>& added);
  Result<size_t> merge_step(Db& db, const std::vector<Entry>& added, bool now = false);
  bool merging() const { return merge_.merging(); }
  bool all_merged() const { return merge_.all_merged(); }
  void committed(const std::vector<Entry>& added, size_t merged_to) { merge_.committed(added, merged_to); }

  // Any thread: the rows of the traces in memory whose id of this kind has the id's key, as a
  // JSON array (for json_each): candidates, to be checked against their row's id.
  std::string recent_rows(int64_t project_id, Kind kind, std::string_view id) const;
  int64_t key(std::string_view id) const { return hash_(id); }

 private:
  // Entries by (project, kind, key), chained newest first through Entry::prev, and by (kind,
  // trace row) to tell whether a trace is held: two open-addressing tables of indexes into the
  // entries, no allocation per entry.
  class Table {
   public:
    using Entry = IdTraces::Entry;
    void put(Entry e);  // an entry already held (same kind and row) is kept as it is
    bool holds(int32_t kind, int64_t trace_row) const;
    template <typename F>
    void rows_with(int64_t project_id, int32_t kind, int64_t id_key, F&& f) const {
      if (heads_.empty()) return;
      for (uint32_t i = heads_[find_head(project_id, kind, id_key)]; i != 0; i = entries_[i - 1].prev)
        f(entries_[i - 1].trace_row);
    }
    size_t size() const { return entries_.size(); }
    void clear();
    template <typename F>
    void for_each(F&& f) const {
      for (const Entry& e : entries_) f(e);
    }

   private:
    size_t find_head(int64_t project_id, int32_t kind, int64_t id_key) const;  // its slot, or the empty one
    size_t find_row(int32_t kind, int64_t trace_row) const;
    void grow();
    std::vector<Entry> entries_;
    std::vector<uint32_t> heads_, by_row_;  // 1 + an index into entries_ (0: empty); a power of two in size
  };
  struct KeyLess {
    bool operator()(const Entry& a, const Entry& b) const;
  };

  Status insert(Db& db, std::span<const Entry> entries);

  Hash hash_;
  SliceMerge<Table, KeyLess> merge_;
};

}  // namespace stacklens::sqlite
