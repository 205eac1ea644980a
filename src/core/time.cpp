#include "core/time.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>

namespace stacklens {
namespace {

bool digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

// Days from civil date, Howard Hinnant's algorithm.
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

}  // namespace

std::optional<Micros> parse_iso8601(std::string_view s) {
  int year, month, day, hour, minute, second;
  if (!digits(s, 0, 4, year) || s.size() < 19 || s[4] != '-' || !digits(s, 5, 2, month) || s[7] != '-' ||
      !digits(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s, 11, 2, hour) ||
      s[13] != ':' || !digits(s, 14, 2, minute) || s[16] != ':' || !digits(s, 17, 2, second))
    return std::nullopt;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (year < 1970 || month < 1 || month > 12 || day < 1) return std::nullopt;
  if (day > kDays[month - 1] + (month == 2 && leap(year) ? 1 : 0)) return std::nullopt;
  if (hour > 23 || minute > 59 || second > 60) return std::nullopt;
  size_t pos = 19;
  int64_t micros = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t n = 0;
    int64_t scale = 100000;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (n < 6) micros += (s[pos] - '0') * scale, scale /= 10;
      ++pos, ++n;
    }
    if (n == 0 || n > 9) return std::nullopt;
  }
  int64_t offset_seconds = 0;
  if (pos < s.size()) {
    if (s[pos] == 'Z' || s[pos] == 'z') {
      ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
      int oh, om;
      const int sign = s[pos] == '-' ? -1 : 1;
      if (!digits(s, pos + 1, 2, oh)) return std::nullopt;
      size_t mpos = pos + 3;
      if (mpos < s.size() && s[mpos] == ':') ++mpos;
      if (!digits(s, mpos, 2, om)) return std::nullopt;
      if (oh > 23 || om > 59) return std::nullopt;
      offset_seconds = sign * (oh * 3600 + om * 60);
      pos = mpos + 2;
    }
  }
  if (pos != s.size()) return std::nullopt;
  const int64_t days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  const int64_t secs = days * 86400 + hour * 3600 + minute * 60 + second - offset_seconds;
  return secs * 1000000 + micros;
}

std::string format_iso8601(Micros us) {
  int64_t secs = us >= 0 ? us / 1000000 : (us - 999999) / 1000000;
  const int64_t frac = us - secs * 1000000;
  int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  int64_t rem = secs - days * 86400;
  // civil_from_days
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t year = y + (m <= 2);
  if (year < 0 || year > 9999) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%06lldZ", static_cast<long long>(year), m, d,
                  static_cast<long long>(rem / 3600), static_cast<long long>(rem % 3600 / 60),
                  static_cast<long long>(rem % 60), static_cast<long long>(frac));
    return buf;
  }
  // The usual years digit by digit (exports format millions of these; snprintf parses its format
  // string each time).
  std::string out(27, '\0');
  char* p = out.data();
  const auto digits = [&p](int64_t v, int n) {
    for (int i = n - 1; i >= 0; --i, v /= 10) p[i] = static_cast<char>('0' + v % 10);
    p += n;
  };
  digits(year, 4), *p++ = '-', digits(m, 2), *p++ = '-', digits(d, 2), *p++ = 'T';
  digits(rem / 3600, 2), *p++ = ':', digits(rem % 3600 / 60, 2), *p++ = ':', digits(rem % 60, 2), *p++ = '.';
  digits(frac, 6), *p = 'Z';
  return out;
}

Result<Micros> micros_from_nanos(int64_t ns, std::string_view where) {
  if (ns <= 0) return make_error(ErrorCode::bad_request, fmt::format("{} must be after 1970", where));
  return ns / 1000;
}

Result<Micros> parse_timestamp(std::string_view s, std::string_view where) {
  if (!s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    int64_t ns = 0;
    if (std::from_chars(s.data(), s.data() + s.size(), ns).ec == std::errc()) return micros_from_nanos(ns, where);
  }
  if (auto t = parse_iso8601(s)) return *t;
  return make_error(ErrorCode::bad_request,
                    fmt::format("{} is not a valid time: use ISO-8601 (2024-01-01T12:00:00+00:00) or "
                                "nanoseconds since the epoch",
                                where));
}

Micros now_micros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace stacklens
