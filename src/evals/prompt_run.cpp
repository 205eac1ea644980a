#include "evals/prompt_run.h"

#include <fmt/format.h>
#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>

#include "core/json.h"
#include "crypto/secrets.h"
#include "evals/judge.h"
#include "model/prompt_template.h"

namespace stacklens::evals {
namespace bj = boost::json;

namespace {

constexpr int kPage = 500;
constexpr size_t kMaxErrorMessages = 10;  // evaluation errors quoted in a run's summary

// A stored JSON value as a template gets it: a string as it is, anything else as JSON text.
std::string value_text(std::string_view json_text) {
  auto v = json::parse(json_text);
  return v ? json::to_attribute_string(*v) : std::string(json_text);
}

std::optional<std::vector<providers::ChatMessage>> chat_prompt(std::string_view content) {
  auto v = json::parse(content);
  if (!v || !v->is_array() || v->get_array().empty()) return std::nullopt;
  std::vector<providers::ChatMessage> out;
  for (const auto& m : v->get_array()) {
    if (!m.is_object() || m.get_object().size() != 2) return std::nullopt;
    const auto* role = m.get_object().if_contains("role");
    const auto* text = m.get_object().if_contains("content");
    if (!role || !text || !role->is_string() || !text->is_string()) return std::nullopt;
    const std::string_view r = role->get_string();
    if (r != "system" && r != "user" && r != "assistant") return std::nullopt;
    out.push_back({std::string(r), std::string(text->get_string())});
  }
  return out;
}

}  // namespace

std::string prompt_run_metadata(const PromptRunSpec& spec, const std::string& node) {
  bj::array evaluators;
  for (const auto& e : spec.evaluators) evaluators.emplace_back(e);
  return json::serialize(bj::object{
      {"kind", "prompt"},
      {"prompt", spec.prompt},
      {"promptVersion", spec.prompt_version},
      {"environment", spec.environment ? bj::value(*spec.environment) : bj::value(nullptr)},
      {"connection", spec.connection},
      {"model", spec.model},
      {"temperature", spec.temperature ? bj::value(*spec.temperature) : bj::value(nullptr)},
      {"maxTokens", spec.max_tokens ? bj::value(*spec.max_tokens) : bj::value(nullptr)},
      {"evaluators", std::move(evaluators)},
      {"concurrency", spec.concurrency},
      {"node", node}});
}

std::optional<PromptRunMetadata> read_prompt_run_metadata(std::string_view text) {
  auto v = json::parse(text);
  if (!v || !v->is_object()) return std::nullopt;
  const bj::object& o = v->get_object();
  const auto* kind = o.if_contains("kind");
  if (!kind || !kind->is_string() || kind->get_string() != "prompt") return std::nullopt;
  PromptRunMetadata m;
  auto prompt = json::req_string(o, "prompt", "prompt");
  auto version = json::opt_int(o, "promptVersion", "promptVersion");
  auto environment = json::opt_string(o, "environment", "environment");
  auto connection = json::req_string(o, "connection", "connection");
  auto model = json::req_string(o, "model", "model");
  auto temperature = json::opt_number(o, "temperature", "temperature");
  auto max_tokens = json::opt_int(o, "maxTokens", "maxTokens");
  auto concurrency = json::opt_int(o, "concurrency", "concurrency");
  auto node = json::req_string(o, "node", "node");
  if (!prompt || !version || !*version || !environment || !connection || !model || !temperature || !max_tokens ||
      !concurrency || !node)
    return std::nullopt;
  m.spec.prompt = std::move(*prompt);
  m.spec.prompt_version = **version;
  m.spec.environment = *environment;
  m.spec.connection = std::move(*connection);
  m.spec.model = std::move(*model);
  m.spec.temperature = *temperature;
  m.spec.max_tokens = *max_tokens;
  m.spec.concurrency = static_cast<int>(std::clamp<int64_t>(concurrency->value_or(2), 1, kMaxPromptRunConcurrency));
  if (const auto* list = o.if_contains("evaluators"); list && list->is_array())
    for (const auto& e : list->get_array())
      if (e.is_string()) m.spec.evaluators.emplace_back(e.get_string());
  m.node = std::move(*node);
  return m;
}

Result<std::vector<providers::ChatMessage>> prompt_messages(std::string_view content, std::string_view input_json) {
  std::map<std::string, std::string> values;
  auto input = json::parse(input_json);
  if (input && input->is_object()) {
    for (const auto& kv : input->get_object()) values[std::string(kv.key())] = json::to_attribute_string(kv.value());
  } else {
    values["input"] = input ? json::to_attribute_string(*input) : std::string(input_json);
  }
  auto messages = chat_prompt(content);
  if (!messages) messages = std::vector<providers::ChatMessage>{{"user", std::string(content)}};
  std::vector<std::string> missing;
  for (const auto& m : *messages)
    for (auto& name : template_variables(m.content))
      if (!values.count(name) && std::find(missing.begin(), missing.end(), name) == missing.end())
        missing.push_back(std::move(name));
  if (!missing.empty())
    return make_error(ErrorCode::bad_request,
                      fmt::format("the prompt's variables {} have no value in the item's input", fmt::join(missing, ", ")));
  for (auto& m : *messages) {
    SL_TRY(text, compile_template(m.content, values));
    m.content = std::move(text);
  }
  return std::move(*messages);
}

// A run as its node holds it. Everything but the constant part is guarded by PromptRuns::mu_.
struct PromptRuns::Run {
  int64_t project_id = 0;
  DatasetRun record;
  PromptRunSpec spec;
  bool loading = false, loaded = false;
  std::string content;                  // the prompt version's
  std::vector<Evaluator> evaluators;
  std::deque<DatasetItem> pending;      // items without a result yet
  int in_flight = 0;
  bool ended_elsewhere = false;         // finished or failed through the API, or its dataset removed
  std::optional<std::string> failure;   // why this node ends it as failed
  std::vector<std::string> evaluation_errors;
};

PromptRuns::PromptRuns(MetaStore& meta, ScoreStore& scores, providers::ModelCaller& models, std::string node,
                       Limits limits)
    : meta_(meta), scores_(scores), models_(models), node_(std::move(node)), limits_(limits) {}

Result<std::string> PromptRuns::node_identity(const std::filesystem::path& data_dir) {
  const auto file = data_dir / "node-id";
  {
    std::ifstream in(file);
    std::string id;
    if (in >> id && !id.empty()) return id;
  }
  const std::string id = secrets::random_uuid();
  const auto tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << id << "\n";
    if (!out) return make_error(ErrorCode::unavailable, fmt::format("cannot write {}", tmp));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, file, ec);
  if (ec) return make_error(ErrorCode::unavailable, fmt::format("cannot write {}: {}", file.string(), ec.message()));
  return id;
}

Result<DatasetRun> PromptRuns::start_run(int64_t project_id, DatasetRun run, std::optional<int64_t> dataset_version,
                                         const PromptRunSpec& spec) {
  run.metadata = prompt_run_metadata(spec, node_);
  SL_TRY(created, meta_.create_dataset_run(project_id, run, dataset_version));
  auto r = std::make_shared<Run>();
  r->project_id = project_id;
  r->record = created;
  r->spec = spec;
  enqueue(std::move(r));
  return created;
}

Status PromptRuns::resume() {
  SL_TRY(running, meta_.list_running_dataset_runs());
  size_t resumed = 0;
  for (auto& [project_id, run] : running) {
    if (!run.metadata) continue;
    auto m = read_prompt_run_metadata(*run.metadata);
    if (!m || m->node != node_) continue;
    auto r = std::make_shared<Run>();
    r->project_id = project_id;
    r->record = std::move(run);
    r->spec = std::move(m->spec);
    enqueue(std::move(r));
    ++resumed;
  }
  if (resumed) spdlog::info("prompt runs: {} run(s) of this node resumed", resumed);
  return ok_status();
}

void PromptRuns::enqueue(RunPtr run) {
  {
    std::lock_guard lock(mu_);
    runs_.push_back(std::move(run));
  }
  cv_.notify_one();
}

void PromptRuns::start() {
  {
    std::lock_guard lock(mu_);
    stopping_ = false;
  }
  for (size_t i = 0; i < limits_.threads; ++i) workers_.emplace_back([this] { work(); });
}

void PromptRuns::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_)
    if (t.joinable()) t.join();
  workers_.clear();
}

void PromptRuns::fail(Run& run, std::string reason) {
  if (!run.failure) run.failure = std::move(reason);
  run.pending.clear();
}

// Each worker takes the next step of the first run that has one (loading it, one of its items
// within its concurrency, or ending it once nothing is in flight) and moves that run to the
// back, so runs share the workers in turn.
void PromptRuns::work() {
  pthread_setname_np(pthread_self(), "sl-prompt-run");
  enum class Step { load, item, end };
  std::unique_lock lock(mu_);
  for (;;) {
    RunPtr run;
    Step step = Step::item;
    cv_.wait(lock, [&] {
      if (stopping_) return true;
      for (auto it = runs_.begin(); it != runs_.end(); ++it) {
        Run& r = **it;
        if (!r.loaded) {
          if (r.loading) continue;
          step = Step::load;
        } else if (r.pending.empty() || r.ended_elsewhere) {
          if (r.in_flight > 0) continue;
          step = Step::end;
        } else if (r.in_flight < r.spec.concurrency) {
          step = Step::item;
        } else {
          continue;
        }
        run = *it;
        runs_.erase(it);
        if (step != Step::end) runs_.push_back(run);
        return true;
      }
      return false;
    });
    if (stopping_) return;
    switch (step) {
      case Step::load:
        run->loading = true;
        lock.unlock();
        load(*run);
        lock.lock();
        run->loading = false;
        run->loaded = true;
        cv_.notify_all();
        break;
      case Step::item: {
        DatasetItem item = std::move(run->pending.front());
        run->pending.pop_front();
        ++run->in_flight;
        lock.unlock();
        run_item(*run, item);
        lock.lock();
        --run->in_flight;
        cv_.notify_all();
        break;
      }
      case Step::end:
        if (run->ended_elsewhere) break;
        lock.unlock();
        end(*run, run->failure ? "failed" : "finished", run->failure);
        lock.lock();
        break;
    }
  }
}

// The prompt version, the evaluators and the items still without a result. Anything missing
// ends the run as failed.
void PromptRuns::load(Run& run) {
  const DatasetRun& r = run.record;
  std::string failure;
  std::vector<Evaluator> evaluators;
  std::deque<DatasetItem> pending;
  std::string content;
  [&] {
    auto version = meta_.get_version(run.project_id, run.spec.prompt, run.spec.prompt_version);
    if (!version) return void(failure = version.error().message);
    if (!*version)
      return void(failure = fmt::format("prompt '{}' has no version {}", run.spec.prompt, run.spec.prompt_version));
    content = (*version)->content;
    for (const auto& name : run.spec.evaluators) {
      auto e = meta_.get_evaluator(run.project_id, name);
      if (!e) return void(failure = e.error().message);
      if (!*e) return void(failure = fmt::format("evaluator '{}' does not exist in this project", name));
      evaluators.push_back(std::move(**e));
    }
    std::set<std::string> done;
    DatasetRunResultQuery rq;
    rq.limit = kPage;
    for (;;) {
      auto page = meta_.list_dataset_run_results(run.project_id, r.dataset, r.id, rq);
      if (!page) return void(failure = page.error().message);
      for (auto& res : page->results) done.insert(std::move(res.item_id));
      if (!page->next_cursor) break;
      rq.cursor = page->next_cursor;
    }
    if (r.item_count == 0) return;
    DatasetItemQuery iq;
    iq.version = r.dataset_version;
    iq.limit = kPage;
    for (;;) {
      auto page = meta_.list_dataset_items(run.project_id, r.dataset, iq);
      if (!page) return void(failure = page.error().message);
      for (auto& item : page->items)
        if (!done.count(item.id)) pending.push_back(std::move(item));
      if (!page->next_cursor) break;
      iq.cursor = page->next_cursor;
    }
  }();
  std::lock_guard lock(mu_);
  if (!failure.empty()) return fail(run, failure);
  run.content = std::move(content);
  run.evaluators = std::move(evaluators);
  run.pending = std::move(pending);
}

void PromptRuns::run_item(Run& run, const DatasetItem& item) {
  const DatasetRun& r = run.record;
  // A run finished or failed through the API (a cancel) takes no more items.
  if (auto now = meta_.get_dataset_run(run.project_id, r.dataset, r.id); now && (!*now || (*now)->status != "running")) {
    std::lock_guard lock(mu_);
    run.ended_elsewhere = true;
    run.pending.clear();
    return;
  }
  DatasetRunResult result;
  result.item_id = item.id;
  auto messages = prompt_messages(run.content, item.input);
  if (!messages) {
    result.error = messages.error().message;
  } else {
    providers::ChatRequest req;
    req.messages = std::move(*messages);
    req.model = run.spec.model;
    req.temperature = run.spec.temperature;
    req.max_tokens = run.spec.max_tokens;
    req.operation = "experiment.prompt";
    req.trace_id = secrets::random_uuid();  // a failed call is recorded too: its result links it
    req.attributes = {{"stacklens.prompt.name", run.spec.prompt},
                      {"stacklens.prompt.version", std::to_string(run.spec.prompt_version)},
                      {"stacklens.dataset", r.dataset},
                      {"stacklens.dataset.item", item.id},
                      {"stacklens.dataset.run", std::to_string(r.id)}};
    const Micros began = now_micros();
    auto reply = models_.chat(run.project_id, run.spec.connection, req);
    if (!reply) {
      // The spend cap reached or the connection gone: no later item would fare better.
      if (reply.error().code == ErrorCode::unprocessable || reply.error().code == ErrorCode::not_found) {
        std::lock_guard lock(mu_);
        return fail(run, reply.error().message);
      }
      result.error = reply.error().message;
      result.trace_id = req.trace_id;
      result.latency_ms = static_cast<double>(now_micros() - began) / 1000.0;
    } else {
      result.trace_id = reply->trace_id;
      result.output = json::serialize(bj::string(reply->text));
      result.latency_ms = static_cast<double>(reply->latency_us) / 1000.0;
      judge(run, item, *reply);
    }
  }
  result.created_us = now_micros();
  if (auto st = meta_.put_dataset_run_results(run.project_id, r.dataset, r.id, {result}); !st) {
    if (st.error().code == ErrorCode::conflict) return;  // the run was ended meanwhile
    spdlog::warn("prompt run {} of dataset '{}': the result of item '{}' was not recorded: {}", r.id, r.dataset,
                 item.id, st.error().message);
  }
}

// Each evaluator judges the call's answer as POST /evaluators/{name}/run judges a span, and its
// verdict is a score on the call's span.
void PromptRuns::judge(Run& run, const DatasetItem& item, const providers::ChatResult& call) {
  if (run.evaluators.empty()) return;
  JudgeInputs in;
  in.input = value_text(item.input);
  in.output = call.text;
  if (item.expected_output) in.expected = value_text(*item.expected_output);
  if (item.metadata)
    if (auto m = json::parse(*item.metadata); m && m->is_object())
      for (const auto& kv : m->get_object()) {
        std::string text = json::to_attribute_string(kv.value());
        if (kv.key() == "context") in.context = text;
        in.attributes.emplace_back(std::string(kv.key()), std::move(text));
      }
  for (const Evaluator& e : run.evaluators) {
    auto reply = models_.chat(run.project_id, e.connection, judge_request(e, in));
    if (!reply && reply.error().code == ErrorCode::unprocessable) {
      std::lock_guard lock(mu_);
      return fail(run, reply.error().message);
    }
    const JudgeTarget target{call.trace_id, call.span_id, fmt::format("eval-{}-{}", e.name, call.trace_id)};
    JudgeOutcome outcome = conclude(e, std::move(reply), target, scores_, run.project_id);
    if (outcome.score) continue;
    std::lock_guard lock(mu_);
    if (run.evaluation_errors.size() < kMaxErrorMessages)
      run.evaluation_errors.push_back(
          fmt::format("item {}: evaluator '{}': {}", item.id, e.name, outcome.score.error().message));
  }
}

// Ends the run with a summary of its stored results: items, items done, errors, and the
// evaluations that gave no score (an item answered without each evaluator's score on its trace).
void PromptRuns::end(Run& run, const std::string& status, const std::optional<std::string>& failure) {
  const DatasetRun& r = run.record;
  int64_t done = 0, errors = 0, unjudged = 0;
  DatasetRunResultQuery q;
  q.limit = kPage;
  for (;;) {
    auto page = meta_.list_dataset_run_results(run.project_id, r.dataset, r.id, q);
    if (!page) break;
    for (const auto& res : page->results) {
      ++done;
      if (res.error) ++errors;
      if (res.error || !res.trace_id || run.spec.evaluators.empty()) continue;
      auto scores = scores_.of_trace(run.project_id, *res.trace_id);
      for (const auto& name : run.spec.evaluators)
        if (!scores || std::none_of(scores->begin(), scores->end(),
                                    [&](const Score& s) { return s.name == name && s.source == "eval"; }))
          ++unjudged;
    }
    if (!page->next_cursor) break;
    q.cursor = page->next_cursor;
  }
  bj::object summary{{"items", r.item_count}, {"itemsDone", done}, {"errors", errors}, {"evaluationErrors", unjudged}};
  std::vector<std::string> messages;
  {
    std::lock_guard lock(mu_);
    messages = run.evaluation_errors;
  }
  if (!messages.empty()) {
    bj::array list;
    for (auto& m : messages) list.emplace_back(m);
    summary["evaluationErrorMessages"] = std::move(list);
  }
  if (failure) summary["error"] = *failure;
  auto ended = meta_.finish_dataset_run(run.project_id, r.dataset, r.id, status, json::serialize(summary));
  if (!ended && ended.error().code != ErrorCode::conflict && ended.error().code != ErrorCode::not_found)
    spdlog::warn("prompt run {} of dataset '{}' could not be ended: {}", r.id, r.dataset, ended.error().message);
}

}  // namespace stacklens::evals
