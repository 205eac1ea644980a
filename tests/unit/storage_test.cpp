#include <gtest/gtest.h>

#include "storage/sqlite/latency_histogram.h"
#include "storage/sqlite/span_codec.h"

#include <boost/json.hpp>

using namespace stacklens;
using namespace stacklens::sqlite;

TEST(LatencyHistogram, PercentilesWithinTenPercent) {
  LatencyHistogram h;
  for (int ms = 1; ms <= 1000; ++ms) h.add(ms * 1000);
  EXPECT_NEAR(h.quantile_ms(0.50), 500, 50);
  EXPECT_NEAR(h.quantile_ms(0.95), 950, 95);
  EXPECT_NEAR(h.quantile_ms(0.99), 990, 99);
  EXPECT_EQ(LatencyHistogram().quantile_ms(0.5), 0);
}

TEST(LatencyHistogram, EncodesSparselyAndMerges) {
  LatencyHistogram a, b;
  a.add(0);
  a.add(2'000'000, 3);
  b.add(5'000);
  const std::string enc = a.encode();
  EXPECT_LT(enc.size(), 10u);
  ASSERT_TRUE(b.merge_encoded(enc));
  EXPECT_EQ(b.total(), 5);
  EXPECT_FALSE(b.merge_encoded(std::string("\xff", 1)));
}

TEST(SpanCodec, IdKeysAreStableAndDistinct) {
  EXPECT_EQ(id_key("trace-1"), id_key("trace-1"));
  EXPECT_NE(id_key("trace-1"), id_key("trace-2"));
}

TEST(SpanCodec, NeedlesMatchExactlyTheAttributeOrTag) {
  const std::string attrs = attributes_json({{"user_id", "u1"}, {"x", "user_id"}});
  EXPECT_NE(attrs.find(attribute_needle("user_id", "u1")), std::string::npos);
  EXPECT_EQ(attrs.find(attribute_needle("user_id", "u")), std::string::npos);
  EXPECT_EQ(attrs.find(attribute_needle("id", "u1")), std::string::npos);
  const std::string tags = tags_json({"blue", "dark-blue"});
  EXPECT_NE(tags.find(tag_needle("blue")), std::string::npos);
  EXPECT_EQ(tags_json({"dark-blue"}).find(tag_needle("blue")), std::string::npos);
  Attributes back;
  parse_attributes(attrs, back);
  EXPECT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].second, "u1");
}

// The columns are written without a bj::value; their text must be what serialising one gives,
// since filters search it for needles made by the serialiser.
TEST(SpanCodec, ColumnsAreTheSerialisersText) {
  std::string every_byte;
  for (int c = 1; c < 256; ++c) every_byte += static_cast<char>(c);
  every_byte += std::string("\0mid", 4);
  const std::vector<std::string> samples = {"", "plain", "a\"b\\c/d", "line\nbreak\ttab\r\b\f", "\x01\x1f\x7f",
                                            "caf\xc3\xa9 \xe2\x9c\x93", every_byte};
  for (const auto& k : samples)
    for (const auto& v : samples) {
      Attributes attrs{{k, v}, {"other", k}};
      boost::json::object o;
      for (const auto& [ak, av] : attrs) o[ak] = av;
      EXPECT_EQ(attributes_json(attrs), boost::json::serialize(o));
    }
  boost::json::array a;
  for (const auto& t : samples) a.emplace_back(t);
  EXPECT_EQ(tags_json(samples), boost::json::serialize(a));
  EXPECT_EQ(tags_json({}), "[]");
  EXPECT_EQ(attributes_json({}), "{}");
  // A repeated key keeps its first place and its last value, as in an object.
  EXPECT_EQ(attributes_json({{"a", "1"}, {"b", "2"}, {"a", "3"}}), R"({"a":"3","b":"2"})");
}
