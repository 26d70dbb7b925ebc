// `jobmesh match`: offline batch matching over NDJSON files (API.md), on every core.
#include "app/cli.hpp"
#include "app/progress_bar.hpp"
#include "app/settings_flags.hpp"
#include "match/kernel.hpp"
#include "match/ndjson.hpp"

#include <CLI/CLI.hpp>
#include <chrono>
#include <fmt/format.h>
#include <fstream>
#include <iostream>
#include <tuple>

namespace jobmesh::app {

namespace {

constexpr std::size_t k_errors_shown = 20;

struct match_options {
  settings_flags settings;
  std::string postings, candidates, out, direction = "candidate", profile = "fit";
  std::string country, category, work_mode, employment_type;
  int top_k = 10;
  double min_score = 0;
  bool top_per_company = false;
  unsigned threads = 0;
};

// What reading `path` gave: the rejected lines (the first few), the counts, and the time the
// file took to read and prepare, with its rate.
void report_read(const std::string& path, const std::vector<match::record_error>& errors, std::size_t taken,
                 double seconds) {
  for (std::size_t i = 0; i < std::min(errors.size(), k_errors_shown); ++i)
    std::cerr << fmt::format("{}:{}: {}{}\n", path, errors[i].line, errors[i].field.empty() ? "" : errors[i].field + ": ",
                             errors[i].message);
  if (errors.size() > k_errors_shown)
    std::cerr << fmt::format("{}: {} more rejected lines not shown\n", path, errors.size() - k_errors_shown);
  std::cerr << fmt::format("{}: {} records taken, {} rejected, read in {:.2f} s ({:.0f} records/s)\n", path, taken,
                           errors.size(), seconds, static_cast<double>(taken + errors.size()) / std::max(seconds, 1e-9));
}

// Filters from flags, normalised as the records are; a bad enum value names its flag.
match::posting_filters make_filters(const match_options& o) {
  match::posting_filters f;
  if (!o.country.empty())
    f.country = match::normalise_word(o.country);
  if (!o.category.empty())
    f.category = match::normalise_word(o.category);
  if (!o.work_mode.empty() && !(f.mode = match::parse_work_mode(o.work_mode)))
    throw CLI::ValidationError("--work-mode", "must be onsite, hybrid or remote");
  if (!o.employment_type.empty() && !(f.employment = match::parse_employment_type(o.employment_type)))
    throw CLI::ValidationError("--employment-type", "must be full_time, part_time, contract or internship");
  return f;
}

int write_results(const match_options& o, const std::vector<match::source_results>& results, const match::profile& prof) {
  std::ofstream out{o.out, std::ios::binary};
  if (!out) {
    std::cerr << "jobmesh match: cannot write " << o.out << '\n';
    return 1;
  }
  for (const auto& r : results)
    out << match::results_to_json(r, prof) << '\n';
  return out ? 0 : 1;
}

int run_match(const match_options& o) {
  auto settings = load_settings(o.settings);
  if (!settings)
    return 2;
  match::profile_set profiles;
  profiles.add(settings->matching.profiles);  // load_settings refused any that breaks a rule
  match::query q;
  q.prof = profiles.find(o.profile);
  if (q.prof == nullptr) {
    std::cerr << fmt::format("jobmesh match: --profile: unknown profile '{}'; known: {}\n", o.profile,
                             fmt::join(profiles.names(), ", "));
    return 2;
  }
  q.dir = o.direction == "candidate" ? match::direction::candidate : match::direction::posting;
  q.top_k = o.top_k;
  q.min_score = o.min_score;
  q.top_per_company = o.top_per_company;
  q.filters = make_filters(o);
  if (auto problem = match::check(q)) {
    std::cerr << "jobmesh match: " << *problem << '\n';
    return 2;
  }
  match::normaliser words{settings->matching.synonyms};
  auto since = [](auto started) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };
  auto started = std::chrono::steady_clock::now();
  auto postings = match::read_prepared_postings_file(o.postings, words, o.threads);
  report_read(o.postings, postings.errors, postings.records.size(), since(started));
  started = std::chrono::steady_clock::now();
  auto candidates = match::read_prepared_candidates_file(o.candidates, words, o.threads);
  report_read(o.candidates, candidates.errors, candidates.records.size(), since(started));
  // Some lines rejected: the rest is matched. Every line rejected: a wrong file, most likely,
  // and matching nothing would look like success to a script.
  for (const auto& [path, taken, rejected] : {std::tuple{o.postings, postings.records.size(), postings.errors.size()},
                                               std::tuple{o.candidates, candidates.records.size(),
                                                          candidates.errors.size()}})
    if (taken == 0 && rejected > 0) {
      std::cerr << fmt::format("jobmesh match: {}: every line was rejected ({}); nothing to match\n", path, rejected);
      return 1;
    }
  started = std::chrono::steady_clock::now();
  match::batch_matcher kernel{postings.records, candidates.records};
  std::cerr << fmt::format("jobmesh match: indexed {} postings and {} candidates in {:.2f} s\n", kernel.posting_count(),
                           kernel.candidate_count(), since(started));
  progress_bar bar{"matching", "sources"};
  started = std::chrono::steady_clock::now();
  auto results = kernel.run(q, o.threads, [&](std::size_t done, std::size_t total) { bar.update(done, total); });
  bar.finish();
  double seconds = since(started);
  auto pairs = static_cast<double>(kernel.posting_count()) * static_cast<double>(kernel.candidate_count());
  std::cerr << fmt::format("jobmesh match: {} sources, {:.0f} pairs in {:.3f} s ({:.1f} M pairs/s)\n", results.size(),
                           pairs, seconds, pairs / seconds / 1e6);
  return write_results(o, results, *q.prof);
}

}  // namespace

void add_match_command(CLI::App& root, command_runner& chosen) {
  auto o = std::make_shared<match_options>();
  auto* cmd = root.add_subcommand("match", "Match candidates and postings from NDJSON files (offline, every core)");
  add_settings_flags(*cmd, o->settings);
  cmd->add_option("--postings", o->postings, "Postings, NDJSON")->required()->check(CLI::ExistingFile);
  cmd->add_option("--candidates", o->candidates, "Candidates, NDJSON")->required()->check(CLI::ExistingFile);
  cmd->add_option("--direction", o->direction, "candidate (best postings per candidate) or posting")
      ->check(CLI::IsMember({"candidate", "posting"}));
  cmd->add_option("--profile", o->profile, "fit (default), proximity, or one from config matching.profiles");
  cmd->add_option("--top-k", o->top_k, "Results per source, 1..10000")->check(CLI::Range(1, 10000));
  cmd->add_option("--min-score", o->min_score, "Drop results scoring below this (0..100)")->check(CLI::Range(0.0, 100.0));
  cmd->add_flag("--top-per-company", o->top_per_company, "At most the best posting of each company (direction candidate)");
  cmd->add_option("--country", o->country, "Only postings in this country");
  cmd->add_option("--category", o->category, "Only postings of this category");
  cmd->add_option("--work-mode", o->work_mode, "Only postings with this work mode");
  cmd->add_option("--employment-type", o->employment_type, "Only postings of this employment type");
  cmd->add_option("--threads", o->threads, "Threads (default: every core)");
  cmd->add_option("--out", o->out, "Output NDJSON, one line per source")->required();
  cmd->callback([o, &chosen] { chosen = [o] { return run_match(*o); }; });
}

}  // namespace jobmesh::app
