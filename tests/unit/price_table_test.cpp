#include <gtest/gtest.h>

#include "ingest/span_costing.h"
#include "pricing/price_book.h"
#include "pricing/price_table.h"

namespace stacklens {
namespace {

using pricing::PriceTable;
using pricing::Usage;

constexpr Micros kDay = 86400LL * 1000000;
const Micros kDec2026 = *parse_iso8601("2026-12-06T00:00:00Z");

// Two dated prices for gpt-4o-mini, a tiered Gemini model, an Anthropic model with cache
// prices, a reasoning model, and aliases.
constexpr const char* kTable = R"({
 "provider_aliases": {"gcp.gemini": "gemini", "aws.bedrock": "bedrock"},
 "entries": [
  {"model": "gpt-4o-mini", "provider": "openai", "effective_from": "2026-12-06",
   "pattern": "^gpt-4o-mini(?:-20\\d{2}-\\d{2}-\\d{2})?$",
   "prices": {"input": 0.15, "output": 0.6, "cache_read": 0.075}},
  {"model": "gpt-4o-mini", "provider": "openai", "effective_from": "2027-01-01",
   "pattern": "^gpt-4o-mini(?:-20\\d{2}-\\d{2}-\\d{2})?$",
   "prices": {"input": 0.3, "output": 1.2}},
  {"model": "gpt-4o", "provider": "openai", "effective_from": "2026-12-06",
   "pattern": "^gpt-4o(?:-20\\d{2}-\\d{2}-\\d{2})?$", "prices": {"input": 2.5, "output": 10}},
  {"model": "gpt-4o-2024-05-13", "provider": "openai", "effective_from": "2026-12-06",
   "pattern": "^gpt-4o-2024-05-13$", "prices": {"input": 5, "output": 15}},
  {"model": "o3", "provider": "openai", "effective_from": "2026-12-06", "pattern": "^o3$",
   "prices": {"input": 2, "output": 8, "reasoning": 4}},
  {"model": "claude-sonnet-4", "provider": "anthropic", "effective_from": "2026-12-06",
   "pattern": "^claude-sonnet-4(?:[-@]20\\d{6})?$",
   "prices": {"input": 3, "output": 15, "cache_read": 0.3, "cache_write": 3.75}},
  {"model": "claude-sonnet-4", "provider": "bedrock", "effective_from": "2026-12-06",
   "pattern": "^claude-sonnet-4$", "prices": {"input": 3.3, "output": 16.5}},
  {"model": "gemini-2.5-pro", "provider": "gemini", "effective_from": "2026-12-06",
   "pattern": "^gemini-2\\.5-pro$", "prices": {"input": 1.25, "output": 10, "cache_read": 0.125},
   "tiers": [{"above_input_tokens": 200000, "prices": {"input": 2.5, "output": 15}}]},
  {"model": "free-model", "provider": "acme", "effective_from": "2026-12-06", "pattern": "^free-model$",
   "prices": {"input": 0, "output": 0}}
 ]})";

PriceTable table() {
  auto t = PriceTable::parse(kTable);
  EXPECT_TRUE(t) << t.error().message;
  return std::move(*t);
}

double cost(const PriceTable& t, std::string_view model, std::string_view provider, Usage u, Micros at = kDec2026) {
  auto c = t.cost(model, provider, at, u);
  EXPECT_TRUE(c) << model << " at " << provider << " is unpriced";
  return c.value_or(-1);
}

TEST(PriceTable, ExactNameAndDatedVariantsCaseInsensitive) {
  const auto t = table();
  EXPECT_DOUBLE_EQ(cost(t, "gpt-4o-mini", "openai", {1000, 500}), (1000 * 0.15 + 500 * 0.6) / 1e6);
  EXPECT_DOUBLE_EQ(cost(t, "GPT-4o-Mini-2024-07-18", "OpenAI", {1000, 500}), (1000 * 0.15 + 500 * 0.6) / 1e6);
  EXPECT_DOUBLE_EQ(cost(t, "claude-sonnet-4@20250514", "anthropic", {1000000, 0}), 3.0);
  // A dated name with its own entry takes that entry's price, not its base model's.
  EXPECT_DOUBLE_EQ(cost(t, "gpt-4o-2024-05-13", "openai", {1000000, 0}), 5.0);
  EXPECT_DOUBLE_EQ(cost(t, "gpt-4o-2024-08-06", "openai", {1000000, 0}), 2.5);
  // Anchored: a longer or shorter name is not the model.
  EXPECT_FALSE(t.cost("gpt-4o-mini-tts", "openai", kDec2026, {1, 1}));
  EXPECT_FALSE(t.cost("gpt-4", "openai", kDec2026, {1, 1}));
  EXPECT_FALSE(t.cost("xgpt-4o", "openai", kDec2026, {1, 1}));
}

TEST(PriceTable, ProviderAndAliases) {
  const auto t = table();
  EXPECT_DOUBLE_EQ(cost(t, "claude-sonnet-4", "bedrock", {1000000, 0}), 3.3);
  EXPECT_DOUBLE_EQ(cost(t, "claude-sonnet-4", "aws.bedrock", {1000000, 0}), 3.3);
  EXPECT_DOUBLE_EQ(cost(t, "gemini-2.5-pro", "gcp.gemini", {100000, 0}), 0.125);
  // The same model at a provider without an entry is unpriced, not another provider's price.
  EXPECT_FALSE(t.cost("claude-sonnet-4", "azure", kDec2026, {1, 1}));
  EXPECT_FALSE(t.cost("gpt-4o-mini", "", kDec2026, {1, 1}));
}

TEST(PriceTable, EffectiveDates) {
  const auto t = table();
  const Micros jan2027 = *parse_iso8601("2027-01-01T00:00:00Z");
  EXPECT_DOUBLE_EQ(cost(t, "gpt-4o-mini", "openai", {1000000, 0}, jan2027 - 1), 0.15);
  EXPECT_DOUBLE_EQ(cost(t, "gpt-4o-mini", "openai", {1000000, 0}, jan2027), 0.3);
  EXPECT_DOUBLE_EQ(cost(t, "gpt-4o-mini-2024-07-18", "openai", {1000000, 0}, jan2027 + kDay), 0.3);
  // Before the first entry the earliest price applies: the table knows no earlier one.
  EXPECT_DOUBLE_EQ(cost(t, "gpt-4o-mini", "openai", {1000000, 0}, kDec2026 - 365 * kDay), 0.15);
}

TEST(PriceTable, TiersApplyToTheWholeCallAboveTheirInputTokens) {
  const auto t = table();
  EXPECT_DOUBLE_EQ(cost(t, "gemini-2.5-pro", "gemini", {200000, 1000}), (200000 * 1.25 + 1000 * 10.0) / 1e6);
  EXPECT_DOUBLE_EQ(cost(t, "gemini-2.5-pro", "gemini", {200001, 1000}), (200001 * 2.5 + 1000 * 15.0) / 1e6);
  // Cached tokens count toward the tier; a price the tier leaves out keeps the entry's.
  EXPECT_DOUBLE_EQ(cost(t, "gemini-2.5-pro", "gemini", {300000, 0, 100000}),
                   (200000 * 2.5 + 100000 * 0.125) / 1e6);
}

TEST(PriceTable, CachedAndReasoningTokensArePartsOfInputAndOutputPricedOnce) {
  const auto t = table();
  // 10,000 input of which 6,000 read from the cache and 1,000 written to it; 2,000 output.
  EXPECT_DOUBLE_EQ(cost(t, "claude-sonnet-4", "anthropic", {10000, 2000, 6000, 1000}),
                   (3000 * 3.0 + 6000 * 0.3 + 1000 * 3.75 + 2000 * 15.0) / 1e6);
  // 1,000 output of which 600 reasoning, priced apart where the entry has a reasoning price.
  EXPECT_DOUBLE_EQ(cost(t, "o3", "openai", {100, 1000, 0, 0, 600}), (100 * 2.0 + 400 * 8.0 + 600 * 4.0) / 1e6);
  // Without a reasoning price they cost output; without a cache price, input: no token twice.
  EXPECT_DOUBLE_EQ(cost(t, "gpt-4o", "openai", {1000, 1000, 400, 100, 500}), (1000 * 2.5 + 1000 * 10.0) / 1e6);
  // Parts larger than their whole are cut to it.
  EXPECT_DOUBLE_EQ(cost(t, "gpt-4o-mini", "openai", {100, 10, 500, 0, 50}), (100 * 0.075 + 10 * 0.6) / 1e6);
}

TEST(PriceTable, RepeatedLookupsAgreeWithTheFirst) {
  const auto t = table();
  for (int i = 0; i < 3; ++i) {
    EXPECT_DOUBLE_EQ(cost(t, "gpt-4o-mini-2024-07-18", "openai", {1000000, 0}), 0.15);
    EXPECT_FALSE(t.cost("unknown-model", "openai", kDec2026, {1, 1}));
  }
  // Another table at the same thread does not see the first one's cache.
  const PriceTable empty;
  EXPECT_FALSE(empty.cost("gpt-4o-mini-2024-07-18", "openai", kDec2026, {1, 1}));
  EXPECT_DOUBLE_EQ(cost(t, "gpt-4o-mini-2024-07-18", "openai", {1000000, 0}), 0.15);
}

TEST(PriceTable, BadFilesAreRefusedNamingTheFault) {
  const auto msg = [](std::string_view json) {
    auto t = PriceTable::parse(json);
    return t ? std::string("accepted") : t.error().message;
  };
  EXPECT_EQ(msg("[]"), "the price table must be a JSON object");
  EXPECT_EQ(msg("{}"), "entries must be an array");
  const std::string entry = R"("model":"m","provider":"p","effective_from":"2026-12-06","pattern":"^m$")";
  EXPECT_EQ(msg(R"({"entries":[{)" + entry + R"(,"prices":{"input":1}}]})"),
            "entries[0].prices must have input and output");
  EXPECT_EQ(msg(R"({"entries":[{)" + entry + R"(,"prices":{"input":-1,"output":1}}]})"),
            "entries[0].prices.input must be a non-negative number");
  EXPECT_EQ(msg(R"({"entries":[{"model":"m","provider":"p","effective_from":"soon","pattern":"^m$","prices":{"input":1,"output":1}}]})"),
            "entries[0].effective_from must be a date (YYYY-MM-DD) or an ISO-8601 time");
  EXPECT_EQ(msg(R"({"entries":[{"model":"m","provider":"p","effective_from":"2026-12-06","pattern":"^(m$","prices":{"input":1,"output":1}}]})"),
            "entries[0].pattern is not a valid regular expression");
  EXPECT_EQ(msg(R"({"entries":[{)" + entry + R"(,"prices":{"input":1,"output":1},"tiers":[{"prices":{}}]}]})"),
            "entries[0].tiers[0].above_input_tokens must be a non-negative integer");
  auto missing = PriceTable::load("/nonexistent/prices.json");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, "cannot read the price table /nonexistent/prices.json");
}

TEST(PriceTable, TheShippedTableLoadsAndPricesWellKnownModels) {
  auto t = PriceTable::load(STACKLENS_SOURCE_DIR "/data/prices/prices.json");
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_GT(t->size(), 250u);
  EXPECT_TRUE(t->find("gpt-4o-mini-2024-07-18", "openai", now_micros()));
  EXPECT_TRUE(t->find("claude-sonnet-4-5@20250929", "anthropic", now_micros()));
  EXPECT_FALSE(t->find("no-such-model", "openai", now_micros()));
}

Span llm_span(int64_t input, int64_t output, double cost, std::string model = "gpt-4o-mini") {
  Span s;
  s.start_us = kDec2026;
  s.llm.emplace();
  s.llm->model = std::move(model);
  s.llm->provider = "openai";
  s.llm->input_tokens = input;
  s.llm->output_tokens = output;
  s.llm->total_tokens = input + output;
  s.llm->cost_usd = cost;
  return s;
}

TEST(SpanCosting, CallerCostWinsZeroCountsAsNotGivenUnknownModelIsUnpriced) {
  const pricing::PriceBook book(table());
  const auto t = book.snapshot();
  Span caller = llm_span(1000, 500, 0.5);
  ingest::assign_cost(caller, t);
  EXPECT_EQ(caller.llm->cost_source, CostSource::caller);
  EXPECT_DOUBLE_EQ(caller.llm->cost_usd, 0.5);

  Span zero = llm_span(1000, 500, 0.0);
  ingest::assign_cost(zero, t);
  EXPECT_EQ(zero.llm->cost_source, CostSource::table);
  EXPECT_DOUBLE_EQ(zero.llm->cost_usd, (1000 * 0.15 + 500 * 0.6) / 1e6);

  Span unknown = llm_span(1000, 500, 0.0, "my-own-model");
  ingest::assign_cost(unknown, t);
  EXPECT_EQ(unknown.llm->cost_source, CostSource::unpriced);
  EXPECT_DOUBLE_EQ(unknown.llm->cost_usd, 0.0);

  Span no_tokens = llm_span(0, 0, 0.0);
  ingest::assign_cost(no_tokens, t);
  EXPECT_EQ(no_tokens.llm->cost_source, CostSource::none);

  // A model priced at 0 is free, not unpriced.
  Span free_span = llm_span(1000, 500, 0.0, "free-model");
  free_span.llm->provider = "acme";
  ingest::assign_cost(free_span, t);
  EXPECT_EQ(free_span.llm->cost_source, CostSource::table);
  EXPECT_DOUBLE_EQ(free_span.llm->cost_usd, 0.0);

  // Only a total: tokens without usage types cannot be priced.
  Span total_only = llm_span(0, 0, 0.0);
  total_only.llm->total_tokens = 1500;
  ingest::assign_cost(total_only, t);
  EXPECT_EQ(total_only.llm->cost_source, CostSource::unpriced);
}

// Patterns are ruled out by their literal start before the regex runs: a character that a
// quantifier makes optional, or an alternative outside parentheses, must not narrow that start.
TEST(PriceTable, PatternsMatchPastTheirLiteralStart) {
  auto t = PriceTable::parse(R"({"entries": [
    {"model": "mistral-large", "provider": "mistral", "effective_from": "2026-12-06",
     "pattern": "^mistral-larges?(?:-latest)?$", "prices": {"input": 2, "output": 6}},
    {"model": "command-r", "provider": "cohere", "effective_from": "2026-12-06",
     "pattern": "^command-r|cohere-command-r$", "prices": {"input": 0.5, "output": 1.5}}]})");
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_DOUBLE_EQ(cost(*t, "Mistral-Large-latest", "mistral", {1000000, 0}), 2.0);
  EXPECT_DOUBLE_EQ(cost(*t, "mistral-large", "mistral", {1000000, 0}), 2.0);
  EXPECT_DOUBLE_EQ(cost(*t, "cohere-command-r", "cohere", {1000000, 0}), 0.5);
  EXPECT_FALSE(t->cost("mistral-larg", "mistral", kDec2026, {1000000, 0}));
}

// A project's own price comes first from its date on, for its provider or any; before that date,
// and for other projects, the shipped table prices the span. A recompute keeps a caller's cost.
TEST(SpanCosting, ProjectPricesComeFirstFromTheirDate) {
  pricing::PriceBook book(table());
  auto own = PriceTable::build({
      pricing::PriceDefinition{pricing::PriceEntry{"gpt-4o-mini", "", kDec2026, {1.0, 2.0, {}, {}, {}}, {}}, ""},
      pricing::PriceDefinition{pricing::PriceEntry{"in-house", "acme", kDec2026 - 86400000000LL * 365, {0.5, 0.5, {}, {}, {}}, {}},
                               "^in-house(-v\\d+)?$"},
  });
  ASSERT_TRUE(own) << own.error().message;
  pricing::ProjectTables tables;
  tables.emplace(7, std::move(*own));
  book.replace(std::move(tables), 1);
  const auto prices = book.snapshot();

  Span s = llm_span(1000, 500, 0.0);
  s.project_id = 7;
  s.start_us = kDec2026;
  ingest::assign_cost(s, prices);
  EXPECT_EQ(s.llm->cost_source, CostSource::custom);
  EXPECT_DOUBLE_EQ(s.llm->cost_usd, (1000 * 1.0 + 500 * 2.0) / 1e6);

  Span before = llm_span(1000, 500, 0.0);
  before.project_id = 7;
  before.start_us = kDec2026 - 1;
  ingest::assign_cost(before, prices);
  EXPECT_EQ(before.llm->cost_source, CostSource::table);

  Span other = llm_span(1000, 500, 0.0);
  other.project_id = 8;
  other.start_us = kDec2026;
  ingest::assign_cost(other, prices);
  EXPECT_EQ(other.llm->cost_source, CostSource::table);

  Span pattern = llm_span(100, 100, 0.0, "in-house-v2");
  pattern.llm->provider = "acme";
  pattern.project_id = 7;
  pattern.start_us = kDec2026;
  ingest::assign_cost(pattern, prices);
  EXPECT_EQ(pattern.llm->cost_source, CostSource::custom);
  EXPECT_DOUBLE_EQ(pattern.llm->cost_usd, 100e-6);
  pattern.llm->provider = "elsewhere";  // the entry names its provider: no other matches
  EXPECT_TRUE(ingest::reprice(pattern, prices));
  EXPECT_EQ(pattern.llm->cost_source, CostSource::unpriced);
  EXPECT_FALSE(ingest::reprice(pattern, prices));  // the same again: no change

  Span caller = llm_span(1000, 500, 0.25);
  caller.project_id = 7;
  caller.start_us = kDec2026;
  ingest::assign_cost(caller, prices);
  EXPECT_FALSE(ingest::reprice(caller, prices));
  EXPECT_DOUBLE_EQ(caller.llm->cost_usd, 0.25);
}

TEST(PriceDefinition, OptionalProviderAndPatternAndFieldErrors) {
  auto ok = pricing::parse_definition(boost::json::parse(R"({"model": "m", "effective_from": "2026-01-01",
      "prices": {"input": 1, "output": 2}, "tiers": [{"above_input_tokens": 10, "prices": {"input": 3}}]})"),
                                      "price", false);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->entry.provider, "");
  EXPECT_EQ(ok->pattern, "");
  const auto back = pricing::parse_definition(pricing::definition_json(*ok), "price", false);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->entry.tiers.size(), 1u);
  EXPECT_EQ(back->entry.effective_from, ok->entry.effective_from);

  const std::pair<const char*, const char*> bad[] = {
      {R"({"effective_from": "2026-01-01", "prices": {"input": 1, "output": 2}})", "price.model"},
      {R"({"model": "m", "effective_from": "soon", "prices": {"input": 1, "output": 2}})", "price.effective_from"},
      {R"({"model": "m", "effective_from": "2026-01-01", "prices": {"input": -1, "output": 2}})", "price.prices.input"},
      {R"({"model": "m", "effective_from": "2026-01-01", "prices": {"input": 1}})", "price.prices"},
      {R"({"model": "m", "pattern": "(", "effective_from": "2026-01-01", "prices": {"input": 1, "output": 2}})",
       "price.pattern"},
  };
  for (const auto& [json, where] : bad) {
    auto r = pricing::parse_definition(boost::json::parse(json), "price", false);
    ASSERT_FALSE(r) << json;
    EXPECT_NE(r.error().message.find(where), std::string::npos) << r.error().message;
  }
}

}  // namespace
}  // namespace stacklens
