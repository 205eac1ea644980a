#include <gtest/gtest.h>

#include "storage/sqlite/latency_histogram.h"
#include "storage/sqlite/span_codec.h"
#include "storage/sqlite/span_row.h"
#include "storage/sqlite/sqlite_db.h"
#include "temp_dir.h"

#include <boost/json.hpp>

using namespace stacklens;
using namespace stacklens::sqlite;

// Migrations above PRAGMA user_version apply in order, each once; a failing one leaves the
// database as it was before it; a database newer than the binary is refused.
TEST(SqliteMigrations, ApplyEachOnceInOrderAndRefuseNewerDatabases) {
  const auto dir = fresh_dir("migrate");
  auto db = Db::open((dir / "schema.db").string());
  ASSERT_TRUE(db);
  const auto ask = [&](std::string_view sql) {
    auto n = (*db)->query_int(sql);
    EXPECT_TRUE(n);
    return n ? *n : -1;
  };
  const std::vector<std::string_view> two = {"CREATE TABLE t(a INTEGER); INSERT INTO t VALUES(1);",
                                             "ALTER TABLE t ADD COLUMN b INTEGER NOT NULL DEFAULT 2;"};
  ASSERT_TRUE(migrate(**db, {two[0]}));
  EXPECT_EQ(ask("PRAGMA user_version"), 1);
  ASSERT_TRUE(migrate(**db, two));  // only the second runs: the first again would fail (t exists)
  EXPECT_EQ(ask("PRAGMA user_version"), 2);
  EXPECT_EQ(ask("SELECT a + b FROM t"), 3);
  ASSERT_TRUE(migrate(**db, two));
  EXPECT_EQ(ask("SELECT count(*) FROM t"), 1);
  auto failing = two;
  failing.push_back("INSERT INTO t VALUES(5, 5); SELECT no_such_function();");
  ASSERT_FALSE(migrate(**db, failing));
  EXPECT_EQ(ask("PRAGMA user_version"), 2);
  EXPECT_EQ(ask("SELECT count(*) FROM t"), 1);
  auto newer = migrate(**db, {two[0]});
  ASSERT_FALSE(newer);
  EXPECT_NE(newer.error().message.find("database schema version 2 is newer than this binary knows (1)"),
            std::string::npos)
      << newer.error().message;
  db->reset();
  std::filesystem::remove_all(dir);
}

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
  const std::string attrs = attributes_json({{"user_id", "u1"}, {"x", "user_id"}}, {});
  EXPECT_NE(attrs.find(attribute_needle("user_id", "u1")), std::string::npos);
  EXPECT_EQ(attrs.find(attribute_needle("user_id", "u")), std::string::npos);
  EXPECT_EQ(attrs.find(attribute_needle("id", "u1")), std::string::npos);
  const std::string tags = tags_json({"blue", "dark-blue"});
  EXPECT_NE(tags.find(tag_needle("blue")), std::string::npos);
  EXPECT_EQ(tags_json({"dark-blue"}).find(tag_needle("blue")), std::string::npos);
  Attributes back;
  std::vector<std::string> typed;
  parse_attributes(attrs, back, typed);
  EXPECT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].second, "u1");
  EXPECT_TRUE(typed.empty());
}

// Typed values (OTLP's) are kept as their JSON and read back typed; the same text as a string
// stays a string, and a typed value rewritten into something else (redacted) is stored as a string.
TEST(SpanCodec, TypedAttributesRoundTrip) {
  const Attributes attrs{{"retries", "3"},   {"ratio", "0.25"},  {"ok", "true"},         {"list", R"([1,"a",false])"},
                         {"as_text", "3"},   {"kv", R"({"a":1})"}, {"redacted", "[EMAIL]x"}};
  const std::vector<std::string> typed{"retries", "ratio", "ok", "list", "kv", "redacted"};
  const std::string text = attributes_json(attrs, typed);
  EXPECT_EQ(text, R"({"retries":3,"ratio":0.25,"ok":true,"list":[1,"a",false],"as_text":"3","kv":{"a":1},)"
                  R"("redacted":"[EMAIL]x"})");
  Attributes back;
  std::vector<std::string> back_typed;
  parse_attributes(text, back, back_typed);
  EXPECT_EQ(back, attrs);
  EXPECT_EQ(back_typed, (std::vector<std::string>{"retries", "ratio", "ok", "list", "kv"}));
  // A repeated key: the last value wins, typed or not.
  EXPECT_EQ(attributes_json({{"a", "1"}, {"b", "x"}, {"a", "2"}}, {"a"}), R"({"a":2,"b":"x"})");
}

// The numeric attribute filter: numbers always, strings holding only a number when asked, in any of
// several concatenated objects, never a key's needle inside a string value.
TEST(SpanCodec, AttributeNumberMatches) {
  const std::string rows = R"({"retries":3,"name":"a"}{"retries":"7","n":1.5}{"x":""retries":100"})";
  const std::string key = attribute_key_needle("retries");
  EXPECT_TRUE(attribute_number_matches(rows, key, ">", 2, false));
  EXPECT_FALSE(attribute_number_matches(rows, key, ">", 3, false));
  EXPECT_TRUE(attribute_number_matches(rows, key, ">", 3, true));   // "7"
  EXPECT_FALSE(attribute_number_matches(rows, key, ">", 7, true));  // not the 100 inside a string
  EXPECT_TRUE(attribute_number_matches(rows, key, ">=", 7, true));
  EXPECT_TRUE(attribute_number_matches(rows, key, "<", 4, false));
  EXPECT_FALSE(attribute_number_matches(rows, key, "<", 3, false));
  EXPECT_TRUE(attribute_number_matches(rows, key, "<=", 3, false));
  EXPECT_TRUE(attribute_number_matches(rows, key, "=", 3, false));
  EXPECT_FALSE(attribute_number_matches(rows, key, "=", 7, false));
  EXPECT_TRUE(attribute_number_matches(rows, attribute_key_needle("n"), "=", 1.5, false));
  EXPECT_FALSE(attribute_number_matches(rows, attribute_key_needle("name"), ">", -1e300, true));
  EXPECT_FALSE(attribute_number_matches(R"({"v":"12abc","w":12e})", attribute_key_needle("v"), ">", 0, true));
  EXPECT_FALSE(attribute_number_matches(R"({"w":[5]})", attribute_key_needle("w"), ">", 0, true));
  EXPECT_EQ(decimal_number("-2.5e1"), -25.0);
  EXPECT_FALSE(decimal_number("inf"));
  EXPECT_FALSE(decimal_number("2x"));
  EXPECT_FALSE(decimal_number(""));
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
      EXPECT_EQ(attributes_json(attrs, {}), boost::json::serialize(o));
    }
  boost::json::array a;
  for (const auto& t : samples) a.emplace_back(t);
  EXPECT_EQ(tags_json(samples), boost::json::serialize(a));
  EXPECT_EQ(tags_json({}), "[]");
  EXPECT_EQ(attributes_json({}, {}), "{}");
  // A repeated key keeps its first place and its last value, as in an object.
  EXPECT_EQ(attributes_json({{"a", "1"}, {"b", "2"}, {"a", "3"}}, {}), R"({"a":"3","b":"2"})");
}

namespace {
SpanRecord full_record() {
  SpanRecord r;
  Span& s = r.span;
  s.project_id = 3;
  s.trace_id = std::string(32, 'a');
  s.span_id = "span-\x01\xff";
  s.parent_span_id = "";
  s.name = "op";
  s.kind = "llm";
  s.status = "error";
  s.start_us = -5;
  s.end_us = INT64_MAX;
  s.events = {SpanEvent{"retry", 12, {{"attempt", "2"}}, {}}};
  LlmData& l = s.llm.emplace();
  l.model = "m";
  l.provider = "p";
  l.input_tokens = 0;
  l.output_tokens = INT64_MIN;
  l.total_tokens = 1 << 20;
  l.cost_usd = 0.1 + 0.2;
  l.temperature = -0.0;
  l.max_tokens = 4096;
  l.is_streaming = true;
  l.finish_reason = "length";
  l.cache_read_tokens = 3;
  l.cache_write_tokens = INT64_MAX;
  l.reasoning_tokens = 1;
  l.cost_source = CostSource::unpriced;
  r.prompt = SealedText{std::string("sealed\0prompt", 13), 7};
  r.completion = SealedText{"", 2};
  r.encoded = SpanRecord::Encoded{"{\"k\":\"v\"}", "[]", events_json(s.events), 1, 2, std::nullopt, 0, 0, {}, {}, {}};
  return r;
}
}  // namespace

// Every field packed into a span row comes back as it went in, with its text in the row or in
// spans.text, and with or without the optional parts.
TEST(SpanRow, PacksAndUnpacksEveryField) {
  SpanRecord full = full_record();
  SpanRecord bare;
  bare.span.trace_id = "t";
  bare.span.span_id = "s";
  bare.encoded = SpanRecord::Encoded{"", "[]", "[]", 1, 2, std::nullopt, 0, 0, {}, {}, {}};
  SpanRecord in_log = full_record();
  in_log.encoded->text_at = int64_t{1} << 40;
  in_log.encoded->prompt_len = 13;
  in_log.encoded->completion_len = 0;
  for (const SpanRecord* r : {&full, &bare, &in_log}) {
    SpanRecord back;
    PackedPlace place;
    ASSERT_TRUE(unpack_span(pack_span(*r), back, place));
    const Span &a = r->span, &b = back.span;
    EXPECT_EQ(b.parent_span_id, a.parent_span_id);
    EXPECT_EQ(b.kind, a.kind);
    EXPECT_EQ(b.status, a.status);
    EXPECT_EQ(b.start_us, a.start_us);
    EXPECT_EQ(b.end_us, a.end_us);
    ASSERT_EQ(b.events.size(), a.events.size());
    if (!a.events.empty()) {
      EXPECT_EQ(b.events[0].attributes, a.events[0].attributes);
    }
    ASSERT_EQ(b.llm.has_value(), a.llm.has_value());
    if (a.llm) {  // model and provider are columns, not packed
      EXPECT_EQ(b.llm->input_tokens, a.llm->input_tokens);
      EXPECT_EQ(b.llm->output_tokens, a.llm->output_tokens);
      EXPECT_EQ(b.llm->total_tokens, a.llm->total_tokens);
      EXPECT_EQ(b.llm->cost_usd, a.llm->cost_usd);
      EXPECT_EQ(b.llm->temperature, a.llm->temperature);
      EXPECT_EQ(b.llm->max_tokens, a.llm->max_tokens);
      EXPECT_EQ(b.llm->is_streaming, a.llm->is_streaming);
      EXPECT_EQ(b.llm->finish_reason, a.llm->finish_reason);
      EXPECT_EQ(b.llm->cache_read_tokens, a.llm->cache_read_tokens);
      EXPECT_EQ(b.llm->cache_write_tokens, a.llm->cache_write_tokens);
      EXPECT_EQ(b.llm->reasoning_tokens, a.llm->reasoning_tokens);
      EXPECT_EQ(b.llm->cost_source, a.llm->cost_source);
    }
    EXPECT_EQ(place.attributes_len, static_cast<int64_t>(r->encoded->attributes.size()));
    EXPECT_EQ(place.text_at, r->encoded->text_at);
    ASSERT_EQ(back.prompt.has_value(), r->prompt.has_value());
    ASSERT_EQ(back.completion.has_value(), r->completion.has_value());
    if (r->prompt) {
      EXPECT_EQ(back.prompt->key_id, r->prompt->key_id);
      EXPECT_EQ(back.completion->key_id, r->completion->key_id);
      if (r->encoded->text_at) {  // the bytes are in spans.text: only their lengths are packed
        EXPECT_EQ(back.prompt->bytes, "");
        EXPECT_EQ(place.prompt_len, 13);
        EXPECT_EQ(place.completion_len, 0);
      } else {
        EXPECT_EQ(back.prompt->bytes, r->prompt->bytes);
        EXPECT_EQ(back.completion->bytes, r->completion->bytes);
      }
    }
  }
}

// A damaged blob is an error that says so, never a read past its end.
TEST(SpanRow, RefusesDamagedRows) {
  const std::string packed = pack_span(full_record());
  for (size_t n = 0; n < packed.size(); ++n) {
    SpanRecord back;
    PackedPlace place;
    auto st = unpack_span(std::string_view(packed).substr(0, n), back, place);
    ASSERT_FALSE(st) << n;
    EXPECT_NE(st.error().message.find("stored span row is corrupt"), std::string::npos);
  }
  SpanRecord back;
  PackedPlace place;
  EXPECT_FALSE(unpack_span(packed + "x", back, place));
  // Version 1 (before the cost source) still reads: a span without LLM data is packed alike.
  SpanRecord plain = full_record();
  plain.span.llm.reset();
  std::string version1 = pack_span(plain);
  version1[0] = 1;
  EXPECT_TRUE(unpack_span(version1, back, place));
  std::string other_version = packed;
  other_version[0] = 3;
  EXPECT_FALSE(unpack_span(other_version, back, place));
  SpanRecord unknown_source = full_record();
  unknown_source.span.llm->cost_source = static_cast<CostSource>(std::size(kCostSources));
  EXPECT_FALSE(unpack_span(pack_span(unknown_source), back, place));
  EXPECT_FALSE(unpack_span(std::string(1, '\1') + std::string(12, '\xff'), back, place));  // endless varint
}

// A recompute rewrites a row's cost and cost source in place; everything else reads back as it was,
// and a version 1 row (no cost source) comes back as version 2.
TEST(SpanRow, WithCostReplacesOnlyTheCost) {
  SpanRecord r = full_record();
  const std::string packed = pack_span(r);
  auto repriced = with_cost(packed, 0.125, CostSource::custom);
  ASSERT_TRUE(repriced) << repriced.error().message;
  SpanRecord back, original;
  PackedPlace place, original_place;
  ASSERT_TRUE(unpack_span(*repriced, back, place));
  ASSERT_TRUE(unpack_span(packed, original, original_place));
  EXPECT_EQ(back.span.llm->cost_usd, 0.125);
  EXPECT_EQ(back.span.llm->cost_source, CostSource::custom);
  const LlmData &a = *back.span.llm, &b = *original.span.llm;
  EXPECT_EQ(std::tie(a.input_tokens, a.output_tokens, a.total_tokens, a.cache_read_tokens, a.cache_write_tokens,
                     a.reasoning_tokens, a.temperature, a.max_tokens, a.finish_reason, a.is_streaming),
            std::tie(b.input_tokens, b.output_tokens, b.total_tokens, b.cache_read_tokens, b.cache_write_tokens,
                     b.reasoning_tokens, b.temperature, b.max_tokens, b.finish_reason, b.is_streaming));
  EXPECT_EQ(std::tie(back.span.start_us, back.span.end_us, back.span.kind, back.span.status, back.span.parent_span_id),
            std::tie(original.span.start_us, original.span.end_us, original.span.kind, original.span.status,
                     original.span.parent_span_id));
  EXPECT_EQ(back.span.events.size(), original.span.events.size());
  EXPECT_EQ(std::tie(place.text_at, place.prompt_len, place.completion_len, place.attributes_len),
            std::tie(original_place.text_at, original_place.prompt_len, original_place.completion_len,
                     original_place.attributes_len));
  // The same cost again gives the same bytes.
  auto again = with_cost(packed, original.span.llm->cost_usd, original.span.llm->cost_source);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, packed);

  SpanRecord no_llm = full_record();
  no_llm.span.llm.reset();
  EXPECT_FALSE(with_cost(pack_span(no_llm), 1.0, CostSource::custom));
  EXPECT_FALSE(with_cost(packed.substr(0, 12), 1.0, CostSource::custom));
}
