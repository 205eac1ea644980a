#include "governai/name_lists.h"

#include <algorithm>

namespace stacklens::governai {

// Generated at configure time from data/governai/*.txt (CMakeLists.txt, governai_name_data.cpp).
extern const char kFirstNameData[];
extern const char kSurnameData[];

namespace {
std::vector<std::string_view> lines(std::string_view data) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < data.size()) {
    auto nl = data.find('\n', i);
    if (nl == std::string_view::npos) nl = data.size();
    if (nl > i) out.push_back(data.substr(i, nl - i));
    i = nl + 1;
  }
  std::sort(out.begin(), out.end());
  return out;
}
}  // namespace

bool NameLists::is_first_name(std::string_view folded) const {
  return std::binary_search(first_names.begin(), first_names.end(), folded);
}

bool NameLists::is_surname(std::string_view folded) const {
  return std::binary_search(surnames.begin(), surnames.end(), folded);
}

const NameLists& builtin_name_lists() {
  static const NameLists lists{lines(kFirstNameData), lines(kSurnameData)};
  return lists;
}

}  // namespace stacklens::governai
