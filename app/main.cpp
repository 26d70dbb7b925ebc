#include "app/cli.hpp"

int main(int argc, char** argv) {
  return jobmesh::app::run_cli(argc, argv);
}
