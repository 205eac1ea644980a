#include <gtest/gtest.h>

#include "core/time.h"

using namespace stacklens;

TEST(Time, ParsesPythonIsoformatWithOffset) {
  EXPECT_EQ(parse_iso8601("2024-01-01T12:00:00+00:00"), 1704110400LL * 1000000);
  EXPECT_EQ(parse_iso8601("2024-01-01T12:00:00.123456+00:00"), 1704110400LL * 1000000 + 123456);
}

TEST(Time, NoOffsetMeansUtc) { EXPECT_EQ(parse_iso8601("2024-01-01T12:00:00"), 1704110400LL * 1000000); }

TEST(Time, AppliesOffsets) {
  EXPECT_EQ(parse_iso8601("2024-01-01T14:00:00+02:00"), 1704110400LL * 1000000);
  EXPECT_EQ(parse_iso8601("2024-01-01T07:30:00-04:30"), 1704110400LL * 1000000);
  EXPECT_EQ(parse_iso8601("2024-01-01T12:00:00Z"), 1704110400LL * 1000000);
}

TEST(Time, NanosecondFractionsTruncateToMicros) {
  EXPECT_EQ(parse_iso8601("2024-01-01T12:00:00.123456789Z"), 1704110400LL * 1000000 + 123456);
  EXPECT_EQ(parse_iso8601("2024-01-01T12:00:00.5Z"), 1704110400LL * 1000000 + 500000);
}

TEST(Time, RejectsMalformed) {
  for (const char* bad : {"", "yesterday", "2024-13-01T00:00:00", "2024-02-30T00:00:00", "2024-01-01 12:00",
                          "2024-01-01T25:00:00", "2024-01-01T12:00:00.Z", "2024-01-01T12:00:00+0", "1969-12-31T23:59:59",
                          "2024-01-01T12:00:00Zjunk"})
    EXPECT_FALSE(parse_iso8601(bad).has_value()) << bad;
}

TEST(Time, LeapDay) { EXPECT_TRUE(parse_iso8601("2024-02-29T00:00:00").has_value()); }

TEST(Time, FormatRoundTrips) {
  const Micros t = 1704110400LL * 1000000 + 42;
  EXPECT_EQ(format_iso8601(t), "2024-01-01T12:00:00.000042Z");
  EXPECT_EQ(parse_iso8601(format_iso8601(t)), t);
}
