#include "ingest/cost_recomputes.h"

#include <fmt/format.h>
#include <pthread.h>
#include <spdlog/spdlog.h>

#include <chrono>

#include "ingest/span_costing.h"

namespace stacklens::ingest {
namespace {
constexpr Micros kProgressEveryUs = 500000;
}

CostRecompute as_seen(CostRecompute job, Micros now) {
  if (job.state == RecomputeState::running && now - job.updated_us > kRecomputeStalledUs) {
    job.state = RecomputeState::failed;
    job.error = "stopped: no progress for 60 s (the node running it stopped); start it again";
  }
  return job;
}

CostRecomputes::~CostRecomputes() {
  std::list<Worker> workers;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    workers.swap(workers_);
  }
  for (auto& w : workers) w.thread.join();
}

Result<CostRecompute> CostRecomputes::start(int64_t project_id, Micros from, Micros to, const std::string& started_by) {
  std::lock_guard lock(mu_);
  if (stopping_) return make_error(ErrorCode::unavailable, "server is shutting down");
  SL_TRY(recent, meta_.list_cost_recomputes(project_id, 10));
  const Micros now = now_micros();
  for (const CostRecompute& r : recent)
    if (as_seen(r, now).state == RecomputeState::running)
      return make_error(ErrorCode::conflict,
                        fmt::format("recompute {} of this project is still running: wait for it to finish", r.id));
  CostRecompute job;
  job.project_id = project_id;
  job.from_us = from;
  job.to_us = to;
  job.started_by = started_by;
  SL_TRY(created, meta_.create_cost_recompute(job));
  workers_.remove_if([](Worker& w) {
    if (!w.ended->load()) return false;
    w.thread.join();
    return true;
  });
  Worker& w = workers_.emplace_back();
  w.thread = std::thread([this, created, prices = prices_.snapshot(), ended = w.ended] {
    run(created, prices);
    ended->store(true);
  });
  return created;
}

void CostRecomputes::run(CostRecompute job, pricing::PriceSnapshot prices) {
  pthread_setname_np(pthread_self(), "sl-recompute");
  Micros last_saved = 0;
  bool stopped = false;
  const auto save = [&](bool force) {
    const Micros now = now_micros();
    if (!force && now - last_saved < kProgressEveryUs) return;
    last_saved = now;
    if (auto st = meta_.update_cost_recompute(job); !st)
      spdlog::warn("recompute {}: cannot save its progress: {}", job.id, st.error().message);
  };
  auto outcome = spans_.recompute_costs(
      job.project_id, job.from_us, job.to_us, [&](Span& span) { return reprice(span, prices); },
      [&](const RecomputeProgress& p) {
        job.spans_total = p.spans_total;
        job.spans_done = p.spans_done;
        job.spans_changed = p.spans_changed;
        save(false);
        std::lock_guard lock(mu_);
        stopped = stopping_;
        return !stopped;
      });
  job.finished_us = now_micros();
  if (!outcome) {
    job.state = RecomputeState::failed;
    job.error = outcome.error().message;
    spdlog::error("recompute {} of project {} failed: {}", job.id, job.project_id, job.error);
  } else if (stopped) {
    job.state = RecomputeState::failed;
    job.error = fmt::format("stopped by the server's shutdown after {} of {} spans; start it again", job.spans_done,
                            job.spans_total);
  } else {
    job.state = RecomputeState::done;
    spdlog::info("recompute {} of project {}: {} spans looked at, {} changed", job.id, job.project_id,
                 job.spans_done, job.spans_changed);
  }
  save(true);
}

}  // namespace stacklens::ingest
