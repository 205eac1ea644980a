#include "governai/phone_numbers.h"

#include <phonenumbers/phonenumberutil.h>

#include <string>

namespace stacklens::governai {

namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

// The regions national numbers are tried in, with the digit counts their national numbers
// have as written (trunk prefix included) and whether they start with the trunk prefix 0.
// libphonenumber's checks are ICU regular expressions, tens of microseconds each, so a
// candidate is only tried where its length and first digit fit.
struct Region {
  const char* code;
  int min_digits;
  int max_digits;
  int leading_zero;  // 1: always, 0: never, -1: either
};

constexpr Region kRegions[] = {
    {"US", 10, 10, 0}, {"GB", 10, 11, 1}, {"DE", 6, 15, 1}, {"FR", 10, 10, 1}, {"ES", 9, 9, 0},
    {"IT", 6, 11, -1}, {"NL", 10, 10, 1}, {"PT", 9, 9, 0},  {"BR", 10, 12, -1}, {"IN", 10, 11, -1},
};

bool digit(char c) { return c >= '0' && c <= '9'; }

// The runs of digits of a candidate, at most 8.
struct Groups {
  int lengths[8];
  char separators[8];  // the separator after each group ('\0' after the last)
  int count = 0;
  int digits = 0;
  bool overflow = false;
};

Groups groups_of(std::string_view s) {
  Groups g;
  std::size_t i = 0;
  while (i < s.size()) {
    if (!digit(s[i])) {
      if (g.count > 0 && g.separators[g.count - 1] == '\0') g.separators[g.count - 1] = s[i];
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < s.size() && digit(s[j])) ++j;
    if (g.count == 8) {
      g.overflow = true;
      return g;
    }
    g.lengths[g.count] = static_cast<int>(j - i);
    g.separators[g.count] = '\0';
    ++g.count;
    g.digits += static_cast<int>(j - i);
    i = j;
  }
  return g;
}

}  // namespace

bool phone_shaped(std::string_view s) {
  const Groups g = groups_of(s);
  if (g.overflow || g.digits < 7 || g.digits > 15) return false;
  int open = 0;
  for (char c : s) {
    if (c == '(') ++open;
    if (c == ')' && --open < 0) return false;
  }
  if (open != 0) return false;
  // Dates: 2024-01-15, 15.01.2024, 01/15/2024.
  if (g.count == 3 && g.separators[0] == g.separators[1] && g.separators[0] != ' ' &&
      ((g.lengths[0] == 4 && g.lengths[1] <= 2 && g.lengths[2] <= 2) ||
       (g.lengths[0] <= 2 && g.lengths[1] <= 2 && g.lengths[2] == 4)))
    return false;
  // Dotted quads (addresses, versions) and decimals (1.234.567,89 has a comma, 1234.56 one dot).
  int dots = 0;
  for (char c : s) dots += c == '.';
  if (dots == 3 && g.count == 4) return false;
  if (dots == 1 && g.count == 2 && g.lengths[1] <= 2) return false;
  return true;
}

bool phone_formatted(std::string_view s) {
  if (!s.empty() && s.front() == '(') return true;
  const Groups g = groups_of(s);
  if (g.count >= 2 && s.front() == '0' && g.lengths[0] <= 5) {
    for (int i = 0; i + 1 < g.count; ++i)
      if (g.separators[i] == '.') return false;
    return true;
  }
  return g.count == 3 && g.lengths[0] == 3 && g.lengths[1] == 3 && g.lengths[2] == 4 &&
         g.separators[0] == g.separators[1] && (g.separators[0] == '-' || g.separators[0] == '.');
}

bool valid_phone(std::string_view candidate, PhoneForm form) {
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  PhoneNumber number;
  if (form == PhoneForm::international) {
    std::string text(candidate);
    if (text.rfind("00", 0) == 0) text.replace(0, 2, "+");
    return util.Parse(text, "ZZ", &number) == PhoneNumberUtil::NO_PARSING_ERROR && util.IsValidNumber(number);
  }
  const Groups g = groups_of(candidate);
  char first = '\0';
  for (char c : candidate)
    if (digit(c)) {
      first = c;
      break;
    }
  const std::string text(candidate);
  for (const auto& region : kRegions) {
    if (g.digits < region.min_digits || g.digits > region.max_digits) continue;
    if (region.leading_zero == 1 && first != '0') continue;
    if (region.leading_zero == 0 && first == '0') continue;
    number.Clear();
    if (util.Parse(text, region.code, &number) == PhoneNumberUtil::NO_PARSING_ERROR &&
        util.IsValidNumberForRegion(number, region.code))
      return true;
  }
  return false;
}

}  // namespace stacklens::governai
