#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "governai/name_lists.h"

namespace stacklens::governai {

// What introduced a possible name, from the scanner's trigger patterns. Strong triggers ("my
// name is", "Mr", "name:") say a name follows; weak ones ("Dear", "Hi", a sign-off line) only
// that one may, so a known first name or surname must confirm it.
enum class NameTrigger { honorific, introduction, field, greeting, signature };

struct NameSpan {
  std::size_t begin;
  std::size_t end;
  float confidence;
};

// The name that follows a trigger ending at `at`: one to four capitalised words (particles
// such as "van der", "da", "de la" between them), on the same line. Bounded: it reads at most
// a few hundred bytes past `at`.
std::optional<NameSpan> name_after(std::string_view text, std::size_t at, NameTrigger trigger,
                                   const NameLists& lists);

// A word as the name lists spell it: ASCII lower case, Latin-1 diacritics folded (Müller ->
// muller, ß -> ss). Returns the length written to `out`, 0 for a character outside Latin-1
// letters or a word longer than `cap`.
std::size_t fold_name(std::string_view word, char* out, std::size_t cap);

}  // namespace stacklens::governai
