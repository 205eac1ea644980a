#include "evals/judge.h"

#include <fmt/format.h>

#include <algorithm>

#include "evals/judge_answer.h"

namespace stacklens::evals {
namespace {

constexpr size_t kMaxComment = 4096;  // as a score's comment through the API

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// Each {{name}} of `text` in turn to `each(name)`, which answers what replaces it (or an error).
template <typename F>
Result<std::string> expand(std::string_view text, F each) {
  std::string out;
  for (;;) {
    const auto open = text.find("{{");
    if (open == std::string_view::npos) break;
    out.append(text.substr(0, open));
    const auto close = text.find("}}", open + 2);
    if (close == std::string_view::npos)
      return make_error(ErrorCode::bad_request, "template: a {{ is never closed with }}");
    SL_TRY(value, each(trim(text.substr(open + 2, close - open - 2))));
    out += value;
    text.remove_prefix(close + 2);
  }
  out.append(text);
  return out;
}

const std::string* attribute(const Attributes& attrs, std::string_view key) {
  const auto it = std::find_if(attrs.begin(), attrs.end(), [&](const auto& kv) { return kv.first == key; });
  return it == attrs.end() ? nullptr : &it->second;
}

// The value of one variable; with no inputs (checking a template), whether it is one.
Result<std::string> variable(std::string_view name, const JudgeInputs* in) {
  static const JudgeInputs none;
  const JudgeInputs& v = in ? *in : none;
  if (name == "input") return v.input;
  if (name == "output") return v.output;
  if (name == "expected") return v.expected;
  if (name == "context") return v.context;
  if (name.starts_with("attributes.") && name.size() > 11) {
    const std::string* a = attribute(v.attributes, name.substr(11));
    return a ? *a : std::string();
  }
  return make_error(ErrorCode::bad_request,
                    fmt::format("template: unknown variable {{{{{}}}}}: use {{{{input}}}}, {{{{output}}}}, "
                                "{{{{expected}}}}, {{{{context}}}} or {{{{attributes.<key>}}}}",
                                name.substr(0, 64)));
}

// At most `max` bytes, cut at a character boundary.
std::string clip_utf8(std::string s, size_t max) {
  if (s.size() <= max) return s;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  s.resize(n);
  return s;
}

}  // namespace

Status check_template(std::string_view text) {
  auto r = expand(text, [](std::string_view name) { return variable(name, nullptr); });
  if (!r) return r.error();
  return ok_status();
}

std::string fill_template(std::string_view text, const JudgeInputs& in) {
  auto r = expand(text, [&in](std::string_view name) -> Result<std::string> {
    auto v = variable(name, &in);
    // A template stored before a check could change is filled as far as it goes.
    return v ? std::move(*v) : std::string();
  });
  return r ? std::move(*r) : std::string(text);
}

Result<JudgeInputs> inputs_of_span(query::TraceService& traces, int64_t project_id, const std::string& trace_id,
                                   const std::string& span_id) {
  SL_TRY(view, traces.get(project_id, trace_id));
  const auto span = std::find_if(view.spans.begin(), view.spans.end(), [&](const Span& s) { return s.span_id == span_id; });
  if (span == view.spans.end())
    return make_error(ErrorCode::not_found, fmt::format("span '{}' is not in trace '{}'", span_id, trace_id));
  JudgeInputs in;
  const auto attr = [&](std::string_view key) {
    const std::string* v = attribute(span->attributes, key);
    return v ? *v : std::string();
  };
  in.input = span->llm && span->llm->prompt ? *span->llm->prompt : attr("input");
  in.output = span->llm && span->llm->completion ? *span->llm->completion : attr("output");
  in.expected = attr("expected_output");
  in.context = attr("context");
  in.attributes = span->attributes;
  return in;
}

providers::ChatRequest judge_request(const Evaluator& e, const JudgeInputs& in) {
  providers::ChatRequest req;
  req.messages.push_back(
      {"system",
       fmt::format("You are an evaluator. Judge what the user message asks and answer with only a JSON object, "
                   "no other text: {{\"score\": <score>, \"reasoning\": \"<why, briefly>\"}}, where score is {}.",
                   describe_schema(e.output))});
  req.messages.push_back({"user", fill_template(e.template_text, in)});
  req.model = e.model.value_or("");
  req.temperature = 0;
  req.operation = "evaluation.judge";
  req.attributes.emplace_back("stacklens.evaluator", e.name);
  return req;
}

JudgeOutcome conclude(const Evaluator& e, Result<providers::ChatResult> reply, const std::optional<JudgeTarget>& target,
                      ScoreStore& scores, int64_t project_id) {
  JudgeOutcome out;
  if (!reply) {
    out.score = reply.error();
    return out;
  }
  out.cost_usd = reply->cost_usd;
  if (!reply->trace_id.empty()) out.judge_trace_id = reply->trace_id;
  auto verdict = parse_judge_answer(reply->text, e.output);
  if (!verdict) {
    out.score = verdict.error();
    return out;
  }
  out.reasoning = verdict->reasoning;
  Score s;
  s.name = e.name;
  s.type = verdict->type;
  s.number = verdict->number;
  s.category = verdict->category;
  s.comment = clip_utf8(verdict->reasoning, kMaxComment);
  s.source = "eval";
  s.created_us = s.updated_us = now_micros();
  if (target) {
    s.id = target->score_id;
    s.trace_id = target->trace_id;
    s.span_id = target->span_id;
    if (auto put = scores.create(project_id, s); !put) {
      out.score = put.error();
      return out;
    }
  }
  out.score = std::move(s);
  return out;
}

}  // namespace stacklens::evals
