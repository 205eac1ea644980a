#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "governai/finding.h"
#include "governai/name_lists.h"

struct hs_database;

namespace stacklens::governai {

// Finds personal data in text: one Hyperscan database of every candidate pattern
// (patterns.cpp), scanned once per text; each match is confirmed by its validator (checksums,
// ranges, libphonenumber, the name lists) and, where the form alone says too little, by a
// keyword nearby (context.h). Overlapping findings keep the more confident.
//
// Thread-safe: the database is read-only and each thread scans with its own scratch space,
// allocated on its first scan. A text without candidates allocates nothing. Time is linear in
// the text: Hyperscan is, and every validator reads a bounded number of bytes; libphonenumber
// is asked at most 64 + size/64 times per text.
class Scanner {
 public:
  // Compiles the patterns; throws std::runtime_error if Hyperscan refuses them (a bug in
  // patterns.cpp or a processor without SSSE3).
  explicit Scanner(const NameLists& names = builtin_name_lists());
  ~Scanner();
  Scanner(const Scanner&) = delete;
  Scanner& operator=(const Scanner&) = delete;

  // Appends the findings of `text` to `out`, in order of their begin offset, each naming
  // `field` (a view the caller keeps alive: "prompt", "completion", an attribute's key).
  // Text may be any bytes; invalid UTF-8 is scanned as it is. Texts beyond 4 GiB are scanned
  // up to there.
  void scan(std::string_view text, std::string_view field, std::vector<Finding>& out) const;

  // Scans each of `texts` as scan() would, in one Hyperscan call: cheaper than a call per text
  // for many short ones (a span's attribute values). Appends the findings of texts[0], then those
  // of texts[1], ...; counts[i] is how many are texts[i]'s. Findings name no field.
  void scan_each(std::span<const std::string_view> texts, std::vector<Finding>& out,
                 std::vector<std::uint32_t>& counts) const;

 private:
  hs_database* db_ = nullptr;
  // Per pattern: how the scanner finds a match's start without Hyperscan tracking it (which
  // costs the scan a third of its speed): the pattern's fixed width, or 0 when it must track.
  std::vector<unsigned int> fixed_width_;
  // Per pattern: where a phone pattern keeps its pending candidate during a scan.
  std::vector<unsigned char> phone_slot_;
  const NameLists& names_;
  std::uint64_t id_;  // tells a thread's scratch which databases it has been sized for
};

}  // namespace stacklens::governai
