#pragma once
// The period a budget counts spend over: the UTC day or calendar month holding a time.
#include <string_view>

#include "core/time.h"

namespace stacklens::alerts {

struct PeriodBounds {
  Micros start_us = 0, end_us = 0;  // [start, end)
};

// `period` is "daily" or "monthly" (model/alert.h).
PeriodBounds period_of(std::string_view period, Micros at_us);

}  // namespace stacklens::alerts
