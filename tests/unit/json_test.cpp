// The one JSON layer's own writer: append_quoted's strings are what Boost.JSON writes and reads back.
#include <gtest/gtest.h>

#include <string>

#include "core/json.h"

using namespace stacklens;

TEST(Json, QuotedStringsReadBackAsTheyWere) {
  std::string every_byte;
  for (int c = 1; c < 128; ++c) every_byte += static_cast<char>(c);
  for (const std::string& s : {std::string(), std::string("plain"), std::string("a\"b\\c\nd\te\rf\bg\fh"),
                              std::string("\x01\x1f"), every_byte, std::string("caf\xc3\xa9 \xe2\x82\xac"),
                              std::string(1000, '"')}) {
    std::string out = "x";
    json::append_quoted(out, s);
    ASSERT_EQ(out[0], 'x');
    auto back = json::parse(std::string_view(out).substr(1));
    ASSERT_TRUE(back) << out;
    ASSERT_TRUE(back->is_string()) << out;
    EXPECT_EQ(std::string(back->get_string()), s);
  }
  std::string out;
  json::append_quoted(out, "\x01\n\"");
  EXPECT_EQ(out, "\"\\u0001\\n\\\"\"");
}
