// The Router: patterns with path parameters, the dashboard fallback, and the 400/404/405
// answers for paths that match no route.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "http/router.h"

using namespace stacklens;
using namespace stacklens::http;
using boost::beast::http::verb;

namespace {

Request request(verb method, std::string target) {
  Request req;
  req.method(method);
  req.target(target);
  req.version(11);
  return req;
}

// What a route saw, and the reply it gave.
struct Dispatched {
  std::string label;
  std::string handled_by;  // the pattern whose handler ran; empty for the Router's own answers
  std::map<std::string, std::string> params;
  std::optional<Reply> reply;
};

class RouterTest : public ::testing::Test {
 protected:
  void add(verb method, const std::string& pattern) {
    router_.add(method, pattern, [this, pattern](Context& ctx, Respond respond) {
      last_.handled_by = pattern;
      last_.params = ctx.params;
      respond(Reply{200, "{}", "application/json", {}});
    });
  }

  Dispatched dispatch(verb method, const std::string& target) {
    last_ = {};
    const Request req = request(method, target);
    router_.dispatch(req, [this](Reply r) { last_.reply = std::move(r); }, last_.label);
    return last_;
  }

  static std::string error_of(const Reply& r) {
    return std::string(boost::json::parse(r.body).as_object().at("error").as_string());
  }

  Router router_;
  Dispatched last_;
};

TEST_F(RouterTest, MatchesLiteralPathsAndNamesTheRoute) {
  add(verb::get, "/health");
  add(verb::get, "/api/v1/prompts");
  const auto d = dispatch(verb::get, "/api/v1/prompts?limit=3");
  EXPECT_EQ(d.handled_by, "/api/v1/prompts");
  EXPECT_EQ(d.label, "/api/v1/prompts");
  ASSERT_TRUE(d.reply);
  EXPECT_EQ(d.reply->status, 200);
}

TEST_F(RouterTest, PathParametersArePercentDecoded) {
  add(verb::get, "/prompts/{name}/versions/{version}");
  const auto d = dispatch(verb::get, "/prompts/my%20prompt%2Fv/versions/3");
  EXPECT_EQ(d.handled_by, "/prompts/{name}/versions/{version}");
  EXPECT_EQ(d.params.at("name"), "my prompt/v");
  EXPECT_EQ(d.params.at("version"), "3");
}

TEST_F(RouterTest, RepeatedAndTrailingSlashesDoNotMakeSegments) {
  add(verb::get, "/api/v1/keys");
  EXPECT_EQ(dispatch(verb::get, "/api/v1/keys/").handled_by, "/api/v1/keys");
  EXPECT_EQ(dispatch(verb::get, "/api/v1//keys").handled_by, "/api/v1/keys");
}

TEST_F(RouterTest, TheFirstMatchingRouteWins) {
  add(verb::get, "/prompts/new");
  add(verb::get, "/prompts/{name}");
  EXPECT_EQ(dispatch(verb::get, "/prompts/new").handled_by, "/prompts/new");
  const auto d = dispatch(verb::get, "/prompts/other");
  EXPECT_EQ(d.handled_by, "/prompts/{name}");
  EXPECT_EQ(d.params.at("name"), "other");
}

TEST_F(RouterTest, UnknownPathIs404NamingIt) {
  add(verb::get, "/health");
  const auto d = dispatch(verb::get, "/nowhere/at/all");
  EXPECT_TRUE(d.handled_by.empty());
  EXPECT_EQ(d.label, "unmatched");
  ASSERT_TRUE(d.reply);
  EXPECT_EQ(d.reply->status, 404);
  EXPECT_EQ(error_of(*d.reply), "no route for /nowhere/at/all");
}

TEST_F(RouterTest, KnownPathWithAnotherMethodIs405) {
  add(verb::get, "/prompts/{name}");
  add(verb::post, "/prompts/{name}");
  const auto d = dispatch(verb::delete_, "/prompts/x");
  EXPECT_TRUE(d.handled_by.empty());
  ASSERT_TRUE(d.reply);
  EXPECT_EQ(d.reply->status, 405);
  EXPECT_EQ(error_of(*d.reply), "method DELETE is not allowed on /prompts/x");
  EXPECT_EQ(dispatch(verb::post, "/prompts/x").handled_by, "/prompts/{name}");
}

TEST_F(RouterTest, TargetThatIsNoUrlIs400) {
  add(verb::get, "/prompts/{name}");
  for (const char* target : {"not a url", "/prompts/bad%zz", "/prompts/x%4"}) {
    const auto d = dispatch(verb::get, target);
    EXPECT_TRUE(d.handled_by.empty()) << target;
    ASSERT_TRUE(d.reply) << target;
    EXPECT_EQ(d.reply->status, 400) << target;
    EXPECT_EQ(error_of(*d.reply), "request target is not a valid URL") << target;
  }
}

TEST_F(RouterTest, FallbackAnswersOnlyUnmatchedGets) {
  add(verb::post, "/api/v1/auth/login");
  std::string fallback_path;
  router_.set_fallback([&](Context& ctx, Respond respond) {
    fallback_path = ctx.path;
    respond(Reply{200, "<html>", "text/html", {}});
  });
  auto d = dispatch(verb::get, "/traces/abc");
  EXPECT_EQ(fallback_path, "/traces/abc");
  EXPECT_EQ(d.label, "static");
  ASSERT_TRUE(d.reply);
  EXPECT_EQ(d.reply->content_type, "text/html");

  fallback_path.clear();
  d = dispatch(verb::post, "/traces/abc");  // not a GET: no dashboard page
  EXPECT_TRUE(fallback_path.empty());
  EXPECT_EQ(d.reply->status, 404);

  d = dispatch(verb::get, "/api/v1/auth/login");  // a known path with another method is 405, not a page
  EXPECT_TRUE(fallback_path.empty());
  EXPECT_EQ(d.reply->status, 405);
}

TEST_F(RouterTest, QueryParametersAreReadFromTheTarget) {
  std::optional<std::string> one;
  std::vector<std::string> many;
  router_.add(verb::get, "/q", [&](Context& ctx, Respond respond) {
    one = ctx.query_param("model");
    many = ctx.query_params("tag");
    EXPECT_FALSE(ctx.query_param("absent"));
    respond(Reply{});
  });
  dispatch(verb::get, "/q?tag=a&model=gpt%204&tag=b");
  EXPECT_EQ(one, "gpt 4");
  EXPECT_EQ(many, (std::vector<std::string>{"a", "b"}));
}

}  // namespace
