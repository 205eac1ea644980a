#include "alerts/budget_period.h"

#include <ctime>

namespace stacklens::alerts {
namespace {

constexpr Micros kDayUs = 86400LL * 1000000;

Micros utc_micros(int year, int month0) {
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month0;
  tm.tm_mday = 1;
  return static_cast<Micros>(timegm(&tm)) * 1000000;
}

}  // namespace

PeriodBounds period_of(std::string_view period, Micros at_us) {
  if (period == "daily") {
    const Micros start = at_us / kDayUs * kDayUs;
    return {start, start + kDayUs};
  }
  const std::time_t secs = static_cast<std::time_t>(at_us / 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  const int year = tm.tm_year + 1900;
  return {utc_micros(year, tm.tm_mon), tm.tm_mon == 11 ? utc_micros(year + 1, 0) : utc_micros(year, tm.tm_mon + 1)};
}

}  // namespace stacklens::alerts
