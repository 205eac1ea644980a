#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "config/settings.h"

using namespace stacklens;

TEST(Settings, DefaultsAreDocumented) {
  auto s = load_settings({});
  ASSERT_TRUE(s);
  EXPECT_EQ(s->port, 8480);
  EXPECT_EQ(s->listen, "127.0.0.1");
  EXPECT_EQ(s->limits.max_body_bytes, 8u * 1024 * 1024);
  EXPECT_EQ(s->url(), "http://127.0.0.1:8480");
}

TEST(Settings, LimitsAloneStartFromTheTable) {
  const Limits limits;
  EXPECT_EQ(limits.max_body_bytes, 8u * 1024 * 1024);
  EXPECT_EQ(limits.max_batch_spans, 1000u);
  EXPECT_EQ(limits.max_text_bytes, 1024u * 1024);
  EXPECT_EQ(limits.max_id_bytes, 128u);
}

TEST(Settings, EachSettingNamesItsEnvironmentVariableAndDefault) {
  std::map<std::string, SettingDoc> docs;
  for (const auto& d : setting_docs()) docs[d.name] = d;
  EXPECT_EQ(docs.at("max-body-bytes").env, "STACKLENS_MAX_BODY_BYTES");
  EXPECT_EQ(docs.at("max-body-bytes").default_value, "8388608");
  EXPECT_EQ(docs.at("port").default_value, "8480");
  EXPECT_EQ(docs.at("public-url").default_value, "");
  for (const auto& [name, d] : docs) {
    SettingSources src;
    if (!d.default_value.empty()) src.flags[name] = d.default_value;
    EXPECT_TRUE(load_settings(src)) << name;
  }
}

TEST(Settings, FlagBeatsEnvironmentBeatsConfigFile) {
  const auto file = std::filesystem::temp_directory_path() / "stacklens-settings-test.conf";
  std::ofstream(file) << "# a comment\nport = 9001\nmax_tags = 3\nlog-level = \"warn\"\n";
  SettingSources src;
  src.config_file = file;
  src.env = {{"STACKLENS_PORT", "9002"}, {"STACKLENS_MAX_TAGS", "4"}};
  src.flags = {{"port", "9003"}};
  auto s = load_settings(src);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->port, 9003);
  EXPECT_EQ(s->limits.max_tags, 4u);
  EXPECT_EQ(s->log_level, "warn");
}

TEST(Settings, BadValuesNameTheSetting) {
  SettingSources src;
  src.flags = {{"port", "eighty"}};
  auto s = load_settings(src);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("setting port must be an integer from 0 to 65535"), std::string::npos);
  src.flags = {{"log-level", "loud"}};
  EXPECT_FALSE(load_settings(src));
}

TEST(Settings, UnknownConfigFileKeysAreErrors) {
  const auto file = std::filesystem::temp_directory_path() / "stacklens-settings-unknown.conf";
  std::ofstream(file) << "prot = 1\n";
  SettingSources src;
  src.config_file = file;
  auto s = load_settings(src);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("unknown setting 'prot'"), std::string::npos);
}
