#include "evals/rule_runner.h"

#include <fmt/format.h>
#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "evals/judge.h"

namespace stacklens::evals {
namespace {

using Clock = std::chrono::steady_clock;

bool has_attribute(const Attributes& attrs, std::string_view key) {
  return std::any_of(attrs.begin(), attrs.end(), [&](const auto& kv) { return kv.first == key; });
}

uint64_t mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

uint64_t fnv1a(uint64_t h, std::string_view s) {
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

}  // namespace

bool rule_matches(const RuleFilter& filter, const Span& span) {
  if (span.kind != "llm" && !span.llm) return false;
  // The server's own model calls (a judge's among them) are never judged again.
  if (has_attribute(span.attributes, "stacklens.connection")) return false;
  if (filter.name && span.name != *filter.name) return false;
  if (filter.model && (!span.llm || span.llm->model != *filter.model)) return false;
  for (const auto& tag : filter.tags)
    if (std::find(span.tags.begin(), span.tags.end(), tag) == span.tags.end()) return false;
  for (const auto& [key, value] : filter.attributes)
    if (std::find(span.attributes.begin(), span.attributes.end(), std::pair(key, value)) == span.attributes.end())
      return false;
  return true;
}

bool sampled(double rate, int64_t rule_id, const std::string& trace_id, const std::string& span_id) {
  if (rate >= 1) return true;
  if (rate <= 0) return false;
  uint64_t h = fnv1a(fnv1a(0xcbf29ce484222325ULL ^ static_cast<uint64_t>(rule_id), trace_id), span_id);
  return static_cast<double>(mix(h) >> 11) * 0x1.0p-53 < rate;
}

RuleRunner::RuleRunner(MetaStore& meta, ScoreStore& scores, query::TraceService& traces,
                       providers::ModelCaller& models, Limits limits)
    : meta_(meta), scores_(scores), traces_(traces), models_(models), limits_(limits) {}

Status RuleRunner::reload() {
  std::lock_guard lock(reload_mu_);
  // The revision first: a change committed while the rules are read raises it again.
  SL_TRY(revision, meta_.eval_rule_revision());
  SL_TRY(stored, meta_.list_eval_rules(std::nullopt));
  auto rules = std::make_shared<Rules>();
  for (EvalRule& r : stored)
    if (!r.paused && r.sampling_rate > 0) (*rules)[r.project_id].push_back(std::move(r));
  std::lock_guard rules_lock(rules_mu_);
  any_running_.store(!rules->empty(), std::memory_order_relaxed);
  rules_ = std::move(rules);
  revision_ = revision;
  return ok_status();
}

std::shared_ptr<const RuleRunner::Rules> RuleRunner::snapshot() const {
  std::lock_guard lock(rules_mu_);
  return rules_;
}

std::optional<EvalRule> RuleRunner::running_rule(int64_t project_id, int64_t rule_id) const {
  const auto rules = snapshot();
  const auto it = rules->find(project_id);
  if (it == rules->end()) return std::nullopt;
  for (const EvalRule& r : it->second)
    if (r.id == rule_id) return r;
  return std::nullopt;
}

void RuleRunner::start(std::chrono::milliseconds every) {
  {
    std::lock_guard lock(queue_mu_);
    stopping_ = false;
  }
  for (size_t i = 0; i < limits_.workers; ++i) workers_.emplace_back([this] { work(); });
  poller_.start("sl-eval-rules", every, [this] {
    flush_dropped();
    auto revision = meta_.eval_rule_revision();
    int64_t known;
    {
      std::lock_guard lock(rules_mu_);
      known = revision_;
    }
    if (!revision) {
      spdlog::warn("evaluation rules: cannot read their revision: {}", revision.error().message);
    } else if (*revision != known) {
      if (auto st = reload(); !st) spdlog::warn("evaluation rules: reload failed: {}", st.error().message);
    }
  });
}

void RuleRunner::stop() {
  poller_.stop();
  {
    std::lock_guard lock(queue_mu_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  for (auto& t : workers_)
    if (t.joinable()) t.join();
  workers_.clear();
  flush_dropped();
}

void RuleRunner::pick(const std::vector<Span>& spans, std::vector<ingest::SpanNote>& notes) {
  if (!any_running_.load(std::memory_order_relaxed)) return;
  const auto rules = snapshot();
  const std::vector<EvalRule>* of_project = nullptr;
  int64_t project = -1;
  for (const Span& span : spans) {
    if (span.project_id != project) {
      project = span.project_id;
      const auto it = rules->find(project);
      of_project = it == rules->end() ? nullptr : &it->second;
    }
    if (!of_project) continue;
    for (const EvalRule& rule : *of_project)
      if (rule_matches(rule.filter, span) && sampled(rule.sampling_rate, rule.id, span.trace_id, span.span_id))
        notes.push_back({span.project_id, rule.id, span.trace_id, span.span_id});
  }
}

void RuleRunner::committed(std::vector<ingest::SpanNote> notes) {
  const auto now = Clock::now();
  std::lock_guard lock(queue_mu_);
  for (auto& n : notes) {
    const auto rule = running_rule(n.project_id, n.tag);
    if (!rule) continue;
    if (queue_.size() >= limits_.max_queued) {
      // Counted per rule and recorded once a second, one row each: under load that fills the
      // queue, a row per span would load the metadata store too.
      auto [it, first] = dropped_.try_emplace(rule->id);
      EvalRun& run = it->second;
      if (first) {
        run.rule_id = rule->id;
        run.status = "dropped";
        run.trace_id = std::move(n.trace_id);
        run.span_id = std::move(n.span_id);
        run.created_us = now_micros();
        run.spans = 0;
      }
      ++run.spans;
      continue;
    }
    queue_.emplace(now + std::chrono::seconds(rule->delay_seconds),
                   Job{n.project_id, n.tag, std::move(n.trace_id), std::move(n.span_id)});
  }
  queue_cv_.notify_all();
}

void RuleRunner::work() {
  pthread_setname_np(pthread_self(), "sl-eval-worker");
  std::unique_lock lock(queue_mu_);
  for (;;) {
    if (stopping_) return;
    if (queue_.empty()) {
      queue_cv_.wait(lock);
      continue;
    }
    const auto due = queue_.begin()->first;
    if (due > Clock::now()) {
      queue_cv_.wait_until(lock, due);
      continue;
    }
    Job job = std::move(queue_.begin()->second);
    queue_.erase(queue_.begin());
    lock.unlock();
    // A rule paused, changed to sample nothing or removed since the span was picked runs no more.
    if (const auto rule = running_rule(job.project_id, job.rule_id)) record({evaluate(job, *rule)});
    lock.lock();
  }
}

EvalRun RuleRunner::evaluate(const Job& job, const EvalRule& rule) {
  EvalRun run;
  run.rule_id = rule.id;
  run.trace_id = job.trace_id;
  run.span_id = job.span_id;
  run.status = "error";
  const auto fail = [&run](const Error& e) {
    run.error = e.message;
    run.created_us = now_micros();
    return run;
  };
  auto evaluator = meta_.get_evaluator(job.project_id, rule.evaluator);
  if (!evaluator) return fail(evaluator.error());
  if (!*evaluator)
    return fail(make_error(ErrorCode::not_found, fmt::format("evaluator '{}' does not exist", rule.evaluator)));
  auto inputs = inputs_of_span(traces_, job.project_id, job.trace_id, job.span_id);
  if (!inputs) return fail(inputs.error());
  const JudgeTarget target{job.trace_id, job.span_id, fmt::format("eval-{}-{}-{}", rule.id, job.trace_id, job.span_id)};
  // A span stored twice (a client's retry) is judged once.
  if (auto stored = scores_.get(job.project_id, target.score_id); stored && *stored) {
    run.status = "ok";
    run.score_id = target.score_id;
    run.created_us = now_micros();
    return run;
  }
  auto reply = models_.chat(job.project_id, (*evaluator)->connection, judge_request(**evaluator, *inputs));
  JudgeOutcome outcome = conclude(**evaluator, std::move(reply), target, scores_, job.project_id);
  run.cost_usd = outcome.cost_usd;
  run.judge_trace_id = outcome.judge_trace_id;
  if (!outcome.score) return fail(outcome.score.error());
  run.status = "ok";
  run.score_id = outcome.score->id;
  run.created_us = now_micros();
  return run;
}

void RuleRunner::record(std::vector<EvalRun> runs) {
  if (auto st = meta_.add_eval_runs(runs); !st)
    spdlog::warn("evaluation rules: {} run(s) not recorded: {}", runs.size(), st.error().message);
}

void RuleRunner::flush_dropped() {
  std::unordered_map<int64_t, EvalRun> dropped;
  {
    std::lock_guard lock(queue_mu_);
    dropped.swap(dropped_);
  }
  std::vector<EvalRun> runs;
  for (auto& [rule, run] : dropped) {
    run.error = fmt::format("the evaluation queue was full ({} spans waiting at most): {} span(s) not judged",
                            limits_.max_queued, run.spans);
    runs.push_back(std::move(run));
  }
  if (!runs.empty()) record(std::move(runs));
}

}  // namespace stacklens::evals
