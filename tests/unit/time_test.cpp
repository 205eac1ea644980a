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
  EXPECT_EQ(format_iso8601(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(format_iso8601(951782399999999), "2000-02-28T23:59:59.999999Z");
  EXPECT_EQ(format_iso8601(1709164800LL * 1000000), "2024-02-29T00:00:00.000000Z");
  EXPECT_EQ(format_iso8601(-1), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(format_iso8601(253402300799999999), "9999-12-31T23:59:59.999999Z");
  EXPECT_EQ(format_iso8601(253402300800000000), "10000-01-01T00:00:00.000000Z");  // past four digits
}

TEST(Time, TimestampsAsClientsSendThem) {
  EXPECT_EQ(*parse_timestamp("2024-01-01T12:00:00Z", "from"), 1704110400LL * 1000000);
  EXPECT_EQ(*parse_timestamp("1704110400123456789", "from"), 1704110400LL * 1000000 + 123456);
  EXPECT_EQ(*micros_from_nanos(1704110400123456789, "startTime"), 1704110400LL * 1000000 + 123456);
}

TEST(Time, BadTimestampsNameWhereTheyCameFrom) {
  const auto text = parse_timestamp("yesterday", "query parameter from");
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().code, ErrorCode::bad_request);
  EXPECT_EQ(text.error().message,
            "query parameter from is not a valid time: use ISO-8601 (2024-01-01T12:00:00+00:00) or nanoseconds "
            "since the epoch");
  for (const char* zero : {"0", "000"}) {
    const auto t = parse_timestamp(zero, "startTime");
    ASSERT_FALSE(t) << zero;
    EXPECT_EQ(t.error().message, "startTime must be after 1970");
  }
  EXPECT_FALSE(micros_from_nanos(-1, "endTime"));
  // More digits than 64 bits hold are not nanoseconds, nor ISO-8601.
  EXPECT_FALSE(parse_timestamp("99999999999999999999", "to"));
}
