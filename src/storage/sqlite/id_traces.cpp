#include "storage/sqlite/id_traces.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <bit>
#include <iterator>
#include <tuple>
#include <utility>

#include "storage/sqlite/span_codec.h"

namespace stacklens::sqlite {

namespace {

// Entries as their trace rows have them now (an entry merged before takes its row's values
// again), from ?1: a JSON array of [trace_row, kind, id_key], in one statement per slice.
constexpr std::string_view kInsert =
    "INSERT INTO id_traces(project_id, kind, id_key, trace_row, id, other, start_us, errors, total_tokens, cost_usd) "
    "SELECT t.project_id, e.kind, e.id_key, t.id, iif(e.kind = 0, t.session_id, t.user_id), "
    "iif(e.kind = 0, t.user_id, t.session_id), t.start_us, t.errors, t.total_tokens, t.cost_usd "
    "FROM (SELECT value ->> 0 AS trace_row, value ->> 1 AS kind, value ->> 2 AS id_key FROM json_each(?1)) e "
    "JOIN traces t ON t.id = e.trace_row WHERE iif(e.kind = 0, t.session_id, t.user_id) IS NOT NULL "
    "ON CONFLICT(project_id, kind, id_key, trace_row) DO UPDATE SET other = excluded.other, "
    "start_us = excluded.start_us, errors = excluded.errors, total_tokens = excluded.total_tokens, "
    "cost_usd = excluded.cost_usd";

uint64_t mix(uint64_t a, uint64_t b) { return (a ^ (b * 0x9e3779b97f4a7c15ULL)) * 0xff51afd7ed558ccdULL; }

}  // namespace

IdTraces::IdTraces(size_t merge_at, size_t slice, Hash hash)
    : hash_(hash ? hash : &id_key), merge_(merge_at, slice, "ids_through") {}

Status IdTraces::load(Db& db) {
  auto through = merge_.stored_through(db);
  if (!through) return through.error();
  auto scan = db.prepare(
      "SELECT project_id, id, session_id, user_id FROM traces "
      "WHERE id > ?1 AND (session_id IS NOT NULL OR user_id IS NOT NULL)");
  if (!scan) return scan.error();
  Stmt& s = (*scan)->reset().bind(1, *through);
  Table recent;
  for (;;) {
    auto r = s.step();
    if (!r) return r.error();
    if (!*r) break;
    for (const int32_t kind : {session, user})
      if (!s.is_null(2 + kind)) recent.put(Entry{s.i64(0), hash_(s.view(2 + kind)), s.i64(1), kind});
  }
  if (recent.size() > 0) spdlog::info("{} recent session and user entries are not merged into id_traces yet", recent.size());
  merge_.restart(std::move(recent), *through);
  return ok_status();
}

Status IdTraces::note(Db& db, int64_t project_id, int64_t trace_row, std::string_view session_id,
                      std::string_view user_id, std::vector<Entry>& added) {
  for (const int32_t kind : {session, user}) {
    const std::string_view id = kind == session ? session_id : user_id;
    if (id.empty()) continue;
    const Entry e{project_id, hash_(id), trace_row, kind};
    // A new trace's row is above every snapshot.
    if (trace_row > merge_.snapshot_through()) {
      if (!merge_.recent().holds(kind, trace_row)) added.push_back(e);
    } else if (auto st = insert(db, std::span<const Entry>(&e, 1)); !st) {
      return st;
    }
  }
  return ok_status();
}

Status IdTraces::insert(Db& db, std::span<const Entry> entries) {
  if (entries.empty()) return ok_status();
  std::string json = "[";
  json.reserve(entries.size() * 48);
  for (const Entry& e : entries) fmt::format_to(std::back_inserter(json), "[{},{},{}],", e.trace_row, e.kind, e.id_key);
  json.back() = ']';
  auto ins = db.prepare(kInsert);
  if (!ins) return ins.error();
  return (*ins)->reset().bind(1, json).run();
}

Result<size_t> IdTraces::merge_step(Db& db, const std::vector<Entry>& pending, bool now) {
  return merge_.step(db, pending, [&](std::span<const Entry> slice) { return insert(db, slice); }, now);
}

std::string IdTraces::recent_rows(int64_t project_id, Kind kind, std::string_view id) const {
  const int64_t k = hash_(id);
  std::string out = "[";
  const auto add = [&](int64_t row) {
    if (out.size() > 1) out += ',';
    out += std::to_string(row);
  };
  merge_.read([&](const Table& recent, const std::vector<Entry>& merging) {
    recent.rows_with(project_id, kind, k, add);
    const Entry probe{project_id, k, 0, kind};
    for (auto it = std::lower_bound(merging.begin(), merging.end(), probe, KeyLess{});
         it != merging.end() && it->project_id == project_id && it->kind == kind && it->id_key == k; ++it)
      add(it->trace_row);
  });
  return out + "]";
}

bool IdTraces::KeyLess::operator()(const Entry& a, const Entry& b) const {
  return std::tie(a.project_id, a.kind, a.id_key, a.trace_row) < std::tie(b.project_id, b.kind, b.id_key, b.trace_row);
}

size_t IdTraces::Table::find_head(int64_t project_id, int32_t kind, int64_t id_key) const {
  const size_t mask = heads_.size() - 1;
  const uint64_t h = mix(static_cast<uint64_t>(id_key), static_cast<uint64_t>(project_id) * 2 + static_cast<uint64_t>(kind));
  for (size_t i = static_cast<size_t>(h >> 32) & mask;; i = (i + 1) & mask) {
    const uint32_t at = heads_[i];
    if (at == 0) return i;
    const Entry& e = entries_[at - 1];
    if (e.id_key == id_key && e.project_id == project_id && e.kind == kind) return i;
  }
}

size_t IdTraces::Table::find_row(int32_t kind, int64_t trace_row) const {
  const size_t mask = by_row_.size() - 1;
  const uint64_t h = mix(static_cast<uint64_t>(trace_row), static_cast<uint64_t>(kind));
  for (size_t i = static_cast<size_t>(h >> 32) & mask;; i = (i + 1) & mask) {
    const uint32_t at = by_row_[i];
    if (at == 0) return i;
    const Entry& e = entries_[at - 1];
    if (e.trace_row == trace_row && e.kind == kind) return i;
  }
}

bool IdTraces::Table::holds(int32_t kind, int64_t trace_row) const {
  return !by_row_.empty() && by_row_[find_row(kind, trace_row)] != 0;
}

void IdTraces::Table::put(Entry e) {
  if ((entries_.size() + 1) * 2 > by_row_.size()) grow();
  const size_t row_slot = find_row(e.kind, e.trace_row);
  if (by_row_[row_slot] != 0) return;
  const size_t head_slot = find_head(e.project_id, e.kind, e.id_key);
  e.prev = heads_[head_slot];
  entries_.push_back(e);
  const auto at = static_cast<uint32_t>(entries_.size());
  heads_[head_slot] = at;
  by_row_[row_slot] = at;
}

void IdTraces::Table::grow() {
  const size_t slots = std::bit_ceil(std::max<size_t>((entries_.size() + 1) * 4, 64));
  heads_.assign(slots, 0);
  by_row_.assign(slots, 0);
  std::vector<Entry> old = std::exchange(entries_, {});
  entries_.reserve(slots / 2);
  for (const Entry& e : old) put(e);
}

void IdTraces::Table::clear() {
  if (entries_.empty()) return;
  entries_.clear();
  std::fill(heads_.begin(), heads_.end(), 0);
  std::fill(by_row_.begin(), by_row_.end(), 0);
}

}  // namespace stacklens::sqlite
