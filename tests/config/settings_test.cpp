#include "config/keys.hpp"
#include "config/settings.hpp"
#include "tests/source_dir.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace jobmesh::config;
using ::testing::HasSubstr;

namespace {

std::string write_temp(const std::string& name, const std::string& text) {
  auto path = std::filesystem::temp_directory_path() / ("jobmesh_config_" + std::to_string(::getpid()) + "_" + name);
  std::ofstream{path} << text;
  return path.string();
}

std::string read_file(const std::string& path) {
  std::ifstream in{path};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string joined(const std::vector<std::string>& errors) {
  std::string out;
  for (const auto& e : errors)
    out += e + "\n";
  return out;
}

}  // namespace

TEST(settings, defaults_are_valid_and_embedded) {
  auto r = load({});
  ASSERT_TRUE(r.ok()) << joined(r.errors);
  EXPECT_EQ(r.values.server.host, "127.0.0.1");
  EXPECT_EQ(r.values.server.port, 8080);
  EXPECT_EQ(r.values.storage.db, "sqlite:var/jobmesh.db");
  EXPECT_EQ(r.values.auth.mode, "off");
}

TEST(settings, flags_beat_environment_beat_file) {
  auto file = write_temp("precedence.json", R"({"server": {"port": 9001, "host": "127.0.0.2"}, "jobs": {"workers": 3}})");
  sources from;
  from.file = file;
  from.environment = {{"JOBMESH_SERVER_PORT", "9002"}, {"JOBMESH_JOBS_WORKERS", "5"}};
  from.overrides = {{"server.port", "9003"}};
  auto r = load(from);
  ASSERT_TRUE(r.ok()) << joined(r.errors);
  EXPECT_EQ(r.values.server.port, 9003);
  EXPECT_EQ(r.values.server.host, "127.0.0.2");
  EXPECT_EQ(r.values.jobs.workers, 5);
}

TEST(settings, unknown_file_key_is_named) {
  auto file = write_temp("unknown.json", R"({"server": {"prot": 1}})");
  auto r = load({.file = file});
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_THAT(r.errors[0], HasSubstr("unknown key 'server.prot'"));
}

TEST(settings, wrong_type_and_range_are_named) {
  auto file = write_temp("types.json", R"({"server": {"port": "eighty"}, "jobs": {"workers": 0}, "log": {"level": "loud"}})");
  auto r = load({.file = file});
  auto all = joined(r.errors);
  EXPECT_EQ(r.errors.size(), 3u) << all;
  EXPECT_THAT(all, HasSubstr("'server.port' must be an integer in [0, 65535], got \"eighty\""));
  EXPECT_THAT(all, HasSubstr("'jobs.workers' must be an integer in [1, 4096], got 0"));
  EXPECT_THAT(all, HasSubstr("'log.level' must be one of trace, debug, info"));
}

TEST(settings, bad_environment_value_names_the_variable) {
  auto r = load({.environment = {{"JOBMESH_SERVER_PORT", "80x"}, {"JOBMESH_JOBS_WORKRS", "2"}, {"JOBMESH_BIN", "x"}}});
  auto all = joined(r.errors);
  EXPECT_EQ(r.errors.size(), 2u) << all;
  EXPECT_THAT(all, HasSubstr("environment JOBMESH_SERVER_PORT: 'server.port' must be an integer"));
  EXPECT_THAT(all, HasSubstr("environment JOBMESH_JOBS_WORKRS: unknown config key"));
}

TEST(settings, unknown_flag_key_and_bad_value) {
  auto r = load({.overrides = {{"server.nope", "1"}, {"storage.db", "mysql://x"}}});
  auto all = joined(r.errors);
  EXPECT_THAT(all, HasSubstr("unknown config key 'server.nope'"));
  EXPECT_THAT(all, HasSubstr("'storage.db' must start with sqlite: or postgresql://"));
}

TEST(settings, jwt_mode_needs_a_secret) {
  auto r = load({.overrides = {{"auth.mode", "jwt"}}});
  EXPECT_THAT(joined(r.errors), HasSubstr("'auth.secret' must be at least 32 characters"));
  auto short_one = load({.overrides = {{"auth.mode", "jwt"}, {"auth.secret", std::string(31, 's')}}});
  EXPECT_THAT(joined(short_one.errors), HasSubstr("'auth.secret' must be at least 32 characters"));
  auto long_enough = load({.overrides = {{"auth.mode", "jwt"}, {"auth.secret", std::string(32, 's')}}});
  EXPECT_TRUE(long_enough.errors.empty()) << joined(long_enough.errors);
}

TEST(settings, maps_read_from_file_and_environment) {
  auto file = write_temp("maps.json", R"({"matching": {"profiles": {"p": {"skills": 1.0}}}})");
  auto r = load({.file = file, .environment = {{"JOBMESH_MATCHING_SYNONYMS", R"({"py": "python"})"}}});
  ASSERT_TRUE(r.ok()) << joined(r.errors);
  EXPECT_EQ(r.values.matching.synonyms.at("py"), "python");
  EXPECT_DOUBLE_EQ(r.values.matching.profiles.at("p").at("skills"), 1.0);
  auto bad = load({.environment = {{"JOBMESH_MATCHING_PROFILES", R"({"p": {"skills": "high"}})"}}});
  EXPECT_THAT(joined(bad.errors), HasSubstr("'matching.profiles.p.skills' must be a number"));
}

TEST(settings, unreadable_file_is_reported) {
  auto r = load({.file = std::string{"/nonexistent/jobmesh.json"}});
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_THAT(r.errors[0], HasSubstr("cannot read"));
}

// The example file and the README document every key; neither may drift from the registry.
TEST(settings, example_file_and_readme_document_every_key) {
  const std::string dir = jobmesh::testing::source_dir() + "/config/";
  auto r = load({.file = dir + "jobmesh.example.json"});
  ASSERT_TRUE(r.ok()) << joined(r.errors);
  auto example = read_file(dir + "jobmesh.example.json");
  auto readme = read_file(dir + "README.md");
  for (const auto& key : all_keys()) {
    EXPECT_THAT(example, HasSubstr("\"" + std::string{key.name} + "\":")) << dotted_name(key);
    EXPECT_THAT(readme, HasSubstr("`" + dotted_name(key) + "`")) << dotted_name(key);
    EXPECT_THAT(readme, HasSubstr("`" + environment_name(key) + "`")) << dotted_name(key);
  }
}

TEST(settings, an_allowed_origin_that_is_not_an_origin_is_named) {
  auto bad = load({.environment = {{"JOBMESH_SERVER_ALLOWED_ORIGINS", "https://ok.example, ops.example.com"}}});
  EXPECT_THAT(joined(bad.errors), HasSubstr("'server.allowed_origins': 'ops.example.com' is not an origin"));
  auto good = load({.environment = {{"JOBMESH_SERVER_ALLOWED_ORIGINS", "https://ok.example, http://[::1]:3000"}}});
  EXPECT_TRUE(good.ok()) << joined(good.errors);
}

// imports.private_addresses: auto allows only the loopback-only demo (auth off) to fetch from
// this machine or its networks; allow and refuse hold in every auth mode; anything else is named.
TEST(settings, private_addresses_auto_follows_the_auth_mode) {
  jobmesh::config::imports_settings imports;
  EXPECT_FALSE(imports.refuses_private_addresses("off"));
  EXPECT_TRUE(imports.refuses_private_addresses("jwt"));
  imports.private_addresses = "allow";
  EXPECT_FALSE(imports.refuses_private_addresses("jwt"));
  imports.private_addresses = "refuse";
  EXPECT_TRUE(imports.refuses_private_addresses("off"));
  auto bad = load({.environment = {{"JOBMESH_IMPORTS_PRIVATE_ADDRESSES", "sometimes"}}});
  EXPECT_THAT(joined(bad.errors), HasSubstr("JOBMESH_IMPORTS_PRIVATE_ADDRESSES"));
}
