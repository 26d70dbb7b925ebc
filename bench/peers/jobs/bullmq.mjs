#!/usr/bin/env node
// Peer of jobmesh's `jobs` bench suite: BullMQ on a throwaway redis-server (AOF, fsync every
// second). Prints one JSON line on stdout; progress goes to stderr. See README.md here.
import fs from "node:fs";
import path from "node:path";
import { spawn } from "node:child_process";
import { Queue, Worker } from "bullmq";
import IORedis from "ioredis";
import {
  log, parseArgs, positiveInt, nonNegativeInt, bool, freePort, pollUntil, withTimeout, percentile, round, now,
  makeTempDir, rmTree, onCleanup, versionOf, emit, main, alive, waitExitSync,
} from "./common.mjs";

const USAGE = `usage: bullmq.mjs --jobs N --concurrency C [options]
  --jobs N                     no-op jobs to add in bulk and run to completion (default 20000)
  --concurrency C              Worker concurrency (default 50)
  --remove-on-complete BOOL    job option removeOnComplete, true or false (default true)
  --bulk-size B                jobs per Queue.addBulk call (default 1000)
  --latency-samples S          idle enqueue-to-start samples (default 200; 0 skips)
  --timeout S                  give up after S seconds in any phase (default 600)
Prints one JSON line on stdout. Needs redis-server (REDIS_SERVER, default from PATH).
`;

const args = parseArgs(process.argv.slice(2), {
  jobs: [20000, positiveInt],
  concurrency: [50, positiveInt],
  "remove-on-complete": [true, bool],
  "bulk-size": [1000, positiveInt],
  "latency-samples": [200, nonNegativeInt],
  timeout: [600, positiveInt],
}, USAGE);

const N = args.jobs;
const C = args.concurrency;
const REMOVE = args["remove-on-complete"];
const TIMEOUT_MS = args.timeout * 1000;
const REDIS_SERVER = process.env.REDIS_SERVER || "redis-server";
const QUEUE = "jobmesh-bench";

// ---------------------------------------------------------------- the throwaway redis

class Redis {
  constructor() {
    this.dir = makeTempDir("jobmesh-bullmq-");
    this.logFile = path.join(this.dir, "redis.log");
    this.child = null;
  }

  async start() {
    for (let attempt = 1; ; attempt++) {
      this.port = await freePort();
      const argv = [
        "--port", String(this.port), "--bind", "127.0.0.1", "--protected-mode", "yes",
        "--dir", this.dir, "--logfile", this.logFile, "--daemonize", "no",
        // BullMQ's "Going to production": AOF with fsync every second, and noeviction.
        "--appendonly", "yes", "--appendfsync", "everysec",
        "--maxmemory-policy", "noeviction",
        // No RDB snapshots: the AOF is the persistence.
        "--save", "",
      ];
      this.child = spawn(REDIS_SERVER, argv, { cwd: this.dir, stdio: ["ignore", "ignore", "inherit"] });
      const exited = new Promise((resolve) => this.child.once("exit", (code, sig) => resolve(code ?? sig)));
      this.child.once("error", (e) => log(`redis-server: ${e.message}`));
      let dead = null;
      exited.then((v) => { dead = v; });
      const conn = new IORedis({ host: "127.0.0.1", port: this.port, lazyConnect: true, maxRetriesPerRequest: 0,
        retryStrategy: () => null, enableOfflineQueue: false });
      conn.on("error", () => {});
      try {
        await pollUntil("redis-server to answer PING", 10_000, async () => {
          if (dead !== null) throw new Error(`redis-server exited (${dead})`);
          try {
            if (conn.status !== "ready") {
              conn.disconnect();
              await conn.connect();
            }
            return (await conn.ping()) === "PONG";
          } catch (e) {
            if (dead !== null) throw new Error(`redis-server exited (${dead})`);
            return false;
          }
        });
        this.version = /redis_version:([0-9.]+)/.exec(await conn.info("server"))[1];
        const aof = await conn.config("GET", "appendfsync");
        this.appendfsync = aof[1];
        conn.disconnect();
        log(`redis ${this.version} up on 127.0.0.1:${this.port} (appendonly yes, appendfsync ${this.appendfsync})`);
        return;
      } catch (e) {
        conn.disconnect();
        const tail = fs.existsSync(this.logFile) ? fs.readFileSync(this.logFile, "utf8").slice(-600) : "";
        this.stopSync();
        if (attempt >= 3 || !/address already in use|bind/i.test(tail)) throw new Error(`${e.message}\n${tail}`);
        log(`port ${this.port} was taken, trying another`);
      }
    }
  }

  // SIGTERM: redis flushes and fsyncs the AOF and exits; SIGKILL only if it hangs.
  stopSync() {
    const pid = this.child && this.child.pid;
    if (!pid || this.child.exitCode !== null || this.child.signalCode !== null || !alive(pid)) return;
    try { process.kill(pid, "SIGTERM"); } catch { return; }
    if (!waitExitSync(pid, 10_000)) {
      log(`redis-server ${pid} did not stop; killing it`);
      try { process.kill(pid, "SIGKILL"); } catch {}
      waitExitSync(pid, 5_000);
    }
  }

  destroy() {
    this.stopSync();
    rmTree(this.dir);
  }
}

// ---------------------------------------------------------------- the benchmark

async function body(redis) {
  await redis.start();
  // Workers need maxRetriesPerRequest: null (BullMQ's docs); the same options serve the Queue.
  const connection = { host: "127.0.0.1", port: redis.port, maxRetriesPerRequest: null };
  const queue = new Queue(QUEUE, { connection });
  await queue.waitUntilReady();
  const jobOpts = { removeOnComplete: REMOVE };

  // --- bulk add
  const bulk = args["bulk-size"];
  let added = 0;
  const tAdd0 = now();
  while (added < N) {
    const k = Math.min(bulk, N - added);
    const batch = new Array(k);
    for (let i = 0; i < k; i++) batch[i] = { name: "noop", data: { n: added + i }, opts: jobOpts };
    const jobs = await queue.addBulk(batch);
    if (jobs.length !== k) throw new Error(`addBulk added ${jobs.length} of ${k}`);
    added += k;
  }
  const addSeconds = (now() - tAdd0) / 1000;
  const waiting = await queue.getWaitingCount();
  if (waiting !== N) throw new Error(`expected ${N} waiting jobs, found ${waiting}`);
  log(`added ${N} jobs in ${addSeconds.toFixed(3)} s (${Math.round(N / addSeconds)}/s, addBulk chunks of ${bulk})`);

  // --- run them all
  let started = 0;
  let firstStart = 0;
  let completed = 0;
  let lastCompleted = 0;
  let failed = 0;
  let latencyWaiter = null;
  let measuring = true;
  const processor = async (job) => {
    const t = now();
    const d = job.data;
    if (d && d.lat !== undefined) {
      if (latencyWaiter && latencyWaiter.seq === d.lat) latencyWaiter.resolve(t);
      return;
    }
    if (started === 0) firstStart = t;
    started++;
  };
  log(`running worker: concurrency ${C}, removeOnComplete ${REMOVE}`);
  const cpu0 = process.cpuUsage();
  const tRun0 = now();
  const worker = new Worker(QUEUE, processor, { connection, concurrency: C });
  worker.on("completed", () => {
    if (!measuring) return;
    completed++;
    lastCompleted = now();
  });
  worker.on("failed", () => { failed++; });
  let workerError = null;
  worker.on("error", (e) => { workerError = e; log(`worker error: ${e.message}`); });
  let lastReport = tRun0;
  await pollUntil(`all ${N} jobs to complete`, TIMEOUT_MS, () => {
    const t = now();
    if (t - lastReport > 2000) {
      lastReport = t;
      log(`  ${completed}/${N} completed`);
    }
    if (failed > 0) throw new Error(`${failed} jobs failed${workerError ? `: ${workerError.message}` : ""}`);
    return completed >= N;
  });
  measuring = false;
  const runSeconds = (lastCompleted - firstStart) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const counts = await queue.getJobCounts("waiting", "active", "delayed", "prioritized", "failed", "completed");
  if (counts.waiting || counts.active || counts.delayed || counts.prioritized || counts.failed) {
    throw new Error(`jobs left after the run: ${JSON.stringify(counts)}`);
  }
  if (!REMOVE && counts.completed !== N) throw new Error(`expected ${N} completed in redis, found ${counts.completed}`);
  log(`ran ${completed} jobs in ${runSeconds.toFixed(3)} s (${Math.round(completed / runSeconds)}/s); ` +
    `first start ${((firstStart - tRun0) / 1000).toFixed(3)} s after new Worker(); worker+queue process CPU ` +
    `${((cpu.user + cpu.system) / 1e6).toFixed(2)} s; counts ${JSON.stringify(counts)}`);

  // --- idle enqueue-to-start latency: the worker is waiting on an empty queue; one Queue.add
  // at a time, each after the previous job started.
  const samples = [];
  for (let i = 0; i < args["latency-samples"]; i++) {
    let resolve;
    const startedP = new Promise((r) => { resolve = r; });
    latencyWaiter = { seq: i, resolve };
    const t0 = now();
    await queue.add("noop", { lat: i }, jobOpts);
    const tStart = await withTimeout(startedP, 10_000, `latency job ${i} to start`);
    samples.push(tStart - t0);
  }
  if (samples.length) {
    samples.sort((a, b) => a - b);
    log(`idle enqueue-to-start over ${samples.length} jobs: p50 ${percentile(samples, 50).toFixed(2)} ms, ` +
      `p99 ${percentile(samples, 99).toFixed(2)} ms`);
  }

  await worker.close();
  await queue.close();

  return {
    peer: "bullmq",
    version: versionOf("bullmq"),
    redis: redis.version,
    jobs: N,
    concurrency: C,
    remove_on_complete: REMOVE,
    add_seconds: round(addSeconds, 4),
    adds_per_s: Math.round(N / addSeconds),
    run_seconds: round(runSeconds, 4),
    jobs_per_s: Math.round(completed / runSeconds),
    completed,
    latency_ms: samples.length
      ? { p50: round(percentile(samples, 50), 3), p99: round(percentile(samples, 99), 3) }
      : { p50: null, p99: null },
    settings: {
      add_path: "Queue.addBulk",
      bulk_size: bulk,
      appendonly: "yes",
      appendfsync: redis.appendfsync,
      maxmemory_policy: "noeviction",
      ioredis: versionOf("ioredis"),
      redis_counts_after_run: counts,
      worker_cpu_seconds: round((cpu.user + cpu.system) / 1e6, 3),
    },
  };
}

main(async () => {
  const redis = new Redis();
  const cleanup = onCleanup(() => {
    log("stopping redis and removing its folder");
    redis.destroy();
  });
  const result = await body(redis);
  cleanup();
  emit(result);
  return 0;
});
