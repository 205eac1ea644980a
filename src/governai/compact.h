#pragma once

#include <cstddef>
#include <string_view>

namespace stacklens::governai {

// A candidate as its validator reads it: separators (space, '-', '.', '/') dropped, letters
// upper-cased, into a fixed buffer, so validation never allocates and never reads more than
// kMaxCompact characters' worth of work.
struct Compact {
  static constexpr std::size_t kMaxCompact = 48;
  char buf[kMaxCompact];
  std::size_t size = 0;
  bool ok = true;  // false: another character, or too long to be any identifier
  std::string_view view() const { return {buf, size}; }
};

inline Compact compact(std::string_view raw) {
  Compact c;
  for (char ch : raw) {
    if (ch == ' ' || ch == '-' || ch == '.' || ch == '/') continue;
    if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
    const bool alnum = (ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z');
    if (!alnum || c.size == Compact::kMaxCompact) {
      c.ok = false;
      return c;
    }
    c.buf[c.size++] = ch;
  }
  return c;
}

inline bool is_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

inline bool all_same(std::string_view s) {
  for (char c : s)
    if (c != s.front()) return false;
  return true;
}

}  // namespace stacklens::governai
