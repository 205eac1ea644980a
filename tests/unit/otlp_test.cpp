#include <fmt/format.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include "fuzz_inputs.h"
#include "ingest/span_validator.h"
#include "otlp/encoding.h"
#include "otlp/export_reader.h"
#include "otlp/export_response.h"
#include "otlp/genai_mapping.h"
#include "otlp/gzip.h"
#include "otlp/otlp_decoder.h"
#include "otlp/otlp_json.h"
#include "otlp/protobuf_reader.h"

namespace stacklens::otlp {
namespace {

namespace bj = boost::json;

std::string message(std::initializer_list<std::string> fields) {
  std::string out;
  for (const auto& f : fields) out += f;
  return out;
}
std::string bytes_field(uint32_t n, std::string_view v) {
  std::string out;
  put_bytes_field(out, n, v);
  return out;
}
std::string varint_field(uint32_t n, uint64_t v) {
  std::string out;
  put_varint_field(out, n, v);
  return out;
}
std::string fixed64_field(uint32_t n, uint64_t v) {
  std::string out;
  put_tag(out, n, WireType::fixed64);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  return out;
}

TEST(ProtobufReader, ReadsEveryWireType) {
  std::string buf = varint_field(1, 300) + fixed64_field(2, 0x0102030405060708ULL) + bytes_field(3, "abc");
  put_tag(buf, 4, WireType::fixed32);
  buf += std::string("\x01\x00\x00\x00", 4);
  ProtobufReader r(buf);
  auto a = r.next();
  ASSERT_TRUE(a && *a);
  EXPECT_EQ((*a)->number, 1u);
  EXPECT_EQ((*a)->scalar, 300u);
  auto b = r.next();
  EXPECT_EQ((*b)->scalar, 0x0102030405060708ULL);
  auto c = r.next();
  EXPECT_EQ((*c)->bytes, "abc");
  auto d = r.next();
  EXPECT_EQ((*d)->type, WireType::fixed32);
  EXPECT_EQ((*d)->scalar, 1u);
  auto end = r.next();
  ASSERT_TRUE(end);
  EXPECT_FALSE(*end);
}

TEST(ProtobufReader, RefusesMalformedInput) {
  for (std::string bad : {std::string("\x0a\x05", 2), std::string("\x08", 1), std::string("\x09\x01\x02", 3),
                          std::string("\x0b", 1), std::string("\x00\x01", 2),
                          std::string("\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 12),
                          std::string("\x0a\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 10)}) {
    ProtobufReader r(bad);
    auto f = r.next();
    EXPECT_FALSE(f) << "input of " << bad.size() << " bytes";
  }
}

TEST(Encoding, HexAndBase64RoundTrip) {
  const std::string raw("\x00\x01\xfe\xff\x10", 5);
  EXPECT_EQ(to_hex(raw), "0001feff10");
  EXPECT_EQ(*from_hex("0001FEff10"), raw);
  EXPECT_FALSE(from_hex("abc"));
  EXPECT_FALSE(from_hex("zz"));
  EXPECT_EQ(to_base64(raw), "AAH+/xA=");
  EXPECT_EQ(*from_base64("AAH+/xA="), raw);
  EXPECT_EQ(*from_base64("AAH-_xA"), raw);
  EXPECT_FALSE(from_base64("A"));
  EXPECT_FALSE(from_base64("a*b="));
}

std::string kv_string(std::string_view key, std::string_view value) {
  return bytes_field(1, key) + bytes_field(2, bytes_field(1, value));
}

TEST(OtlpDecoder, DecodesASpanWithItsResourceScopeAndEvents) {
  const std::string span = message({bytes_field(1, std::string(16, '\x01')), bytes_field(2, std::string(8, '\x02')),
                                    bytes_field(4, std::string(8, '\x03')), bytes_field(5, "chat"), varint_field(6, 3),
                                    fixed64_field(7, 1'000'000'000'000'000'000ULL),
                                    fixed64_field(8, 1'000'000'000'002'000'000ULL),
                                    bytes_field(9, kv_string("gen_ai.request.model", "gpt-4o")),
                                    bytes_field(9, bytes_field(1, "n") + bytes_field(2, varint_field(3, 42))),
                                    bytes_field(11, fixed64_field(1, 1'000'000'000'001'000'000ULL) + bytes_field(2, "e")),
                                    bytes_field(15, bytes_field(2, "bad") + varint_field(3, 2)), varint_field(99, 7)});
  const std::string scope = bytes_field(1, bytes_field(1, "lib") + bytes_field(2, "1.0")) + bytes_field(2, span);
  const std::string resource = bytes_field(1, bytes_field(1, kv_string("service.name", "svc"))) + bytes_field(2, scope);
  auto req = decode_protobuf(bytes_field(1, resource));
  ASSERT_TRUE(req) << req.error().message;
  ASSERT_EQ(req->span_count(), 1u);
  const auto& rs = req->resource_spans[0];
  const auto& s = rs.scope_spans[0].spans[0];
  EXPECT_EQ(s.trace_id, "01010101010101010101010101010101");
  EXPECT_EQ(s.span_id, "0202020202020202");
  EXPECT_EQ(s.parent_span_id, "0303030303030303");
  EXPECT_EQ(s.kind, 3);
  EXPECT_EQ(s.status_code, 2);
  EXPECT_EQ(s.status_message, "bad");
  ASSERT_EQ(s.attributes.size(), 2u);
  EXPECT_EQ(s.attributes[1].second, bj::value(42));
  ASSERT_EQ(s.events.size(), 1u);
  EXPECT_EQ(s.events[0].name, "e");

  Span mapped = to_span(s, rs.scope_spans[0], rs, 7);
  EXPECT_TRUE(ingest::validate_span(mapped, Limits{}));
  EXPECT_EQ(mapped.kind, "llm");
  EXPECT_EQ(mapped.status, "error");
  EXPECT_EQ(mapped.start_us, 1'000'000'000'000'000LL);
  EXPECT_EQ(mapped.latency_us(), 2000);
  ASSERT_TRUE(mapped.llm);
  EXPECT_EQ(mapped.llm->model, "gpt-4o");
  ASSERT_EQ(mapped.events.size(), 1u);
  EXPECT_EQ(mapped.events[0].time_us, 1'000'000'000'001'000LL);
}

TEST(OtlpDecoder, RefusesDeepNesting) {
  std::string value = bytes_field(1, "leaf");
  for (int i = 0; i < 40; ++i) value = bytes_field(5, bytes_field(1, value));
  const std::string span = bytes_field(9, bytes_field(1, "k") + bytes_field(2, value));
  auto req = decode_protobuf(bytes_field(1, bytes_field(2, bytes_field(2, span))));
  ASSERT_FALSE(req);
  EXPECT_NE(req.error().message.find("deeper than 32"), std::string::npos);
}

OtlpSpan span_with(KeyValues attrs) {
  OtlpSpan s;
  s.trace_id = "0102";
  s.span_id = "0304";
  s.name = "n";
  s.start_time_unix_nano = 2'000'000'000;
  s.end_time_unix_nano = 3'000'000'000;
  s.attributes = std::move(attrs);
  return s;
}

std::string attr(const Span& s, std::string_view key) {
  for (const auto& [k, v] : s.attributes)
    if (k == key) return v;
  return "<absent>";
}

// The mapping tables, case by case: attributes in, StackLens fields out.
TEST(GenAiMapping, CurrentAndEarlierConventionNames) {
  struct Case {
    KeyValues attrs;
    std::string model, provider, kind;
    int64_t in, out, total;
  };
  const Case cases[] = {
      {{{"gen_ai.provider.name", "openai"}, {"gen_ai.system", "old"}, {"gen_ai.request.model", "a"},
        {"gen_ai.response.model", "b"}, {"gen_ai.usage.input_tokens", 3}, {"gen_ai.usage.output_tokens", 4}},
       "b", "openai", "llm", 3, 4, 7},
      {{{"gen_ai.system", "anthropic"}, {"gen_ai.request.model", "claude"}, {"gen_ai.usage.prompt_tokens", "5"},
        {"gen_ai.usage.completion_tokens", 6.0}},
       "claude", "anthropic", "llm", 5, 6, 11},
      {{{"llm.model_name", "m"}, {"llm.provider", "p"}, {"llm.token_count.prompt", 1}, {"llm.token_count.completion", 2},
        {"llm.token_count.total", 10}, {"openinference.span.kind", "EMBEDDING"}},
       "m", "p", "embedding", 1, 2, 10},
      {{{"llm.request.model", "r"}, {"llm.usage.prompt_tokens", 8}, {"llm.usage.completion_tokens", 9},
        {"llm.usage.total_tokens", 17}, {"traceloop.span.kind", "task"}},
       "r", "", "task", 8, 9, 17},
      {{{"gen_ai.operation.name", "execute_tool"}, {"gen_ai.tool.name", "t"}}, "", "", "tool", 0, 0, 0},
      {{{"gen_ai.operation.name", "invoke_agent"}}, "", "", "agent", 0, 0, 0},
      {{{"openinference.span.kind", "CHAIN"}}, "", "", "chain", 0, 0, 0},
      {{{"openinference.span.kind", "NOT_A_KIND"}}, "", "", "internal", 0, 0, 0},
  };
  for (const auto& c : cases) {
    Span s = to_span(span_with(c.attrs), {}, {}, 1);
    EXPECT_EQ(s.kind, c.kind);
    if (c.model.empty() && c.in == 0) {
      EXPECT_FALSE(s.llm) << c.kind;
      continue;
    }
    ASSERT_TRUE(s.llm) << c.model;
    EXPECT_EQ(s.llm->model, c.model);
    EXPECT_EQ(s.llm->provider, c.provider);
    EXPECT_EQ(s.llm->input_tokens, c.in);
    EXPECT_EQ(s.llm->output_tokens, c.out);
    EXPECT_EQ(s.llm->total_tokens, c.total);
  }
}

// Cache and reasoning tokens are parts of input and output tokens; reported beside them, they are added.
TEST(GenAiMapping, UsageTypesArePartsOfTheirWhole) {
  Span within = to_span(span_with({{"gen_ai.request.model", "m"}, {"gen_ai.usage.input_tokens", 100},
                                   {"gen_ai.usage.output_tokens", 50}, {"gen_ai.usage.cache_read.input_tokens", 60},
                                   {"gen_ai.usage.cache_creation_input_tokens", 10},
                                   {"gen_ai.usage.reasoning_tokens", 20}}),
                        {}, {}, 1);
  ASSERT_TRUE(within.llm);
  EXPECT_EQ(within.llm->input_tokens, 100);
  EXPECT_EQ(within.llm->output_tokens, 50);
  EXPECT_EQ(within.llm->cache_read_tokens, 60);
  EXPECT_EQ(within.llm->cache_write_tokens, 10);
  EXPECT_EQ(within.llm->reasoning_tokens, 20);
  EXPECT_EQ(within.llm->total_tokens, 150);

  Span beside = to_span(span_with({{"llm.model_name", "m"}, {"llm.token_count.prompt", 30},
                                   {"llm.token_count.completion", 5},
                                   {"llm.token_count.prompt_details.cache_read", 60},
                                   {"llm.token_count.prompt_details.cache_write", 10},
                                   {"llm.token_count.completion_details.reasoning", 8}}),
                        {}, {}, 1);
  ASSERT_TRUE(beside.llm);
  EXPECT_EQ(beside.llm->input_tokens, 100);
  EXPECT_EQ(beside.llm->output_tokens, 13);
  EXPECT_EQ(beside.llm->total_tokens, 113);
}

TEST(GenAiMapping, RequestParametersAndFinishReasons) {
  bj::array reasons{"stop", "length"};
  Span s = to_span(span_with({{"gen_ai.request.model", "m"}, {"gen_ai.request.temperature", 0.7},
                              {"gen_ai.request.max_tokens", 100}, {"gen_ai.response.finish_reasons", reasons},
                              {"llm.is_streaming", true}, {"gen_ai.usage.cost", 0.25}}),
                   {}, {}, 1);
  ASSERT_TRUE(s.llm);
  EXPECT_EQ(*s.llm->temperature, 0.7);
  EXPECT_EQ(*s.llm->max_tokens, 100);
  EXPECT_EQ(*s.llm->finish_reason, "stop,length");
  EXPECT_TRUE(s.llm->is_streaming);
  EXPECT_EQ(s.llm->cost_usd, 0.25);
  EXPECT_EQ(attr(s, "gen_ai.response.finish_reasons"), R"(["stop","length"])");
  EXPECT_EQ(attr(s, "gen_ai.request.temperature"), "0.7");
}

TEST(GenAiMapping, PromptAndCompletionLeaveTheAttributes) {
  Span indexed = to_span(span_with({{"gen_ai.prompt.1.content", "second"}, {"gen_ai.prompt.0.role", "system"},
                                    {"gen_ai.prompt.0.content", "first"}, {"gen_ai.completion.0.content", "done"},
                                    {"keep", "me"}}),
                         {}, {}, 1);
  ASSERT_TRUE(indexed.llm);
  EXPECT_EQ(*indexed.llm->prompt, R"([{"role":"system","content":"first"},{"content":"second"}])");
  EXPECT_EQ(*indexed.llm->completion, R"([{"content":"done"}])");
  EXPECT_EQ(indexed.kind, "llm");
  EXPECT_EQ(indexed.attributes, (Attributes{{"keep", "me"}}));

  Span oi = to_span(span_with({{"llm.input_messages.0.message.role", "user"},
                               {"llm.input_messages.0.message.content", "q"}, {"input.value", "raw"},
                               {"output.value", "a"}, {"input.mime_type", "text/plain"}}),
                    {}, {}, 1);
  EXPECT_EQ(*oi.llm->prompt, R"([{"role":"user","content":"q"}])");
  EXPECT_EQ(*oi.llm->completion, "a");
  EXPECT_EQ(oi.attributes, (Attributes{{"input.mime_type", "text/plain"}}));

  Span current = to_span(span_with({{"gen_ai.input.messages", R"([{"role":"user"}])"},
                                    {"gen_ai.output.messages", "[]"}}),
                         {}, {}, 1);
  EXPECT_EQ(*current.llm->prompt, R"([{"role":"user"}])");
  EXPECT_EQ(*current.llm->completion, "[]");
}

TEST(GenAiMapping, MessageEventsKeepTheirPlaceWithoutTheirContent) {
  OtlpSpan in = span_with({{"gen_ai.request.model", "m"}});
  in.events.push_back({2'500'000'000, "gen_ai.user.message", {{"content", "hi"}, {"gen_ai.system", "openai"}}});
  in.events.push_back({2'600'000'000, "gen_ai.content.completion", {{"gen_ai.completion", "hello"}}});
  in.events.push_back({2'700'000'000, "exception", {{"exception.type", "E"}}});
  Span s = to_span(in, {}, {}, 1);
  EXPECT_EQ(*s.llm->prompt, R"([{"role":"user","content":"hi"}])");
  EXPECT_EQ(*s.llm->completion, "hello");
  ASSERT_EQ(s.events.size(), 3u);
  EXPECT_EQ(s.events[0].name, "gen_ai.user.message");
  EXPECT_EQ(s.events[0].attributes, (Attributes{{"gen_ai.system", "openai"}}));
  EXPECT_TRUE(s.events[1].attributes.empty());
  EXPECT_EQ(s.events[2].attributes, (Attributes{{"exception.type", "E"}}));
  EXPECT_EQ(s.events[2].time_us, 2'700'000);
}

TEST(GenAiMapping, ResourceThenScopeThenSpanAttributes) {
  OtlpResourceSpans resource;
  resource.resource_attributes = {{"service.name", "svc"}, {"shared", "resource"}};
  OtlpScopeSpans scope;
  scope.scope_name = "lib";
  scope.scope_attributes = {{"shared", "scope"}};
  OtlpSpan in = span_with({{"shared", "span"}, {"n", 1.5}, {"flag", false}, {"list", bj::array{1, "a"}}});
  in.kind = 2;
  in.status_code = 1;
  Span s = to_span(in, scope, resource, 1);
  EXPECT_EQ(s.status, "ok");
  EXPECT_EQ(s.kind, "internal");
  EXPECT_EQ(attr(s, "service.name"), "svc");
  EXPECT_EQ(attr(s, "shared"), "span");
  EXPECT_EQ(attr(s, "otel.scope.name"), "lib");
  EXPECT_EQ(attr(s, "otel.span_kind"), "server");
  EXPECT_EQ(attr(s, "n"), "1.5");
  EXPECT_EQ(attr(s, "flag"), "false");
  EXPECT_EQ(attr(s, "list"), R"([1,"a"])");
}

// Typed values stay typed: the span and its events know which attributes are numbers, booleans,
// arrays or key-value lists; a more specific string overriding a typed value is a string.
TEST(GenAiMapping, TypedAttributesAreMarked) {
  OtlpResourceSpans resource;
  resource.resource_attributes = {{"service.instances", 3}, {"shared", 1}};
  OtlpSpan in = span_with({{"shared", "span"}, {"n", 1.5}, {"flag", false}, {"list", bj::array{1, "a"}},
                           {"kv", bj::object{{"a", 1}}}, {"text", "3"}, {"none", nullptr}});
  in.events.push_back({5'000, "retry", {{"attempt", 2}, {"why", "timeout"}}});
  Span s = to_span(in, {}, resource, 1);
  EXPECT_EQ(s.typed_attributes, (TypedKeys{"service.instances", "n", "flag", "list", "kv"}));
  EXPECT_EQ(attr(s, "kv"), R"({"a":1})");
  EXPECT_EQ(attr(s, "none"), "null");
  ASSERT_EQ(s.events.size(), 1u);
  EXPECT_EQ(s.events[0].typed_attributes, TypedKeys{"attempt"});
}

// OpenInference's request parameters (one JSON string) and finish reason, and OpenLLMetry's names.
TEST(GenAiMapping, OpenInferenceAndOpenLlmetryParameters) {
  Span oi = to_span(span_with({{"llm.model_name", "gpt-4o-mini"},
                               {"llm.invocation_parameters", R"({"temperature":0.3,"max_completion_tokens":64,"top_p":1})"},
                               {"llm.finish_reason", "stop"}}),
                    {}, {}, 1);
  ASSERT_TRUE(oi.llm);
  EXPECT_EQ(*oi.llm->temperature, 0.3);
  EXPECT_EQ(*oi.llm->max_tokens, 64);
  EXPECT_EQ(*oi.llm->finish_reason, "stop");
  EXPECT_EQ(attr(oi, "llm.invocation_parameters"), R"({"temperature":0.3,"max_completion_tokens":64,"top_p":1})");
  // A parameter sent as its own attribute wins over the JSON; max_tokens before max_completion_tokens.
  Span both = to_span(span_with({{"llm.model_name", "m"}, {"gen_ai.request.temperature", 0.9},
                                 {"llm.invocation_parameters", R"({"temperature":0.1,"max_tokens":5,"max_completion_tokens":7})"}}),
                      {}, {}, 1);
  EXPECT_EQ(*both.llm->temperature, 0.9);
  EXPECT_EQ(*both.llm->max_tokens, 5);
  // Not an object, or not JSON: nothing taken from it.
  Span junk = to_span(span_with({{"llm.model_name", "m"}, {"llm.invocation_parameters", "temperature=1"}}), {}, {}, 1);
  EXPECT_FALSE(junk.llm->temperature);
  Span ol = to_span(span_with({{"gen_ai.request.model", "m"}, {"gen_ai.request.temperature", 0.6},
                               {"gen_ai.request.max_tokens", 32}, {"gen_ai.response.finish_reason", "length"}}),
                    {}, {}, 1);
  EXPECT_EQ(*ol.llm->temperature, 0.6);
  EXPECT_EQ(*ol.llm->max_tokens, 32);
  EXPECT_EQ(*ol.llm->finish_reason, "length");
}

TEST(OtlpJson, IntValuesAreExactIntegers) {
  auto req = decode_json(R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0102","spanId":"0304",
     "attributes":[{"key":"big","value":{"intValue":"9007199254740993"}},{"key":"n","value":{"intValue":7}},
                   {"key":"bad","value":{"intValue":"1.5"}}]}]}]}]})");
  ASSERT_FALSE(req);  // 1.5 is no integer
  req = decode_json(R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0102","spanId":"0304",
     "attributes":[{"key":"big","value":{"intValue":"9007199254740993"}},{"key":"n","value":{"intValue":7}},
                   {"key":"arr","value":{"arrayValue":{"values":[{"intValue":"1"},{"boolValue":true}]}}}]}]}]}]})");
  ASSERT_TRUE(req) << req.error().message;
  const auto& attrs = req->resource_spans[0].scope_spans[0].spans[0].attributes;
  EXPECT_EQ(attrs[0].second, bj::value(int64_t{9007199254740993}));
  EXPECT_EQ(attrs[1].second, bj::value(7));
  EXPECT_EQ(attrs[2].second, (bj::value(bj::array{1, true})));
}

TEST(OtlpJson, HexOrBase64IdsNumbersOrStrings) {
  auto req = decode_json(R"({"resource_spans":[{"scopeSpans":[{"spans":[
    {"traceId":"AQEBAQEBAQEBAQEBAQEBAQ==","spanId":"0202020202020202","parentSpanId":"","name":"n",
     "kind":2,"startTimeUnixNano":1000,"endTimeUnixNano":"2000",
     "attributes":[{"key":"i","value":{"intValue":"-5"}},{"key":"d","value":{"doubleValue":2}},{"key":"e","value":{}}],
     "status":{"code":"STATUS_CODE_OK"}}]}]}]})");
  ASSERT_TRUE(req) << req.error().message;
  const auto& s = req->resource_spans[0].scope_spans[0].spans[0];
  EXPECT_EQ(s.trace_id, "01010101010101010101010101010101");
  EXPECT_EQ(s.span_id, "0202020202020202");
  EXPECT_TRUE(s.parent_span_id.empty());
  EXPECT_EQ(s.end_time_unix_nano, 2000u);
  EXPECT_EQ(s.status_code, 1);
  EXPECT_EQ(s.attributes[0].second, bj::value(-5));
  EXPECT_TRUE(s.attributes[2].second.is_null());
}

TEST(ExportResponse, EmptyOrPartialSuccess) {
  EXPECT_EQ(response_protobuf({}), "");
  EXPECT_EQ(response_json({}), "{}");
  EXPECT_EQ(response_protobuf({2, "x"}), std::string("\x0a\x05\x08\x02\x12\x01x", 7));
  EXPECT_EQ(response_json({2, "x"}), R"({"partialSuccess":{"rejectedSpans":2,"errorMessage":"x"}})");
}

TEST(Gzip, InflatesWithinTheLimitOnly) {
  // gzip of "hello" (made with Python's gzip.compress, mtime 0)
  const std::string hello("\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff\xcb\x48\xcd\xc9\xc9\x07\x00\x86\xa6\x10\x36\x05\x00\x00\x00", 25);
  auto ok = gunzip(hello, 100);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(*ok, "hello");
  auto big = gunzip(hello, 4);
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, ErrorCode::payload_too_large);
  EXPECT_FALSE(gunzip("hello", 100));
  EXPECT_FALSE(gunzip(hello.substr(0, 12), 100));
}

std::string gzip(std::string_view plain) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&z, plain.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(plain.data()));
  z.avail_in = static_cast<uInt>(plain.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// An OTLP JSON export of spans named `names` (an empty name fails validation).
std::string json_export(std::initializer_list<std::string_view> names) {
  std::string spans;
  int i = 0;
  for (const auto name : names) {
    if (i) spans += ',';
    spans += fmt::format(R"({{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"00000000000000{:02x}",)"
                         R"("name":"{}","startTimeUnixNano":"1700000000000000000","endTimeUnixNano":"1700000001000000000"}})",
                         ++i, name);
  }
  return R"({"resourceSpans":[{"scopeSpans":[{"spans":[)" + spans + "]}]}]}";
}

TEST(ReadExport, JsonByDefaultProtobufByContentType) {
  auto json = read_export("", "", json_export({"a", "b"}), 7, Limits{});
  ASSERT_TRUE(json) << json.error().message;
  EXPECT_EQ(json->media_type, MediaType::json);
  ASSERT_EQ(json->spans.size(), 2u);
  EXPECT_EQ(json->spans[0].project_id, 7);
  EXPECT_EQ(json->spans[1].name, "b");
  EXPECT_EQ(json->result.rejected_spans, 0);
  EXPECT_EQ(response_body(json->media_type, json->result), "{}");
  EXPECT_EQ(content_type_of(json->media_type), "application/json");

  auto proto = read_export("Application/X-Protobuf; charset=binary", "identity", "", 7, Limits{});
  ASSERT_TRUE(proto) << proto.error().message;
  EXPECT_EQ(proto->media_type, MediaType::protobuf);
  EXPECT_TRUE(proto->spans.empty());
  EXPECT_EQ(content_type_of(proto->media_type), "application/x-protobuf");
}

TEST(ReadExport, RefusesUnsupportedMediaTypesAndEncodings) {
  auto type = read_export("text/plain", "", "{}", 1, Limits{});
  ASSERT_FALSE(type);
  EXPECT_EQ(type.error().code, ErrorCode::unsupported_media);
  EXPECT_EQ(type.error().message,
            "Content-Type 'text/plain' is not supported: send application/x-protobuf or application/json");
  auto encoding = read_export("application/json", "br", "{}", 1, Limits{});
  ASSERT_FALSE(encoding);
  EXPECT_EQ(encoding.error().code, ErrorCode::unsupported_media);
  EXPECT_EQ(encoding.error().message, "Content-Encoding 'br' is not supported: send gzip or none");
}

TEST(ReadExport, InflatesGzipWithinTheBodyLimit) {
  const std::string body = json_export({"a"});
  auto ok = read_export("application/json", "gzip", gzip(body), 1, Limits{});
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->spans.size(), 1u);
  Limits small;
  small.max_body_bytes = body.size() - 1;
  auto big = read_export("application/json", "gzip", gzip(body), 1, small);
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, ErrorCode::payload_too_large);
}

TEST(ReadExport, RejectsBadSpansOneByOneAndNamesTheFirst) {
  auto read = read_export("application/json", "", json_export({"", "ok", ""}), 1, Limits{});
  ASSERT_TRUE(read) << read.error().message;
  ASSERT_EQ(read->spans.size(), 1u);
  EXPECT_EQ(read->spans[0].name, "ok");
  EXPECT_EQ(read->result.rejected_spans, 2);
  EXPECT_EQ(read->result.error_message, "span '0000000000000001': name must not be empty (and 1 more rejected)");
}

TEST(ReadExport, RefusesMalformedBodiesAndTooManySpans) {
  auto bad = read_export("application/json", "", "{", 1, Limits{});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::bad_request);
  Limits two;
  two.max_batch_spans = 2;
  auto many = read_export("application/json", "", json_export({"a", "b", "c"}), 1, two);
  ASSERT_FALSE(many);
  EXPECT_EQ(many.error().code, ErrorCode::payload_too_large);
  EXPECT_EQ(many.error().message, "request has 3 spans; the limit is 2 per request");
}

// Every input the fuzzer ever crashed on (fuzz/regressions/otlp/) and every seed
// (fuzz/corpus/otlp/) goes through the reader as otlp_fuzz drives it, without harm.
TEST(OtlpFuzzRegressions, ReplaySavedInputs) {
  int replayed = 0;
  for (const std::string& data : fuzz_inputs("otlp")) {
    const std::string_view body = std::string_view(data).substr(1);
    const std::string_view type = (data[0] & 1) ? "application/json" : "application/x-protobuf";
    const std::string_view encoding = (data[0] & 2) ? "gzip" : "";
    (void)read_export(type, encoding, body, 1, Limits{});
    (void)gunzip(body, 1 << 20);
    ++replayed;
  }
  EXPECT_GE(replayed, 4);
}

}  // namespace
}  // namespace stacklens::otlp
