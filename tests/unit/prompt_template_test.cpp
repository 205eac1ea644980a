#include "model/prompt_template.h"

#include <gtest/gtest.h>

namespace stacklens {
namespace {

TEST(PromptTemplate, NamesItsVariablesOnceInOrder) {
  EXPECT_EQ(template_variables("{{b}} {{ a }} {{b}} {{\tc\n}} {{1x}} {{ d e }} {{f}"),
            (std::vector<std::string>{"b", "a", "c"}));
  EXPECT_TRUE(template_variables("no variables, {{ }} {{}}").empty());
}

TEST(PromptTemplate, FillsEveryVariableAndLeavesTheRest) {
  auto out = compile_template("Hi {{name}}, {{ name }}! {{x-y}} {{{name}}}", {{"name", "Ada"}, {"unused", "u"}});
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, "Hi Ada, Ada! {{x-y}} {Ada}");
  // A value is never read as a template itself.
  auto nested = compile_template("{{a}}{{b}}", {{"a", "{{b}}"}, {"b", "B"}});
  ASSERT_TRUE(nested);
  EXPECT_EQ(*nested, "{{b}}B");
}

TEST(PromptTemplate, NamesEveryMissingVariable) {
  auto out = compile_template("{{a}} {{b}} {{c}}", {{"b", "1"}});
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, ErrorCode::bad_request);
  EXPECT_NE(out.error().message.find("a, c"), std::string::npos) << out.error().message;
}

}  // namespace
}  // namespace stacklens
