// Helpers shared by the `jobs` peers (graphile.mjs, bullmq.mjs): arguments, free loopback
// ports, bounded polling, percentiles, cleanup on exit and signals, and the result line.
import net from "node:net";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { performance } from "node:perf_hooks";

export const now = () => performance.now();

export function log(...parts) {
  process.stderr.write(`[${new Date().toISOString().slice(11, 23)}] ${parts.join(" ")}\n`);
}

// --name value pairs; `spec` maps each name to [default, parser].
// Bad arguments print the message and the usage on stderr and exit 2.
export function parseArgs(argv, spec, usage) {
  try {
    return parseArgsOrThrow(argv, spec, usage);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`${e.message}\n${usage}`);
    process.exit(2);
  }
}

function parseArgsOrThrow(argv, spec, usage) {
  const out = {};
  for (const [k, [def]] of Object.entries(spec)) out[k] = def;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "-h" || a === "--help") {
      process.stderr.write(usage);
      process.exit(0);
    }
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (!m || !(m[1] in spec)) throw new UsageError(`unknown argument ${a}`);
    const raw = m[2] !== undefined ? m[2] : argv[++i];
    if (raw === undefined) throw new UsageError(`${a} needs a value`);
    out[m[1]] = spec[m[1]][1](raw, m[1]);
  }
  return out;
}

export class UsageError extends Error {}

export function positiveInt(raw, name) {
  const v = Number(raw);
  if (!Number.isInteger(v) || v < 1) throw new UsageError(`--${name} must be a positive integer, got ${raw}`);
  return v;
}

export function nonNegativeInt(raw, name) {
  const v = Number(raw);
  if (!Number.isInteger(v) || v < 0) throw new UsageError(`--${name} must be an integer >= 0, got ${raw}`);
  return v;
}

export function bool(raw, name) {
  if (raw === "true" || raw === "1" || raw === "yes") return true;
  if (raw === "false" || raw === "0" || raw === "no") return false;
  throw new UsageError(`--${name} must be true or false, got ${raw}`);
}

// A port that was free on 127.0.0.1 a moment ago (the server is then started on it; the
// callers retry with another port if it was taken in between).
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export const delay = (ms) => new Promise((r) => setTimeout(r, ms));

// Calls `probe` until it returns a truthy value or `timeoutMs` passes; the interval grows
// from 1 ms to 100 ms. Throws with `what` on time-out; an error thrown by `probe` ends the wait.
export async function pollUntil(what, timeoutMs, probe) {
  const deadline = now() + timeoutMs;
  let wait = 1;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(wait);
    wait = Math.min(100, wait * 2);
  }
}

// Resolves with `promise`, or rejects if it has not settled within `timeoutMs`.
export function withTimeout(promise, timeoutMs, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function percentile(sortedAsc, p) {
  if (sortedAsc.length === 0) return null;
  // nearest-rank
  const rank = Math.ceil((p / 100) * sortedAsc.length);
  return sortedAsc[Math.min(sortedAsc.length, Math.max(1, rank)) - 1];
}

export const round = (v, digits = 3) => (v === null || v === undefined ? v : Number(v.toFixed(digits)));

export function makeTempDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function rmTree(dir) {
  if (!dir) return;
  try {
    fs.rmSync(dir, { recursive: true, force: true });
  } catch (e) {
    log(`could not remove ${dir}: ${e.message}`);
  }
}

// Runs `fn` once on normal exit, on error and on SIGINT/SIGTERM/SIGHUP. Cleanup steps must be
// synchronous (spawnSync, rmSync) so that they also run from the `exit` event.
export function onCleanup(fn) {
  let done = false;
  const run = () => {
    if (done) return;
    done = true;
    try {
      fn();
    } catch (e) {
      log(`cleanup failed: ${e.message}`);
    }
  };
  process.on("exit", run);
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
    process.on(sig, () => {
      log(`got ${sig}, cleaning up`);
      run();
      process.exit(128 + os.constants.signals[sig]);
    });
  }
  return run;
}

export function versionOf(pkg) {
  const file = new URL(`./node_modules/${pkg}/package.json`, import.meta.url);
  return JSON.parse(fs.readFileSync(file, "utf8")).version;
}

// Whether the process `pid` still runs: it exists and is not a zombie (a child of ours that
// exited but was not reaped yet, as happens while cleanup blocks the event loop).
export function alive(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}

// Waits synchronously (for cleanup paths) until `pid` has exited, up to `timeoutMs`.
export function waitExitSync(pid, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (alive(pid) && Date.now() < deadline) {
    spawnSync("sleep", ["0.02"]);
  }
  return !alive(pid);
}

export function emit(result) {
  process.stdout.write(JSON.stringify(result) + "\n");
}

// Runs main(), turning a usage error into exit 2 and any other error into exit 1, with the
// message on stderr (stdout then stays empty: the harness sees no result line).
export function main(fn) {
  fn().then(
    (code) => process.exit(code ?? 0),
    (e) => {
      if (e instanceof UsageError) {
        log(`usage error: ${e.message}`);
        process.exit(2);
      }
      log(`error: ${e && e.stack ? e.stack : e}`);
      process.exit(1);
    },
  );
}
