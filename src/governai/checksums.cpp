#include "governai/checksums.h"

namespace stacklens::governai {

namespace {
bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}
}  // namespace

bool luhn_valid(std::string_view digits) {
  if (!all_digits(digits)) return false;
  int sum = 0;
  bool twice = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    int d = *it - '0';
    if (twice) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

bool verhoeff_valid(std::string_view digits) {
  static constexpr unsigned char d[10][10] = {
      {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 3, 4, 0, 6, 7, 8, 9, 5}, {2, 3, 4, 0, 1, 7, 8, 9, 5, 6},
      {3, 4, 0, 1, 2, 8, 9, 5, 6, 7}, {4, 0, 1, 2, 3, 9, 5, 6, 7, 8}, {5, 9, 8, 7, 6, 0, 4, 3, 2, 1},
      {6, 5, 9, 8, 7, 1, 0, 4, 3, 2}, {7, 6, 5, 9, 8, 2, 1, 0, 4, 3}, {8, 7, 6, 5, 9, 3, 2, 1, 0, 4},
      {9, 8, 7, 6, 5, 4, 3, 2, 1, 0}};
  static constexpr unsigned char p[8][10] = {
      {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 5, 7, 6, 2, 8, 3, 0, 9, 4}, {5, 8, 0, 3, 7, 9, 6, 1, 4, 2},
      {8, 9, 1, 6, 0, 4, 3, 5, 2, 7}, {9, 4, 5, 3, 1, 2, 6, 8, 7, 0}, {4, 2, 8, 6, 5, 7, 3, 9, 0, 1},
      {2, 7, 9, 3, 8, 0, 6, 4, 1, 5}, {7, 0, 4, 6, 9, 1, 3, 2, 5, 8}};
  if (!all_digits(digits)) return false;
  int c = 0;
  int i = 0;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it, ++i) c = d[c][p[i % 8][*it - '0']];
  return c == 0;
}

int mod97(std::string_view alnum) {
  if (alnum.empty()) return -1;
  int r = 0;
  for (char ch : alnum) {
    if (ch >= '0' && ch <= '9') {
      r = (r * 10 + (ch - '0')) % 97;
    } else if (ch >= 'A' && ch <= 'Z') {
      r = (r * 100 + (ch - 'A' + 10)) % 97;
    } else {
      return -1;
    }
  }
  return r;
}

bool iso7064_mod11_10_valid(std::string_view digits) {
  if (digits.size() < 2 || !all_digits(digits)) return false;
  int product = 10;
  for (std::size_t i = 0; i + 1 < digits.size(); ++i) {
    int sum = (digits[i] - '0' + product) % 10;
    if (sum == 0) sum = 10;
    product = (sum * 2) % 11;
  }
  int check = 11 - product;
  if (check == 10) check = 0;
  return check == digits.back() - '0';
}

}  // namespace stacklens::governai
