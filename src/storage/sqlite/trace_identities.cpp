#include "storage/sqlite/trace_identities.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <bit>
#include <tuple>
#include <utility>

namespace stacklens::sqlite {

Status TraceIdentities::load(Db& db) {
  auto keyed_through = merge_.stored_through(db);
  if (!keyed_through) return keyed_through.error();
  auto scan = db.prepare("SELECT project_id, trace_key, id FROM traces WHERE id > ?1");
  if (!scan) return scan.error();
  Stmt& s = (*scan)->reset().bind(1, *keyed_through);
  Table recent;
  known_.clear();
  for (;;) {
    auto r = s.step();
    if (!r) return r.error();
    if (!*r) break;
    recent.put(Entry{s.i64(0), s.i64(1), s.i64(2)});
    known_.add(s.i64(0), s.i64(1));
  }
  recent.reserve(std::max(recent.size(), tuning_.merge_at) + tuning_.merge_at / 4);  // a merge's worth, and more
  const size_t loaded = recent.size();
  merge_.restart(std::move(recent), *keyed_through);
  auto keys = db.prepare("SELECT project_id, trace_key FROM trace_keys");
  if (!keys) return keys.error();
  int64_t stored = 0;
  for (Stmt& k = (*keys)->reset();; ++stored) {
    auto r = k.step();
    if (!r) return r.error();
    if (!*r) break;
    known_.add(k.i64(0), k.i64(1));
  }
  (*keys)->reset();
  if (stored > 0) spdlog::info("{} stored traces loaded into the trace key filter", stored);
  if (loaded > 0) spdlog::info("{} recent traces are not merged into trace_keys yet", loaded);
  return ok_status();
}

bool TraceIdentities::KeyLess::operator()(const Entry& a, const Entry& b) const {
  return std::tie(a.project_id, a.trace_key) < std::tie(b.project_id, b.trace_key);
}

std::optional<int64_t> TraceIdentities::find_in_memory(const Table& recent, const std::vector<Entry>& merging,
                                                       int64_t project_id, int64_t trace_key) {
  if (auto row = recent.find(project_id, trace_key)) return row;
  const Entry probe{project_id, trace_key, 0};
  auto it = std::lower_bound(merging.begin(), merging.end(), probe, KeyLess{});
  if (it != merging.end() && it->project_id == project_id && it->trace_key == trace_key) return it->trace_row;
  return std::nullopt;
}

Result<std::optional<int64_t>> TraceIdentities::find(Db& db, int64_t project_id, int64_t trace_key) {
  if (!known_.may_contain(project_id, trace_key)) return std::optional<int64_t>{};
  // The writer is the only thread that changes memory, so it reads it without the lock.
  if (auto row = find_in_memory(merge_.recent(), merge_.snapshot(), project_id, trace_key)) return row;
  return find_stored(db, project_id, trace_key);
}

Result<std::optional<int64_t>> TraceIdentities::find_stored(Db& db, int64_t project_id, int64_t trace_key) {
  auto st = db.prepare("SELECT trace_row FROM trace_keys WHERE project_id = ?1 AND trace_key = ?2");
  if (!st) return st.error();
  Stmt& s = (*st)->reset().bind(1, project_id).bind(2, trace_key);
  auto row = s.step();
  if (!row) return row.error();
  std::optional<int64_t> out;
  if (*row) out = s.i64(0);
  s.reset();
  return out;
}

Result<size_t> TraceIdentities::merge_step(Db& db, bool now) {
  auto ins = db.prepare(
      "INSERT INTO trace_keys(project_id, trace_key, trace_row) VALUES(?1, ?2, ?3) "
      "ON CONFLICT(project_id, trace_key) DO NOTHING");
  if (!ins) return ins.error();
  return merge_.step(
      db, {},
      [&](std::span<const Entry> slice) {
        for (const Entry& e : slice)
          if (auto st = (*ins)->reset().bind(1, e.project_id).bind(2, e.trace_key).bind(3, e.trace_row).run(); !st)
            return st;
        return ok_status();
      },
      now);
}

void TraceIdentities::committed(const std::vector<Entry>& added, size_t merged_to) {
  for (const Entry& e : added) known_.add(e.project_id, e.trace_key);
  merge_.committed(added, merged_to);
}

std::optional<int64_t> TraceIdentities::find_recent(int64_t project_id, int64_t trace_key) const {
  return merge_.read([&](const Table& recent, const std::vector<Entry>& merging) {
    return find_in_memory(recent, merging, project_id, trace_key);
  });
}

size_t TraceIdentities::Table::home(int64_t project_id, int64_t trace_key) const {
  // Keys are hashes already; the multiply spreads the project in and the top bits are kept.
  const uint64_t h = (static_cast<uint64_t>(trace_key) ^ static_cast<uint64_t>(project_id)) * 0x9e3779b97f4a7c15ULL;
  return static_cast<size_t>(h >> (64 - std::countr_zero(slots_.size())));
}

void TraceIdentities::Table::reserve(size_t entries) {
  const size_t want = std::bit_ceil(std::max<size_t>(entries * 2, 16));
  if (want <= slots_.size()) return;
  std::vector<Entry> old = std::exchange(slots_, std::vector<Entry>(want));
  size_ = 0;
  for (const Entry& e : old)
    if (e.trace_row != 0) put(e);
}

void TraceIdentities::Table::put(const Entry& e) {
  if ((size_ + 1) * 2 > slots_.size()) reserve(std::max(size_ + 1, slots_.size()));  // doubles
  for (size_t i = home(e.project_id, e.trace_key);; i = (i + 1) & (slots_.size() - 1)) {
    Entry& slot = slots_[i];
    if (slot.trace_row == 0) {
      slot = e;
      ++size_;
      return;
    }
    if (slot.project_id == e.project_id && slot.trace_key == e.trace_key) {
      slot.trace_row = e.trace_row;
      return;
    }
  }
}

std::optional<int64_t> TraceIdentities::Table::find(int64_t project_id, int64_t trace_key) const {
  if (slots_.empty()) return std::nullopt;
  for (size_t i = home(project_id, trace_key);; i = (i + 1) & (slots_.size() - 1)) {
    const Entry& slot = slots_[i];
    if (slot.trace_row == 0) return std::nullopt;
    if (slot.project_id == project_id && slot.trace_key == trace_key) return slot.trace_row;
  }
}

void TraceIdentities::Table::clear() {
  if (size_ == 0) return;
  std::fill(slots_.begin(), slots_.end(), Entry{});
  size_ = 0;
}

}  // namespace stacklens::sqlite
