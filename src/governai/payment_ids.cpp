#include "governai/payment_ids.h"

#include <cstdint>

#include "governai/checksums.h"
#include "governai/compact.h"

namespace stacklens::governai {

namespace {

// Issuer identification number ranges: prefixes of `digits` digits from `low` to `high`, and
// the card lengths each allows (bit n set: n digits).
struct IssuerRange {
  int digits;
  int low;
  int high;
  std::uint32_t lengths;
};

constexpr std::uint32_t len(int n) { return 1u << n; }
constexpr std::uint32_t lens(int from, int to) {
  std::uint32_t m = 0;
  for (int n = from; n <= to; ++n) m |= len(n);
  return m;
}

constexpr IssuerRange kIssuers[] = {
    {1, 4, 4, len(13) | len(16) | len(19)},  // Visa
    {2, 51, 55, len(16)},                    // Mastercard
    {4, 2221, 2720, len(16)},                // Mastercard 2-series
    {2, 34, 34, len(15)},                    // American Express
    {2, 37, 37, len(15)},
    {4, 6011, 6011, lens(16, 19)},  // Discover
    {3, 644, 649, lens(16, 19)},
    {2, 65, 65, lens(16, 19)},
    {4, 3528, 3589, lens(16, 19)},  // JCB
    {3, 300, 305, lens(14, 19)},    // Diners Club
    {2, 36, 36, lens(14, 19)},
    {2, 38, 39, lens(14, 19)},
    {2, 62, 62, lens(16, 19)},      // UnionPay
    {4, 2200, 2204, lens(16, 19)},  // Mir
    {2, 50, 50, lens(12, 19)},      // Maestro
    {2, 56, 58, lens(12, 19)},
    {2, 63, 63, lens(12, 19)},
    {2, 67, 67, lens(12, 19)},
};

int prefix(std::string_view digits, int n) {
  int v = 0;
  for (int i = 0; i < n; ++i) v = v * 10 + (digits[i] - '0');
  return v;
}

struct IbanCountry {
  char code[3];
  int length;
};

constexpr IbanCountry kIbanLengths[] = {
    {"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20}, {"BE", 16}, {"BG", 22},
    {"BH", 22}, {"BR", 29}, {"BY", 28}, {"CH", 21}, {"CR", 22}, {"CY", 28}, {"CZ", 24}, {"DE", 22},
    {"DK", 18}, {"DO", 28}, {"EE", 20}, {"EG", 29}, {"ES", 24}, {"FI", 18}, {"FO", 18}, {"FR", 27},
    {"GB", 22}, {"GE", 22}, {"GI", 23}, {"GL", 18}, {"GR", 27}, {"GT", 28}, {"HR", 21}, {"HU", 28},
    {"IE", 22}, {"IL", 23}, {"IQ", 23}, {"IS", 26}, {"IT", 27}, {"JO", 30}, {"KW", 30}, {"KZ", 20},
    {"LB", 28}, {"LC", 32}, {"LI", 21}, {"LT", 20}, {"LU", 20}, {"LV", 21}, {"LY", 25}, {"MC", 27},
    {"MD", 24}, {"ME", 22}, {"MK", 19}, {"MR", 27}, {"MT", 31}, {"MU", 30}, {"NL", 18}, {"NO", 15},
    {"PK", 24}, {"PL", 28}, {"PS", 29}, {"PT", 25}, {"QA", 29}, {"RO", 24}, {"RS", 22}, {"SA", 24},
    {"SC", 31}, {"SD", 18}, {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27}, {"ST", 25}, {"SV", 28},
    {"TL", 23}, {"TN", 24}, {"TR", 26}, {"UA", 29}, {"VA", 22}, {"VG", 24}, {"XK", 20},
};

}  // namespace

bool valid_card(std::string_view candidate) {
  const Compact c = compact(candidate);
  const auto s = c.view();
  if (!c.ok || s.size() < 12 || s.size() > 19 || !is_digits(s)) return false;
  bool issuer = false;
  for (const auto& r : kIssuers) {
    const int p = prefix(s, r.digits);
    if (p >= r.low && p <= r.high && (r.lengths & len(static_cast<int>(s.size())))) {
      issuer = true;
      break;
    }
  }
  return issuer && luhn_valid(s);
}

bool valid_iban(std::string_view candidate) {
  const Compact c = compact(candidate);
  const auto s = c.view();
  if (!c.ok || s.size() < 15 || s.size() > 34) return false;
  if (!(s[2] >= '0' && s[2] <= '9' && s[3] >= '0' && s[3] <= '9')) return false;
  bool known = false;
  for (const auto& country : kIbanLengths) {
    if (s[0] == country.code[0] && s[1] == country.code[1]) {
      known = country.length == static_cast<int>(s.size());
      break;
    }
  }
  if (!known) return false;
  // The check moves the first four characters to the end.
  char rotated[Compact::kMaxCompact];
  for (std::size_t i = 4; i < s.size(); ++i) rotated[i - 4] = s[i];
  for (std::size_t i = 0; i < 4; ++i) rotated[s.size() - 4 + i] = s[i];
  return mod97(std::string_view(rotated, s.size())) == 1;
}

}  // namespace stacklens::governai
