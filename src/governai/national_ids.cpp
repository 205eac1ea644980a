#include "governai/national_ids.h"

#include "governai/checksums.h"
#include "governai/compact.h"

namespace stacklens::governai {

namespace {
int num(std::string_view digits) {
  int v = 0;
  for (char c : digits) v = v * 10 + (c - '0');
  return v;
}
}  // namespace

bool valid_us_ssn(std::string_view candidate) {
  const Compact c = compact(candidate);
  const auto s = c.view();
  if (!c.ok || s.size() != 9 || !is_digits(s)) return false;
  const int area = num(s.substr(0, 3));
  const int group = num(s.substr(3, 2));
  const int serial = num(s.substr(5, 4));
  if (area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0) return false;
  // Numbers published in advertising and never issued.
  return s != "078051120" && s != "219099999";
}

bool valid_uk_nino(std::string_view candidate) {
  const Compact c = compact(candidate);
  const auto s = c.view();
  if (!c.ok || s.size() != 9 || !is_digits(s.substr(2, 6))) return false;
  const char a = s[0], b = s[1], suffix = s[8];
  auto letter = [](char x) { return x >= 'A' && x <= 'Z'; };
  if (!letter(a) || !letter(b) || suffix < 'A' || suffix > 'D') return false;
  if (std::string_view("DFIQUV").find(a) != std::string_view::npos) return false;
  if (std::string_view("DFIOQUV").find(b) != std::string_view::npos) return false;
  for (std::string_view banned : {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})
    if (s.substr(0, 2) == banned) return false;
  return true;
}

bool valid_de_tax_id(std::string_view candidate) {
  const Compact c = compact(candidate);
  const auto s = c.view();
  if (!c.ok || s.size() != 11 || !is_digits(s) || s[0] == '0') return false;
  // Of the first ten digits exactly one occurs twice or three times (three times never
  // adjacent); the others at most once.
  int counts[10] = {};
  for (std::size_t i = 0; i < 10; ++i) ++counts[s[i] - '0'];
  int repeated = 0;
  for (int n : counts) {
    if (n > 3) return false;
    if (n >= 2) ++repeated;
  }
  if (repeated != 1) return false;
  for (std::size_t i = 0; i + 2 < 10; ++i)
    if (s[i] == s[i + 1] && s[i] == s[i + 2]) return false;
  return iso7064_mod11_10_valid(s);
}

bool valid_fr_nir(std::string_view candidate) {
  const Compact c = compact(candidate);
  const auto s = c.view();
  if (!c.ok || s.size() != 15) return false;
  if (std::string_view("123478").find(s[0]) == std::string_view::npos) return false;
  // Corsica's departments 2A and 2B count as 19 and 18 in the key.
  char digits[15];
  for (std::size_t i = 0; i < 15; ++i) digits[i] = s[i];
  std::int64_t corsica = 0;
  if (s[5] == '2' && (s[6] == 'A' || s[6] == 'B')) {
    corsica = s[6] == 'A' ? 1000000 : 2000000;
    digits[6] = '0';
  }
  const std::string_view d(digits, 15);
  if (!is_digits(d)) return false;
  const int month = num(d.substr(3, 2));
  if (!((month >= 1 && month <= 12) || (month >= 20 && month <= 42) || (month >= 50 && month <= 99)))
    return false;
  std::int64_t body = 0;
  for (std::size_t i = 0; i < 13; ++i) body = body * 10 + (d[i] - '0');
  body -= corsica;
  const int key = num(d.substr(13, 2));
  return key >= 1 && key <= 97 && key == 97 - static_cast<int>(body % 97);
}

bool valid_es_dni(std::string_view candidate) {
  static constexpr std::string_view kLetters = "TRWAGMYFPDXBNJZSQVHLCKE";
  const Compact c = compact(candidate);
  const auto s = c.view();
  if (!c.ok || s.size() != 9) return false;
  char digits[8];
  std::size_t from = 0;
  if (s[0] == 'X' || s[0] == 'Y' || s[0] == 'Z') {
    digits[0] = static_cast<char>('0' + (s[0] - 'X'));
    from = 1;
  }
  for (std::size_t i = from; i < 8; ++i) digits[i] = s[i];
  const std::string_view d(digits, 8);
  if (!is_digits(d)) return false;
  if (from == 0 && all_same(d)) return false;
  return kLetters[num(d) % 23] == s[8];
}

bool valid_it_fiscal_code(std::string_view candidate) {
  const Compact c = compact(candidate);
  const auto s = c.view();
  if (!c.ok || s.size() != 16) return false;
  auto letter = [](char x) { return x >= 'A' && x <= 'Z'; };
  // Digits of the date and place may be replaced by these letters (omocodia).
  auto digitish = [](char x) {
    return (x >= '0' && x <= '9') || std::string_view("LMNPQRSTUV").find(x) != std::string_view::npos;
  };
  auto digit_value = [](char x) {
    return x <= '9' ? x - '0' : static_cast<int>(std::string_view("LMNPQRSTUV").find(x));
  };
  for (int i : {0, 1, 2, 3, 4, 5, 8, 11, 15})
    if (!letter(s[i])) return false;
  for (int i : {6, 7, 9, 10, 12, 13, 14})
    if (!digitish(s[i])) return false;
  if (std::string_view("ABCDEHLMPRST").find(s[8]) == std::string_view::npos) return false;
  const int day = digit_value(s[9]) * 10 + digit_value(s[10]);
  if (!((day >= 1 && day <= 31) || (day >= 41 && day <= 71))) return false;
  static constexpr int kOdd[36] = {1, 0, 5, 7, 9, 13, 15, 17, 19, 21,  // 0-9
                                   1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8,
                                   12, 14, 16, 10, 22, 25, 24, 23};  // A-Z
  int sum = 0;
  for (int i = 0; i < 15; ++i) {
    const char x = s[i];
    const int idx = x <= '9' ? x - '0' : 10 + (x - 'A');
    if (i % 2 == 0) {
      sum += kOdd[idx];  // 1st, 3rd, ... character (odd positions counting from one)
    } else {
      sum += x <= '9' ? x - '0' : x - 'A';
    }
  }
  return s[15] == 'A' + sum % 26;
}

bool valid_nl_bsn(std::string_view candidate) {
  const Compact c = compact(candidate);
  const auto s = c.view();
  if (!c.ok || s.size() != 9 || !is_digits(s) || all_same(s)) return false;
  int sum = 0;
  for (int i = 0; i < 8; ++i) sum += (9 - i) * (s[i] - '0');
  sum -= s[8] - '0';
  return sum % 11 == 0;
}

bool valid_in_aadhaar(std::string_view candidate) {
  const Compact c = compact(candidate);
  const auto s = c.view();
  if (!c.ok || s.size() != 12 || !is_digits(s) || s[0] < '2' || all_same(s)) return false;
  return verhoeff_valid(s);
}

bool valid_br_cpf(std::string_view candidate) {
  const Compact c = compact(candidate);
  const auto s = c.view();
  if (!c.ok || s.size() != 11 || !is_digits(s) || all_same(s)) return false;
  for (int check = 9; check <= 10; ++check) {
    int sum = 0;
    for (int i = 0; i < check; ++i) sum += (s[i] - '0') * (check + 1 - i);
    int digit = (sum * 10) % 11;
    if (digit == 10) digit = 0;
    if (digit != s[check] - '0') return false;
  }
  return true;
}

}  // namespace stacklens::governai
