#!/usr/bin/env node
// Peer of jobmesh's `jobs` bench suite: graphile-worker on a throwaway PostgreSQL 15 cluster.
// Prints one JSON line on stdout; progress goes to stderr. See README.md in this folder.
import fs from "node:fs";
import path from "node:path";
import { EventEmitter } from "node:events";
import { spawnSync, execFile } from "node:child_process";
import { promisify } from "node:util";
import {
  log, parseArgs, positiveInt, nonNegativeInt, freePort, pollUntil, withTimeout, percentile, round, now,
  makeTempDir, rmTree, onCleanup, versionOf, emit, main, UsageError,
} from "./common.mjs";

// graphile-worker reads this once at load time; without it every job formats an info line
// ("Completed task ... with success") that the quiet logger below then drops.
process.env.NO_LOG_SUCCESS = "1";
const { run, runMigrations, makeWorkerUtils, Logger } = await import("graphile-worker");
const { default: pg } = await import("pg");

const execFileP = promisify(execFile);

const USAGE = `usage: graphile.mjs --jobs N --concurrency C [options]
  --jobs N                 no-op jobs to add in bulk and run to completion (default 20000)
  --concurrency C          concurrentJobs of the worker (default 50)
  --bulk-size B            jobs per SQL graphile_worker.add_jobs call (default 10000)
  --local-queue-size L     localQueue.size (default 5000; see README.md)
  --complete-batch-delay D completeJobBatchDelay and failJobBatchDelay in ms (default 0, ditto)
  --max-pool-size P        pg pool size (default max(10, C + 2), as its docs advise)
  --latency-samples S      idle enqueue-to-start samples (default 200; 0 skips)
  --timeout S              give up after S seconds in any phase (default 600)
Prints one JSON line on stdout. Needs PostgreSQL 15 (PG_BIN, default
/usr/lib/postgresql/15/bin) and, when run as root, the system user postgres (PG_USER).
`;

const args = parseArgs(process.argv.slice(2), {
  jobs: [20000, positiveInt],
  concurrency: [50, positiveInt],
  "bulk-size": [10000, positiveInt],
  "local-queue-size": [5000, positiveInt],
  "complete-batch-delay": [0, nonNegativeInt],
  "max-pool-size": [0, positiveInt],
  "latency-samples": [200, nonNegativeInt],
  timeout: [600, positiveInt],
}, USAGE);

const PG_BIN = process.env.PG_BIN || "/usr/lib/postgresql/15/bin";
const PG_USER = process.env.PG_USER || "postgres";
const N = args.jobs;
const C = args.concurrency;
const TIMEOUT_MS = args.timeout * 1000;
const maxPoolSize = args["max-pool-size"] || Math.max(10, C + 2);

// ---------------------------------------------------------------- the throwaway cluster

// initdb and postgres refuse to run as root: as root, run them as PG_USER through setpriv
// (which execs, so the process we start is the server itself).
function asServerUser() {
  if (process.getuid() !== 0) return null;
  const r = spawnSync("id", ["-u", PG_USER], { encoding: "utf8" });
  const g = spawnSync("id", ["-g", PG_USER], { encoding: "utf8" });
  if (r.status !== 0 || g.status !== 0) {
    throw new Error(`running as root needs the system user ${PG_USER} (bench/peers/setup-jobs.sh creates it)`);
  }
  return { uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
}

function pgCommand(user, bin, argv) {
  const exe = path.join(PG_BIN, bin);
  if (!user) return [exe, argv];
  return ["setpriv", [`--reuid=${user.uid}`, `--regid=${user.gid}`, "--init-groups", "--", exe, ...argv]];
}

class Cluster {
  constructor() {
    this.user = asServerUser();
    this.dir = makeTempDir("jobmesh-graphile-");
    this.data = path.join(this.dir, "data");
    this.logFile = path.join(this.dir, "postgres.log");
    this.started = false;
    if (this.user) fs.chownSync(this.dir, this.user.uid, this.user.gid);
  }

  runSync(bin, argv, { check = true } = {}) {
    const [cmd, full] = pgCommand(this.user, bin, argv);
    const r = spawnSync(cmd, full, { cwd: this.dir, encoding: "utf8" });
    if (check && r.status !== 0) {
      throw new Error(`${bin} failed (${r.status ?? r.signal}): ${(r.stderr || r.stdout || "").trim()}`);
    }
    return r;
  }

  async start() {
    log(`initdb in ${this.dir}`);
    // --no-sync only skips initdb's own flush of the new files; the server runs with
    // fsync=on, synchronous_commit=on (PostgreSQL's defaults: every commit is durable).
    this.runSync("initdb", ["-D", this.data, "-U", "postgres", "--auth=trust", "--encoding=UTF8",
      "--locale=C", "--no-sync"]);
    for (let attempt = 1; ; attempt++) {
      this.port = await freePort();
      const opts = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1`;
      // pg_ctl -w waits (bounded by -t) until the server accepts connections or has failed.
      const r = this.runSync("pg_ctl", ["-D", this.data, "-l", this.logFile, "-o", opts, "-w",
        "-t", "10", "start"], { check: false });
      if (r.status === 0) break;
      const tail = fs.existsSync(this.logFile) ? fs.readFileSync(this.logFile, "utf8").slice(-800) : "";
      this.stopSync("immediate");
      if (attempt >= 3 || !/could not (bind|create listen)/i.test(tail)) {
        throw new Error(`pg_ctl start failed: ${(r.stderr || "").trim()}\n${tail}`);
      }
      log(`port ${this.port} was taken, trying another`);
    }
    this.started = true;
    await pollUntil("pg_isready", 10_000, async () => {
      try {
        await execFileP(path.join(PG_BIN, "pg_isready"), ["-q", "-h", "127.0.0.1", "-p", String(this.port)]);
        return true;
      } catch {
        return false;
      }
    });
    this.url = `postgres://postgres@127.0.0.1:${this.port}/postgres`;
    log(`postgres up on 127.0.0.1:${this.port}`);
  }

  stopSync(mode = "fast") {
    if (fs.existsSync(path.join(this.data, "postmaster.pid"))) {
      this.runSync("pg_ctl", ["-D", this.data, "-m", mode, "-w", "-t", "20", "stop"], { check: false });
    }
    this.started = false;
  }

  destroy(mode) {
    this.stopSync(mode);
    rmTree(this.dir);
  }
}

// ---------------------------------------------------------------- the benchmark

const quietLogger = new Logger(() => (level, message) => {
  if (level === "error" || level === "warning") process.stderr.write(`graphile-worker ${level}: ${message}\n`);
});

async function body(cluster) {
  await cluster.start();
  const client = new pg.Client({ connectionString: cluster.url });
  await client.connect();
  const serverVersion = (await client.query("show server_version")).rows[0].server_version.split(" ")[0];
  const durability = (await client.query(
    "select current_setting('fsync') as fsync, current_setting('synchronous_commit') as synchronous_commit")).rows[0];
  if (durability.fsync !== "on" || durability.synchronous_commit !== "on") {
    throw new Error(`postgres is not durable: fsync=${durability.fsync} synchronous_commit=${durability.synchronous_commit}`);
  }

  await runMigrations({ connectionString: cluster.url, logger: quietLogger });
  log(`graphile-worker ${versionOf("graphile-worker")} schema installed on PostgreSQL ${serverVersion}`);

  // --- bulk add: SQL graphile_worker.add_jobs, one call (one transaction) per chunk.
  const bulk = args["bulk-size"];
  const addSql = `select count(*)::int as n from graphile_worker.add_jobs(array(
      select ('noop', p, null, null, null, null, null, null)::graphile_worker.job_spec
      from unnest($1::json[]) as p))`;
  let added = 0;
  const tAdd0 = now();
  while (added < N) {
    const k = Math.min(bulk, N - added);
    const payloads = new Array(k);
    for (let i = 0; i < k; i++) payloads[i] = `{"n":${added + i}}`;
    const r = await client.query(addSql, [payloads]);
    if (r.rows[0].n !== k) throw new Error(`add_jobs added ${r.rows[0].n} of ${k}`);
    added += k;
  }
  const addSeconds = (now() - tAdd0) / 1000;
  const queued = (await client.query("select count(*)::int as n from graphile_worker.jobs")).rows[0].n;
  if (queued !== N) throw new Error(`expected ${N} queued jobs, found ${queued}`);
  log(`added ${N} jobs in ${addSeconds.toFixed(3)} s (${Math.round(N / addSeconds)}/s, chunks of ${bulk})`);

  // --- run them all.
  let started = 0;
  let firstStart = 0;
  let latencyWaiter = null;
  let fatal = null;
  let allStarted;
  const allStartedP = new Promise((resolve, reject) => { allStarted = { resolve, reject }; });
  const taskList = {
    noop: async (payload) => {
      const t = now();
      if (payload && payload.lat !== undefined) {
        if (latencyWaiter && latencyWaiter.seq === payload.lat) latencyWaiter.resolve(t);
        return;
      }
      if (started === 0) firstStart = t;
      if (++started === N) allStarted.resolve();
    },
  };
  const events = new EventEmitter();
  let emptyFetches = 0;
  events.on("localQueue:getJobs:complete", ({ jobs }) => {
    if (jobs.length === 0) emptyFetches++;
  });
  events.on("pool:fatalError", ({ error }) => { fatal = error; allStarted.reject(error); });
  let succeeded = 0;
  let failed = 0;
  events.on("job:success", () => { succeeded++; });
  events.on("job:failed", () => { failed++; });
  events.on("job:error", () => { failed++; });

  const preset = {
    worker: {
      concurrentJobs: C,
      maxPoolSize,
      localQueue: { size: args["local-queue-size"] },
      completeJobBatchDelay: args["complete-batch-delay"],
      failJobBatchDelay: args["complete-batch-delay"],
    },
  };
  log(`running worker: concurrency ${C}, maxPoolSize ${maxPoolSize}, localQueue.size ${args["local-queue-size"]}, ` +
    `complete/failJobBatchDelay ${args["complete-batch-delay"]} ms`);
  const probe = new pg.Client({ connectionString: cluster.url });
  await probe.connect();
  const cpu0 = process.cpuUsage();
  const tRun0 = now();
  const runner = await run({
    connectionString: cluster.url,
    concurrency: C,
    maxPoolSize,
    noHandleSignals: true,
    logger: quietLogger,
    taskList,
    events,
    preset,
  });
  const progress = setInterval(() => log(`  ${started}/${N} started`), 2000);
  try {
    await withTimeout(allStartedP, TIMEOUT_MS, `all ${N} jobs to start`);
  } finally {
    clearInterval(progress);
  }
  // Completion is batched: a job is done when its row is deleted in a committed transaction.
  // Poll (back to back, bounded) for the last row going away; the run ends at the issue time
  // of the first query that saw none (its snapshot is taken after that instant).
  let tEnd = 0;
  const deadline = now() + TIMEOUT_MS;
  for (;;) {
    const t = now();
    const r = await probe.query("select exists(select 1 from graphile_worker._private_jobs) as any");
    if (!r.rows[0].any) { tEnd = t; break; }
    if (fatal) throw fatal;
    if (t > deadline) throw new Error(`timed out waiting for the last completion to commit`);
  }
  const runSeconds = (tEnd - firstStart) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const remaining = (await client.query("select count(*)::int as n from graphile_worker.jobs")).rows[0].n;
  const completed = N - remaining;
  const runSucceeded = succeeded;
  const runFailed = failed;
  log(`ran ${completed} jobs in ${runSeconds.toFixed(3)} s (${Math.round(completed / runSeconds)}/s); ` +
    `first start ${((firstStart - tRun0) / 1000).toFixed(3)} s after calling run(); worker process CPU ` +
    `${((cpu.user + cpu.system) / 1e6).toFixed(2)} s`);

  // --- idle enqueue-to-start latency: one addJob at a time, each after the previous started.
  const samples = [];
  if (args["latency-samples"] > 0) {
    const base = emptyFetches;
    await pollUntil("the worker to go idle (an empty fetch)", 10_000, () => emptyFetches > base);
    const utils = await makeWorkerUtils({ connectionString: cluster.url, logger: quietLogger });
    try {
      for (let i = 0; i < args["latency-samples"]; i++) {
        let resolve;
        const started = new Promise((r) => { resolve = r; });
        latencyWaiter = { seq: i, resolve };
        const t0 = now();
        await utils.addJob("noop", { lat: i });
        const tStart = await withTimeout(started, 10_000, `latency job ${i} to start`);
        samples.push(tStart - t0);
      }
    } finally {
      await utils.release();
    }
    samples.sort((a, b) => a - b);
    log(`idle enqueue-to-start over ${samples.length} jobs: p50 ${percentile(samples, 50).toFixed(2)} ms, ` +
      `p99 ${percentile(samples, 99).toFixed(2)} ms`);
  }

  await runner.stop();
  await probe.end();
  await client.end();

  return {
    peer: "graphile-worker",
    version: versionOf("graphile-worker"),
    postgres: serverVersion,
    jobs: N,
    concurrency: C,
    add_seconds: round(addSeconds, 4),
    adds_per_s: Math.round(N / addSeconds),
    run_seconds: round(runSeconds, 4),
    jobs_per_s: Math.round(completed / runSeconds),
    completed,
    latency_ms: samples.length
      ? { p50: round(percentile(samples, 50), 3), p99: round(percentile(samples, 99), 3) }
      : { p50: null, p99: null },
    settings: {
      add_path: "SQL graphile_worker.add_jobs",
      bulk_size: bulk,
      local_queue_size: args["local-queue-size"],
      complete_job_batch_delay_ms: args["complete-batch-delay"],
      fail_job_batch_delay_ms: args["complete-batch-delay"],
      max_pool_size: maxPoolSize,
      fsync: durability.fsync,
      synchronous_commit: durability.synchronous_commit,
      run_job_success_events: runSucceeded,
      run_job_failure_events: runFailed,
      worker_cpu_seconds: round((cpu.user + cpu.system) / 1e6, 3),
    },
  };
}

main(async () => {
  if (N < 1 || C < 1) throw new UsageError("--jobs and --concurrency must be >= 1");
  const cluster = new Cluster();
  const cleanup = onCleanup(() => {
    log("stopping postgres and removing the cluster");
    cluster.destroy(cluster.started ? "fast" : "immediate");
  });
  const result = await body(cluster);
  cleanup();
  emit(result);
  return 0;
});
