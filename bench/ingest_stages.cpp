// Where an ingested span's time goes, stage by stage, on realistic spans
// (bench/span_factory.h). Google Benchmark; items/s are spans per second for
// one core, so 1e6 / items_per_second is the stage's cost in µs per span.
//
//   build/ingest_stages --benchmark_min_time=1s
#include <benchmark/benchmark.h>
#include <lz4.h>

#include <filesystem>

#include "config/settings.h"
#include "core/json.h"
#include "crypto/sealer.h"
#include "ingest/span_parser.h"
#include "span_factory.h"
#include "storage/sqlite/rollup_accumulator.h"
#include "storage/sqlite/sqlite_span_store.h"

using namespace stacklens;

namespace {

constexpr int kBatch = 1000;

std::string batch_body(uint64_t seed) {
  bench::SpanFactory factory(seed, 0);
  return factory.batch_json(kBatch, nullptr);
}

std::vector<Span> parsed_spans(const std::string& body) {
  auto read = ingest::parse_wire_batch(body, 1, Limits{});
  std::vector<Span> out;
  if (!read) return out;
  for (auto& s : *read) out.push_back(std::move(*s));
  return out;
}

std::filesystem::path temp_dir(const char* name) {
  auto dir = std::filesystem::temp_directory_path() / ("stacklens-bench-" + std::string(name));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all);
  return dir;
}

// Reading a batch body into validated Spans (parse, build, validate), as the ingest route does.
void BM_ReadSpans(benchmark::State& state) {
  const std::string body = batch_body(1);
  const Limits limits;
  for (auto _ : state) benchmark::DoNotOptimize(ingest::parse_wire_batch(body, 1, limits));
  state.SetItemsProcessed(state.iterations() * kBatch);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(body.size()));
}

// For comparison: parsing the same body into a JSON document, the step the one-pass reader
// does without.
void BM_ParseJsonDocument(benchmark::State& state) {
  const std::string body = batch_body(1);
  for (auto _ : state) {
    auto doc = json::parse(body);
    benchmark::DoNotOptimize(doc);
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}

void BM_SealText(benchmark::State& state) {
  auto spans = parsed_spans(batch_body(3));
  auto sealer = Sealer::open_or_create(temp_dir("seal") / "keys");
  for (auto _ : state)
    for (const auto& s : spans)
      if (s.llm && s.llm->prompt) {
        benchmark::DoNotOptimize(sealer->seal(*s.llm->prompt, seal_context(s, "prompt")));
        benchmark::DoNotOptimize(sealer->seal(*s.llm->completion, seal_context(s, "completion")));
      }
  state.SetItemsProcessed(state.iterations() * kBatch);
}

// The compression part of sealing alone (LZ4, as Sealer::seal does it); the rest is encryption.
void BM_CompressText(benchmark::State& state) {
  auto spans = parsed_spans(batch_body(3));
  const int acceleration = static_cast<int>(state.range(0));
  std::string out;
  double in_bytes = 0, out_bytes = 0;
  for (auto _ : state)
    for (const auto& s : spans)
      if (s.llm && s.llm->prompt)
        for (const std::string* text : {&*s.llm->prompt, &*s.llm->completion}) {
          out.resize(static_cast<size_t>(LZ4_compressBound(static_cast<int>(text->size()))));
          const int n = LZ4_compress_fast(text->data(), out.data(), static_cast<int>(text->size()),
                                          static_cast<int>(out.size()), acceleration);
          benchmark::DoNotOptimize(n);
          in_bytes += static_cast<double>(text->size());
          out_bytes += n;
        }
  state.SetItemsProcessed(state.iterations() * kBatch);
  state.counters["ratio"] = out_bytes / in_bytes;
  state.counters["MB/s"] = benchmark::Counter(in_bytes / 1e6, benchmark::Counter::kIsRate);
}

// The store's encoding of a span on the request thread (SpanStore::prepare: JSON columns, id keys).
void BM_StoreEncode(benchmark::State& state) {
  auto dir = temp_dir("encode");
  auto store = sqlite::SqliteSpanStore::open((dir / "spans.db").string(), 0);
  auto spans = parsed_spans(batch_body(5));
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<SpanRecord> records(spans.size());
    for (size_t i = 0; i < spans.size(); ++i) records[i].span = spans[i];
    state.ResumeTiming();
    if (auto st = (*store)->prepare(records); !st) state.SkipWithError(st.error().message.c_str());
    benchmark::DoNotOptimize(records);
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}

void BM_Rollup(benchmark::State& state) {
  auto spans = parsed_spans(batch_body(4));
  for (auto _ : state) {
    sqlite::RollupAccumulator acc;
    for (const auto& s : spans) acc.add(s);
    benchmark::DoNotOptimize(acc);
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}

// One durable commit of a batch (spans, trace aggregates, rollups), into a store
// that grows as the benchmark runs.
void BM_StoreWrite(benchmark::State& state) {
  auto dir = temp_dir("store");
  auto store = sqlite::SqliteSpanStore::open((dir / "spans.db").string(), 0);
  auto sealer = Sealer::open_or_create(dir / "keys");
  uint64_t seed = 100;
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<SpanRecord> records;
    for (auto& s : parsed_spans(batch_body(seed++))) {
      SpanRecord r;
      if (s.llm && s.llm->prompt) {
        r.prompt = sealer->seal(*s.llm->prompt, seal_context(s, "prompt"));
        r.completion = sealer->seal(*s.llm->completion, seal_context(s, "completion"));
        s.llm->prompt.reset();
        s.llm->completion.reset();
      }
      r.span = std::move(s);
      records.push_back(std::move(r));
    }
    // Done on the request threads in the server: encoding, and appending the text to spans.text.
    if (auto st = (*store)->prepare(records); !st) state.SkipWithError(st.error().message.c_str());
    state.ResumeTiming();
    auto out = (*store)->write(records);
    if (!out) state.SkipWithError(out.error().message.c_str());
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}

}  // namespace

BENCHMARK(BM_ReadSpans)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ParseJsonDocument)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SealText)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CompressText)->Arg(1)->Arg(2)->Arg(4)->Arg(8)->Arg(16)->Unit(benchmark::kMillisecond);  // LZ4 acceleration
BENCHMARK(BM_StoreEncode)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Rollup)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_StoreWrite)->Unit(benchmark::kMillisecond)->Iterations(200);
BENCHMARK_MAIN();
