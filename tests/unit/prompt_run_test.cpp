// What a prompt run sends for an item (evals/prompt_run.h), and its metadata read back.
#include <gtest/gtest.h>

#include "evals/prompt_run.h"

namespace stacklens::evals {
namespace {

using Messages = std::vector<std::pair<std::string, std::string>>;

Messages sent(std::string_view content, std::string_view input) {
  auto r = prompt_messages(content, input);
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  Messages out;
  if (r)
    for (const auto& m : *r) out.emplace_back(m.role, m.content);
  return out;
}

TEST(PromptRun, AnObjectInputGivesTheVariablesAndAnyOtherFillsInput) {
  EXPECT_EQ(sent("Hi {{ name }}, {{n}}", R"({"name": "Ada", "n": 3, "extra": true})"),
            (Messages{{"user", "Hi Ada, 3"}}));
  EXPECT_EQ(sent("Say {{input}}", R"("hello")"), (Messages{{"user", "Say hello"}}));
  EXPECT_EQ(sent("Say {{input}}", "[1,2]"), (Messages{{"user", "Say [1,2]"}}));
  EXPECT_EQ(sent("Say {{input}}", R"({"input": {"a": 1}})"), (Messages{{"user", R"(Say {"a":1})"}}));
}

TEST(PromptRun, AListOfMessagesIsAChatPromptAndAnythingElseIsText) {
  const std::string chat = R"([{"role": "system", "content": "Be {{tone}}."}, {"role": "user", "content": "{{q}}"}])";
  EXPECT_EQ(sent(chat, R"({"tone": "brief", "q": "Why?"})"), (Messages{{"system", "Be brief."}, {"user", "Why?"}}));
  // Not messages as the chat form has them: the content is sent as text.
  for (std::string text : {R"([{"role": "robot", "content": "x"}])", R"([{"role": "user"}])", "[]",
                           R"([{"role": "user", "content": "x", "name": "n"}])", R"({"role": "user"})"})
    EXPECT_EQ(sent(text, "{}"), (Messages{{"user", text}})) << text;
}

TEST(PromptRun, VariablesTheInputLacksAreNamed) {
  auto r = prompt_messages(R"([{"role": "system", "content": "{{a}}"}, {"role": "user", "content": "{{b}} {{a}}"}])",
                           R"({"c": 1})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::bad_request);
  EXPECT_NE(r.error().message.find("variables a, b have no value"), std::string::npos) << r.error().message;
  EXPECT_FALSE(prompt_messages("{{input}}", R"({"other": 1})"));
}

TEST(PromptRun, MetadataIsReadBack) {
  PromptRunSpec spec;
  spec.prompt = "qa";
  spec.prompt_version = 3;
  spec.environment = "staging";
  spec.connection = "lab";
  spec.model = "gpt-4o-mini";
  spec.temperature = 0.5;
  spec.max_tokens = 100;
  spec.evaluators = {"graded", "strict"};
  spec.concurrency = 4;
  auto m = read_prompt_run_metadata(prompt_run_metadata(spec, "node-1"));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->node, "node-1");
  EXPECT_EQ((std::tuple(m->spec.prompt, m->spec.prompt_version, m->spec.environment, m->spec.connection,
                        m->spec.model, m->spec.temperature, m->spec.max_tokens, m->spec.evaluators,
                        m->spec.concurrency)),
            (std::tuple(spec.prompt, spec.prompt_version, spec.environment, spec.connection, spec.model,
                        spec.temperature, spec.max_tokens, spec.evaluators, spec.concurrency)));
  spec.environment.reset();
  spec.temperature.reset();
  spec.max_tokens.reset();
  m = read_prompt_run_metadata(prompt_run_metadata(spec, "n"));
  ASSERT_TRUE(m);
  EXPECT_FALSE(m->spec.environment || m->spec.temperature || m->spec.max_tokens);
  // A client's own run metadata is no prompt run's.
  EXPECT_FALSE(read_prompt_run_metadata(R"({"model": "m"})"));
  EXPECT_FALSE(read_prompt_run_metadata(R"({"kind": "prompt"})"));
  EXPECT_FALSE(read_prompt_run_metadata("not json"));
}

}  // namespace
}  // namespace stacklens::evals
