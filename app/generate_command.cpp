// `jobmesh generate`: realistic synthetic postings and candidates as NDJSON.
#include "app/cli.hpp"
#include "app/progress_bar.hpp"
#include "match/generator.hpp"

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>

namespace jobmesh::app {

namespace {

struct generate_options {
  match::generator_options gen;
  std::string out;
};

int run_generate(const generate_options& o) {
  std::filesystem::create_directories(o.out);
  auto postings_path = std::filesystem::path{o.out} / "postings.ndjson";
  auto candidates_path = std::filesystem::path{o.out} / "candidates.ndjson";
  std::ofstream postings{postings_path, std::ios::binary};
  std::ofstream candidates{candidates_path, std::ios::binary};
  if (!postings || !candidates) {
    std::cerr << "jobmesh generate: cannot write into " << o.out << '\n';
    return 1;
  }
  progress_bar bar{"generating", "records"};
  match::generate(o.gen, postings, candidates, [&](std::size_t done, std::size_t total) { bar.update(done, total); });
  bar.finish();
  postings.close();
  candidates.close();
  if (!postings || !candidates) {
    std::cerr << "jobmesh generate: writing into " << o.out << " failed\n";
    return 1;
  }
  std::cout << "jobmesh generate: " << o.gen.postings << " postings in " << postings_path.string() << ", "
            << o.gen.candidates << " candidates in " << candidates_path.string() << " (seed " << o.gen.seed << ")\n";
  return 0;
}

}  // namespace

void add_generate_command(CLI::App& root, command_runner& chosen) {
  auto o = std::make_shared<generate_options>();
  auto* cmd = root.add_subcommand("generate", "Write realistic synthetic postings and candidates (NDJSON)");
  // A signed range: CLI11 would read "-5" into a size_t as 2^64 - 5.
  const auto counts = CLI::Range(std::int64_t{0}, std::int64_t{100'000'000});
  cmd->add_option("--postings", o->gen.postings, "Number of postings")->required()->check(counts);
  cmd->add_option("--candidates", o->gen.candidates, "Number of candidates")->required()->check(counts);
  cmd->add_option("--seed", o->gen.seed, "Seed: the same seed gives the same files")->check(CLI::Range(std::numeric_limits<std::int64_t>::max()));
  cmd->add_option("--out", o->out, "Folder to write postings.ndjson and candidates.ndjson into")->required();
  cmd->callback([o, &chosen] { chosen = [o] { return run_generate(*o); }; });
}

}  // namespace jobmesh::app
