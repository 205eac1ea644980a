#pragma once
// Experiment runs the server runs itself for prompt-only tasks: a FlowOps prompt version filled
// with each dataset item's input, sent through a model connection, the answer recorded as the
// item's result (linked to the call's trace) and judged by server-side evaluators, whose scores
// go on that trace. A run is a dataset run (model/dataset_run.h) whose metadata says
// `"kind": "prompt"` and holds everything needed to run it, so a node that stops mid-run takes
// it up again when it starts: items that have a result are skipped. The node that takes the
// request runs the run (its identity, a file in its data directory, is in the metadata), and on
// start it resumes only its own runs.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/error.h"
#include "model/dataset.h"
#include "model/dataset_run.h"
#include "model/evaluator.h"
#include "providers/model_caller.h"
#include "storage/meta_store.h"
#include "storage/score_store.h"

namespace stacklens::evals {

inline constexpr int kMaxPromptRunConcurrency = 8;

// What a prompt run calls, fixed when it starts.
struct PromptRunSpec {
  std::string prompt;
  int64_t prompt_version = 0;
  std::optional<std::string> environment;  // the environment that served the version, when named
  std::string connection;
  std::string model;  // the connection's default when the request named none
  std::optional<double> temperature;
  std::optional<int64_t> max_tokens;
  std::vector<std::string> evaluators;
  int concurrency = 2;
};

// The run's metadata (JSON text of an object): kind "prompt", the spec and the node running it.
std::string prompt_run_metadata(const PromptRunSpec& spec, const std::string& node);
struct PromptRunMetadata {
  PromptRunSpec spec;
  std::string node;
};
// nullopt unless the text is the metadata of a prompt run.
std::optional<PromptRunMetadata> read_prompt_run_metadata(std::string_view text);

// The messages a prompt version sends for one item. Content that is a JSON list of {role,
// content} (roles system, user, assistant) is a chat prompt, each message's content a template;
// any other content is a text template sent as one user message. An item input that is a JSON
// object gives the variables (its keys; strings as they are, other values as JSON text); any
// other input fills the variable `input`. bad_request naming the variables the input lacks.
Result<std::vector<providers::ChatMessage>> prompt_messages(std::string_view content, std::string_view input_json);

class PromptRuns {
 public:
  struct Limits {
    size_t threads = kMaxPromptRunConcurrency;  // items in flight on this node, all runs together
  };
  PromptRuns(MetaStore& meta, ScoreStore& scores, providers::ModelCaller& models, std::string node, Limits limits);
  ~PromptRuns() { stop(); }
  PromptRuns(const PromptRuns&) = delete;
  PromptRuns& operator=(const PromptRuns&) = delete;

  // This node's identity: the file `node-id` of the data directory, made on first use.
  static Result<std::string> node_identity(const std::filesystem::path& data_dir);

  // Records the run (status running, metadata from `spec`) on `dataset_version` (nullopt: the
  // current one) and queues it. The caller has checked the spec's names.
  Result<DatasetRun> start_run(int64_t project_id, DatasetRun run, std::optional<int64_t> dataset_version,
                               const PromptRunSpec& spec);
  // Queues every prompt run of this node still running (one that stopped with the node).
  Status resume();
  // Starts the worker threads; stop() lets the items in flight finish and leaves the rest of
  // each run for the next start.
  void start();
  void stop();

 private:
  struct Run;
  using RunPtr = std::shared_ptr<Run>;
  void enqueue(RunPtr run);
  void work();
  void load(Run& run);
  void run_item(Run& run, const DatasetItem& item);
  void judge(Run& run, const DatasetItem& item, const providers::ChatResult& call);
  void end(Run& run, const std::string& status, const std::optional<std::string>& failure);
  static void fail(Run& run, std::string reason);

  MetaStore& meta_;
  ScoreStore& scores_;
  providers::ModelCaller& models_;
  const std::string node_;
  const Limits limits_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<RunPtr> runs_;  // taken round-robin
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace stacklens::evals
