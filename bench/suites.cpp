#include "bench/suites.hpp"

namespace jobmesh::bench {

void add_suites(CLI::App& bench, command_runner& chosen) {
  add_match_suite(bench, chosen);
  add_match_query_suite(bench, chosen);
  add_jobs_suite(bench, chosen);
  add_submit_suite(bench, chosen);
  add_http_suite(bench, chosen);
  add_recovery_suite(bench, chosen);
  add_ws_suite(bench, chosen);
}

}  // namespace jobmesh::bench
