#include "ingest/retention.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/time.h"

namespace stacklens::ingest {

Result<int64_t> Retention::run_once() {
  std::lock_guard run(run_mu_);
  SL_TRY(projects, meta_.list_projects());
  int64_t removed = 0;
  for (const Project& p : projects) {
    if (!p.retention_days) continue;
    if (passes_.stopping()) break;
    const Micros before = now_micros() - static_cast<Micros>(*p.retention_days) * 86400 * 1000000;
    auto n = spans_.expire(p.id, before, [this] { return !passes_.stopping(); });
    if (!n) return n.error();
    if (*n > 0)
      spdlog::info("retention: project '{}': {} spans of traces begun before {} removed", p.name, *n,
                   format_iso8601(before));
    removed += *n;
  }
  return removed;
}

void Retention::start(std::chrono::seconds every) {
  passes_.start("sl-retention", std::min<std::chrono::milliseconds>(every, std::chrono::seconds(5)), every, [this] {
    if (auto n = run_once(); !n) spdlog::warn("retention: pass failed, tried again later: {}", n.error().message);
  });
}

void Retention::stop() { passes_.stop(); }

}  // namespace stacklens::ingest
