#include "governai/network_ids.h"

#include <arpa/inet.h>

#include "governai/checksums.h"
#include "governai/compact.h"

namespace stacklens::governai {

namespace {
bool alnum(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
}  // namespace

bool valid_email(std::string_view candidate) {
  const auto at = candidate.find('@');
  if (at == std::string_view::npos || at == 0 || at > 64) return false;
  const auto local = candidate.substr(0, at);
  const auto domain = candidate.substr(at + 1);
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) return false;
  // A UTF-8 local part (RFC 6531) must start on a character, not inside one.
  if ((static_cast<unsigned char>(local.front()) & 0xC0) == 0x80) return false;
  if (domain.size() < 4 || domain.size() > 253) return false;
  std::size_t label_start = 0;
  std::size_t labels = 0;
  for (std::size_t i = 0; i <= domain.size(); ++i) {
    if (i < domain.size() && domain[i] != '.') {
      if (!alnum(domain[i]) && domain[i] != '-') return false;
      continue;
    }
    const auto label = domain.substr(label_start, i - label_start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    ++labels;
    if (i == domain.size()) {
      if (label.size() < 2) return false;
      for (char c : label)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) return false;
    }
    label_start = i + 1;
  }
  return labels >= 2;
}

bool valid_ipv4(std::string_view candidate) {
  int octets = 0;
  std::size_t i = 0;
  while (i <= candidate.size()) {
    std::size_t j = i;
    int value = 0;
    while (j < candidate.size() && candidate[j] >= '0' && candidate[j] <= '9' && j - i < 4) {
      value = value * 10 + (candidate[j] - '0');
      ++j;
    }
    const std::size_t n = j - i;
    if (n == 0 || n > 3 || value > 255 || (n > 1 && candidate[i] == '0')) return false;
    ++octets;
    if (j == candidate.size()) break;
    if (candidate[j] != '.' || octets == 4) return false;
    i = j + 1;
  }
  return octets == 4;
}

bool valid_ipv6(std::string_view candidate) {
  if (candidate.size() < 2 || candidate.size() > 39) return false;
  char buf[40];
  int colons = 0;
  int hexdigits = 0;
  for (std::size_t i = 0; i < candidate.size(); ++i) {
    buf[i] = candidate[i];
    if (candidate[i] == ':') {
      ++colons;
    } else if (hex(candidate[i])) {
      ++hexdigits;
    } else {
      return false;
    }
  }
  buf[candidate.size()] = '\0';
  // "::" alone and "a::b" are too short to tell from code (`std::`, C++ scopes) and times.
  if (colons < 2 || hexdigits < 2) return false;
  if (colons < 7 && candidate.find("::") == std::string_view::npos) return false;
  unsigned char addr[16];
  return inet_pton(AF_INET6, buf, addr) == 1;
}

bool valid_mac(std::string_view candidate) {
  if (candidate.size() == 17) {
    const char sep = candidate[2];
    if (sep != ':' && sep != '-') return false;
    for (std::size_t i = 0; i < 17; ++i) {
      if (i % 3 == 2) {
        if (candidate[i] != sep) return false;
      } else if (!hex(candidate[i])) {
        return false;
      }
    }
  } else if (candidate.size() == 14) {
    for (std::size_t i = 0; i < 14; ++i) {
      if (i == 4 || i == 9) {
        if (candidate[i] != '.') return false;
      } else if (!hex(candidate[i])) {
        return false;
      }
    }
  } else {
    return false;
  }
  // Six groups of decimal digits are ranges and dates far more often than addresses, and
  // 00:00:00:00:00:00 identifies nothing.
  bool letter = false;
  for (char c : candidate) letter = letter || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  return letter;
}

bool valid_imei(std::string_view candidate) {
  const Compact c = compact(candidate);
  const auto s = c.view();
  return c.ok && s.size() == 15 && is_digits(s) && !all_same(s) && luhn_valid(s);
}

bool valid_uuid(std::string_view candidate) {
  if (candidate.size() != 36) return false;
  bool nonzero = false;
  for (std::size_t i = 0; i < 36; ++i) {
    const char c = candidate[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!hex(c)) {
      return false;
    } else if (c != '0') {
      nonzero = true;
    }
  }
  return nonzero;
}

}  // namespace stacklens::governai
