#pragma once
// What `stacklens migrate` compares between a store and its copy, read through the same
// interfaces on both sides: how many rows, and an order-free checksum of their content (the sum
// of a 128-bit BLAKE2b digest of each row's canonical form), so equal tallies mean the same rows.
#include <cstdint>
#include <string>
#include <string_view>

#include "model/score.h"
#include "model/span.h"
#include "storage/meta_rows.h"

namespace stacklens {

struct Tally {
  int64_t count = 0;
  uint64_t sum[2] = {0, 0};

  void add(std::string_view canonical);
  std::string checksum() const;  // 32 hex digits
  bool operator==(const Tally&) const = default;
};

// Every field a span store keeps of the span (its sealed text as sealed bytes and key id),
// attributes and tags in sorted order (stores may keep them in another order), reals to 1e-12.
std::string canonical_span(const SpanRecord& r);
std::string canonical_score(int64_t project_id, const Score& s);
std::string canonical_row(const CellRow& row);

}  // namespace stacklens
