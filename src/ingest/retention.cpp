#include "ingest/retention.h"

#include <pthread.h>
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
    {
      std::lock_guard lock(mu_);
      if (stopping_) break;
    }
    const Micros before = now_micros() - static_cast<Micros>(*p.retention_days) * 86400 * 1000000;
    auto n = spans_.expire(p.id, before, [this] {
      std::lock_guard lock(mu_);
      return !stopping_;
    });
    if (!n) return n.error();
    if (*n > 0)
      spdlog::info("retention: project '{}': {} spans of traces begun before {} removed", p.name, *n,
                   format_iso8601(before));
    removed += *n;
  }
  return removed;
}

void Retention::start(std::chrono::seconds every) {
  thread_ = std::thread([this, every] {
    pthread_setname_np(pthread_self(), "sl-retention");
    std::unique_lock lock(mu_);
    auto wait = std::min<std::chrono::seconds>(every, std::chrono::seconds(5));
    while (!cv_.wait_for(lock, wait, [&] { return stopping_; })) {
      lock.unlock();
      if (auto n = run_once(); !n) spdlog::warn("retention: pass failed, tried again later: {}", n.error().message);
      lock.lock();
      wait = every;
    }
  });
}

void Retention::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace stacklens::ingest
