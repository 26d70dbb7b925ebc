#pragma once
/// The storage writer's thread ahead of the process's others. Jobs, submissions and ingest wait
/// on its commits, and on two cores it shares a core with CAF's scheduler threads: in the jobs
/// suite's run phase it was committing ~95% of the time but on the CPU for ~60% of it.

namespace jobmesh::actors {

/// How far the writer's thread runs ahead: nice -5 below the process's (its share of a core,
/// when another thread of the process wants it too, about three times that thread's).
constexpr int k_writer_nice_lead = 5;

/// Puts the calling thread `lead` nice levels below the process's; false when the system
/// refuses (it needs CAP_SYS_NICE, as root has, or an RLIMIT_NICE that allows it), and then
/// the thread runs as before. Threads it starts afterwards inherit its priority.
bool run_ahead(int lead);

}  // namespace jobmesh::actors
