// GovernAI's scanner throughput on one core (Google Benchmark; bytes/s is MB/s per core):
// realistic prompt text with no personal data (the common case, which must be the fast one) and
// the same text with a few pieces of personal data per kilobyte.
//
//   build/governai_scan --benchmark_min_time=2s
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "governai/scanner.h"

using stacklens::governai::Finding;
using stacklens::governai::Scanner;

namespace {

// Paragraphs of the kind LLM applications send: instructions, retrieved context with numbers,
// ids, dates, versions, prices and code, in several languages. None holds personal data.
const char* const kClean[] = {
    "You are a helpful assistant for an online shop. Answer in the customer's language, keep answers "
    "short and cite the order status from the context below. Do not invent tracking numbers.\n",
    "Context: order ORD-2024-118273 was placed on 2024-11-05T14:32:10Z for 3 items totalling EUR 149.90 "
    "(VAT 19%). Shipment 7F3A9C2E-11B4 left the warehouse at 09:15; carrier status code 204.\n",
    "Trace 4bf92f3577b34da6a3ce929d0e0e4736 span 00f067aa0ba902b7, service checkout v2.14.3, latency "
    "p99 412 ms, retries 2, build 20241105.3, commit a1b2c3d.\n",
    "def total(items):\n    return sum(i.price * i.qty for i in items if i.qty > 0)  # prices in cents\n"
    "for (int i = 0; i < 1024; ++i) buf[i] = table[(i * 31) % 256];\n",
    "Die Bestellung 5567-2291 wurde am 05.11.2024 versandt; Lieferung in 2 bis 3 Werktagen. La commande "
    "n° 88213 sera livrée demain. El pedido 44512 está en camino. L'ordine 7781 è stato spedito.\n",
    "Summarise the following ticket in three bullet points and propose a next step. Ticket #48213, "
    "priority P2, opened 3 days ago, 14 comments, last update 2024-11-04 17:02 UTC.\n",
};

// The same kind of text with personal data: emails, phone numbers, a card, an IBAN, names.
const char* const kWithPii[] = {
    "Hi, my name is Anna Schmidt and my email is anna.schmidt@example.de. Please call me on "
    "+49 30 901820 45 about order ORD-2024-118273.\n",
    "Dear Mr. Dupont, votre remboursement de 149,90 EUR sera versé sur FR76 3000 6000 0112 3456 7890 189 "
    "sous 5 jours. Contact: support@shop.fr.\n",
    "Card on file 4539 1488 0343 6467 was declined at 2024-11-05T14:32:10Z; customer phone (212) 555-0142, "
    "IP 203.0.113.45.\n",
};

std::string build(const char* const* parts, std::size_t n_parts, const char* const* extra, std::size_t n_extra,
                  std::size_t bytes) {
  std::string text;
  std::size_t i = 0;
  while (text.size() < bytes) {
    text += parts[i % n_parts];
    if (n_extra > 0 && i % 2 == 1) text += extra[(i / 2) % n_extra];
    ++i;
  }
  return text;
}

void run(benchmark::State& state, const std::string& text) {
  static const Scanner scanner;
  std::vector<Finding> findings;
  findings.reserve(1024);
  for (auto _ : state) {
    findings.clear();
    scanner.scan(text, "prompt", findings);
    benchmark::DoNotOptimize(findings.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.counters["findings"] = static_cast<double>(findings.size());
}

void BM_ScanClean(benchmark::State& state) {
  const std::string text = build(kClean, std::size(kClean), nullptr, 0, static_cast<std::size_t>(state.range(0)));
  run(state, text);
}

void BM_ScanWithPii(benchmark::State& state) {
  const std::string text = build(kClean, std::size(kClean), kWithPii, std::size(kWithPii),
                                 static_cast<std::size_t>(state.range(0)));
  run(state, text);
}

// Plain English prose without digits: the cheapest realistic case.
void BM_ScanProse(benchmark::State& state) {
  std::string text;
  while (text.size() < static_cast<std::size_t>(state.range(0)))
    text += "The model should read the retrieved passages carefully, compare their claims, and answer "
            "the question with a short explanation of which passage supports each part of the answer. ";
  run(state, text);
}

// A span's attribute values: the cost of a scan call rather than of its bytes. Ingest scans them
// together (scan_each); one scan call per value is the comparison.
const std::string kValues[] = {"value-17", "gpt-4o-mini", "user-4242", "session-90211", "checkout",
                               "2024-11-05T14:32:10Z", "eu-west-1", "true"};

void BM_ScanAttributeValuesTogether(benchmark::State& state) {
  static const Scanner scanner;
  const std::vector<std::string_view> views(std::begin(kValues), std::end(kValues));
  std::vector<Finding> findings;
  std::vector<std::uint32_t> counts;
  std::size_t bytes = 0;
  for (const auto& v : kValues) bytes += v.size();
  for (auto _ : state) {
    findings.clear();
    scanner.scan_each(views, findings, counts);
    benchmark::DoNotOptimize(findings.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * std::size(kValues)));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}

void BM_ScanAttributeValuesOneByOne(benchmark::State& state) {
  static const Scanner scanner;
  std::vector<Finding> findings;
  std::size_t bytes = 0;
  for (const auto& v : kValues) bytes += v.size();
  for (auto _ : state) {
    for (const auto& v : kValues) {
      findings.clear();
      scanner.scan(v, "attribute", findings);
      benchmark::DoNotOptimize(findings.data());
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * std::size(kValues)));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}

}  // namespace

BENCHMARK(BM_ScanAttributeValuesTogether);
BENCHMARK(BM_ScanAttributeValuesOneByOne);
BENCHMARK(BM_ScanClean)->Arg(4096)->Arg(65536);
BENCHMARK(BM_ScanWithPii)->Arg(4096)->Arg(65536);
BENCHMARK(BM_ScanProse)->Arg(4096);
BENCHMARK_MAIN();
