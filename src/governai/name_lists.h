#pragma once

#include <string_view>
#include <vector>

namespace stacklens::governai {

// Known first names and surnames, lower case, ASCII (diacritics folded), sorted: the public
// domain US Census and SSA tables of data/governai/ (see its README), compiled into the binary.
struct NameLists {
  std::vector<std::string_view> first_names;
  std::vector<std::string_view> surnames;

  bool is_first_name(std::string_view folded) const;
  bool is_surname(std::string_view folded) const;
};

// The lists of data/governai/, built once.
const NameLists& builtin_name_lists();

}  // namespace stacklens::governai
