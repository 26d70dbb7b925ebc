// The peer of the `ws` bench suite: a `ws` (npm) server speaking the part of jobmesh's WebSocket
// protocol (API.md "WebSocket", net/detail/ws_session.cpp, actors/progress_hub.cpp) a load
// generator uses, and publishing the progress events itself: every `job:` topic with at least
// one subscriber gets a `progress` event at --hz, built once and broadcast to its subscribers
// (other topics stay quiet, as a jobmesh topic without events does).
// README.md says what is mirrored and what is not.
//
//   node server.js --port P [--hz 10] [--duration-s S] [--host 127.0.0.1] [--history 1]
//                  [--queue-limit 256] [--idle-timeout-ms 60000]
//
// stdout: exactly one line, `listening <port>`. Everything else goes to stderr, and nothing is
// logged per message. `GET /stats` (plain HTTP, same port) answers the counters as JSON; SIGUSR2
// writes the same JSON line to stderr. SIGTERM/SIGINT: close every client, exit 0.
import http from "node:http";
import fs from "node:fs";
import { WebSocketServer, WebSocket } from "ws";

const usage = `usage: node server.js --port P [--hz 10] [--duration-s S] [--host 127.0.0.1] [--history 1]
                      [--queue-limit 256] [--idle-timeout-ms 60000]
  --port P             port to listen on; 0 picks a free one (printed as \`listening <port>\`)
  --hz N               progress events per second per subscribed topic (1..1000; default 10)
  --duration-s S       stop publishing S seconds after start (0: never; default 0)
  --host H             address to listen on (default 127.0.0.1)
  --history N          events kept per topic for \`since\` (jobmesh keeps 128; default 1)
  --queue-limit N      as jobmesh's server.ws_queue_limit: a client with more than N/2 frames of
                       unsent data gets no progress frame until it drains (default 256)
  --idle-timeout-ms N  as jobmesh's server.idle_timeout_ms: ping a silent client after N/2 ms,
                       close it after N ms without anything from it (default 60000)
`;

function log(...parts) {
  process.stderr.write(`[${new Date().toISOString().slice(11, 23)}] ws-peer: ${parts.join(" ")}\n`);
}

function parseArgs(argv) {
  const spec = {
    port: [null, int(0, 65535)],
    hz: [10, num(0.001, 1000)],
    "duration-s": [0, num(0, 1e9)],
    host: ["127.0.0.1", (v) => v],
    history: [1, int(1, 100000)],
    "queue-limit": [256, int(8, 1 << 20)],
    "idle-timeout-ms": [60000, int(1, 2 ** 31 - 1)],
  };
  const out = {};
  for (const [k, [def]] of Object.entries(spec)) out[k] = def;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "-h" || a === "--help") {
      process.stderr.write(usage);
      process.exit(0);
    }
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (!m || !(m[1] in spec)) bad(`unknown argument ${a}`);
    const raw = m[2] !== undefined ? m[2] : argv[++i];
    if (raw === undefined) bad(`${a} needs a value`);
    out[m[1]] = spec[m[1]][1](raw, m[1]);
  }
  if (out.port === null) bad("--port is required");
  return out;
}

function bad(message) {
  process.stderr.write(`${message}\n${usage}`);
  process.exit(2);
}

function int(lo, hi) {
  return (raw, name) => {
    const v = Number(raw);
    if (!Number.isInteger(v) || v < lo || v > hi) bad(`--${name} must be an integer in ${lo}..${hi}, got ${raw}`);
    return v;
  };
}

function num(lo, hi) {
  return (raw, name) => {
    const v = Number(raw);
    if (raw === "" || !Number.isFinite(v) || v < lo || v > hi) bad(`--${name} must be a number in ${lo}..${hi}, got ${raw}`);
    return v;
  };
}

const opts = parseArgs(process.argv.slice(2));
const period = 1000 / opts.hz; // ms between two events of one topic

// jobmesh's limits (ws_session.cpp, progress_hub.hpp).
const k_max_client_message = 64 * 1024;
const k_max_topics_per_session = 1024;
const k_max_topics = 10000; // past this, topics nobody follows are forgotten

const wsVersion = JSON.parse(fs.readFileSync(new URL("./node_modules/ws/package.json", import.meta.url), "utf8")).version;

const stats = {
  events_published: 0, // progress events built (one per topic per tick)
  frames_sent: 0, // every frame handed to a socket: progress, subscribed, catch-up, pong, error
  progress_frames_sent: 0, // deliveries: progress frames handed to a socket
  progress_frames_dropped: 0, // skipped for a client with too much unsent data
  ticks_late: 0, // topic ticks skipped because the event loop was more than a period behind
  connections_total: 0,
};

// ---------------------------------------------------------------------------------------------
// Frames: {"topic","seq","type","data","sent_at"}, sent_at as format_time (job_json.cpp) writes
// it: ISO-8601 UTC with milliseconds, which is what Date#toISOString gives for years 0..9999.

const iso = (ms) => new Date(ms).toISOString();

const EMPTY = Object.freeze({});

function frameText(topic, seq, type, data) {
  return JSON.stringify({ topic, seq, type, data, sent_at: iso(Date.now()) });
}

const SEND_TEXT = { binary: false };

function sendText(ws, text) {
  if (ws.readyState !== WebSocket.OPEN) return;
  ws.send(text, SEND_TEXT);
  stats.frames_sent++;
}

function sendError(ws, topic, code, message) {
  sendText(ws, frameText(topic, 0, "error", { code, message }));
}

// ---------------------------------------------------------------------------------------------
// Topics. Each keeps its seq, its subscribers, the job record its events carry, and the last
// `history` frames (as the Buffers that were sent).

const topics = new Map(); // name -> topic
let topicCount = 0; // topics ever made: spreads their phases

const JOB_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

// A job id as jobmesh makes them (job_id.cpp): 26 characters, 10 of time then 16 random.
function makeJobId(ms) {
  let out = "";
  for (let i = 9, t = ms; i >= 0; i--, t = Math.floor(t / 32)) out = JOB_ALPHABET[t % 32] + out;
  for (let i = 0; i < 16; i++) out += JOB_ALPHABET[(Math.random() * 32) | 0];
  return out;
}

// The keys and order of append_job_json (job_json.cpp) for a running `sleep` job: ~570 bytes
// with a 26-character id.
function makeJob(topicName, n) {
  const now = Date.now();
  const created = now - 1500 - (n % 1000);
  const id = topicName.startsWith("job:") ? topicName.slice(4) : makeJobId(created);
  const user = topicName.startsWith("user:") ? topicName.slice(5) : `bench-user-${String(n % 100).padStart(3, "0")}`;
  return {
    id,
    type: "sleep",
    user_id: user,
    status: "running",
    priority: 5,
    total_items: 1000000,
    processed_items: 0,
    failed_items: 0,
    progress_percentage: 0,
    attempt: 1,
    max_attempts: 3,
    timeout_s: 3600,
    max_failed_ratio: 0.1,
    params: { items: 1000000, ms_per_item: 1 },
    error_message: null,
    idempotency_key: null,
    created_at: iso(created),
    started_at: iso(created + 40),
    completed_at: null,
    updated_at: iso(now),
    expires_at: iso(created + 7 * 86400000),
    run_after: null,
    depends_on: [],
    group: "ws-bench",
    schedule: null,
  };
}

function advance(job, now) {
  if (job.processed_items + job.failed_items >= job.total_items) return;
  job.processed_items += 9;
  if ((job.processed_items + job.failed_items) % 100 === 0) job.failed_items += 1;
  else job.processed_items += 1;
  const done = Math.min(job.total_items, job.processed_items + job.failed_items);
  // percentage() in job_json.cpp: hundredths, whole values as integers (as JSON.stringify writes them)
  job.progress_percentage = Math.round((10000 * done) / job.total_items) / 100;
  job.updated_at = iso(now);
}

function getTopic(name) {
  let t = topics.get(name);
  if (!t) {
    if (topics.size >= k_max_topics) forgetIdleTopics();
    const n = topicCount++;
    t = {
      name,
      seq: 0,
      subscribers: new Set(),
      job: makeJob(name, n),
      history: [], // Buffers of the last `history` events, oldest first
      historySeqFirst: 1,
      // Phase in the period: the golden-ratio sequence spreads consecutive topics evenly
      // however fast they are subscribed.
      phase: ((n * 0.6180339887498949) % 1) * period,
      nextDue: 0,
      scheduled: false,
    };
    topics.set(name, t);
  }
  return t;
}

function forgetIdleTopics() {
  for (const [name, t] of topics) if (t.subscribers.size === 0 && !t.scheduled) topics.delete(name);
}

// ---------------------------------------------------------------------------------------------
// The scheduler: a 1-ms timing wheel driven by one 1-ms interval. A topic fires at
// phase + k * period (drift-free: lateness does not push the next event back); one that falls
// more than a period behind skips the ticks it missed (counted in ticks_late) rather than
// bursting. Topics without subscribers leave the wheel when their slot comes up.

const wheelSize = 1 << Math.ceil(Math.log2(Math.ceil(period) + 2));
const wheel = Array.from({ length: wheelSize }, () => []);
const t0 = Math.floor(performance.now());
let lastMs = t0; // wheel processed up to and including this ms (performance.now() time)
let publishing = true;
// --duration-s counts from the start of the server.
const stopAt = opts["duration-s"] > 0 ? t0 + opts["duration-s"] * 1000 : Infinity;
if (stopAt !== Infinity) setTimeout(stopPublishing, stopAt - t0).unref();

function schedule(t) {
  if (t.scheduled || !publishing) return;
  const now = performance.now();
  // first due time after now at this topic's phase
  t.nextDue = t0 + t.phase + Math.ceil((now - t0 - t.phase) / period + 1e-9) * period;
  if (t.nextDue <= lastMs) t.nextDue += period;
  t.scheduled = true;
  scheduledCount++;
  wheel[Math.floor(t.nextDue) & (wheelSize - 1)].push(t);
  if (ticker === null) {
    lastMs = Math.floor(now) - 1;
    ticker = setInterval(tick, 1);
  }
}

function tick() {
  const now = performance.now();
  const nowMs = Math.floor(now);
  if (nowMs >= stopAt) return stopPublishing();
  let from = lastMs + 1;
  if (nowMs - from >= wheelSize) from = nowMs - wheelSize + 1; // stalled a whole turn: one pass
  for (let ms = from; ms <= nowMs; ms++) {
    const slot = wheel[ms & (wheelSize - 1)];
    if (slot.length === 0) continue;
    wheel[ms & (wheelSize - 1)] = [];
    for (const t of slot) {
      if (t.nextDue >= nowMs + 1) {
        // not yet due (only after a stall made `from` skip ahead): keep it where it is
        wheel[Math.floor(t.nextDue) & (wheelSize - 1)].push(t);
        continue;
      }
      if (t.subscribers.size === 0) {
        t.scheduled = false;
        scheduledCount--;
        continue;
      }
      publish(t);
      t.nextDue += period;
      if (t.nextDue < nowMs + 1) {
        const behind = Math.ceil((nowMs + 1 - t.nextDue) / period);
        stats.ticks_late += behind;
        t.nextDue += behind * period;
      }
      wheel[Math.floor(t.nextDue) & (wheelSize - 1)].push(t);
    }
  }
  lastMs = nowMs;
  if (scheduledCount === 0) {
    // nothing to publish: no 1-ms wake-ups while idle
    clearInterval(ticker);
    ticker = null;
  }
}

// One event: advanced job, one JSON.stringify, one Buffer, sent to every subscriber (as
// jobmesh's hub shares one frame text among its subscribers). sent_at is read just before the
// sends.
function publish(t) {
  const now = Date.now();
  advance(t.job, now);
  t.seq++;
  const buf = Buffer.from(JSON.stringify({ topic: t.name, seq: t.seq, type: "progress", data: t.job, sent_at: iso(now) }));
  stats.events_published++;
  t.history.push(buf);
  if (t.history.length > opts.history) {
    t.history.shift();
    t.historySeqFirst++;
  }
  // jobmesh coalesces or drops progress for a client with more than half its queue limit of
  // frames queued; here: more than that many frames of this size not yet written.
  const limit = (opts["queue-limit"] / 2) * buf.length;
  for (const ws of t.subscribers) {
    if (ws.readyState !== WebSocket.OPEN) continue;
    if (ws.bufferedAmount > limit) {
      stats.progress_frames_dropped++;
      continue;
    }
    ws.send(buf, SEND_TEXT);
    stats.frames_sent++;
    stats.progress_frames_sent++;
  }
}

function stopPublishing() {
  if (!publishing) return;
  publishing = false;
  if (ticker !== null) clearInterval(ticker);
  ticker = null;
  scheduledCount = 0;
  for (let i = 0; i < wheelSize; i++) wheel[i] = [];
  for (const t of topics.values()) t.scheduled = false;
  log(`publishing stopped after ${((performance.now() - t0) / 1000).toFixed(1)} s; ${statsLine()}`);
}

let ticker = null; // the 1-ms interval, running while any topic is scheduled
let scheduledCount = 0;

// ---------------------------------------------------------------------------------------------
// Client messages, checked in the order ws_session::handle_message checks them.

function validTopic(topic) {
  if (topic === "jobs" || topic === "analytics") return true;
  for (const prefix of ["job:", "user:"]) {
    // jobmesh counts bytes: 1..64 bytes after the prefix
    if (topic.startsWith(prefix) && topic.length > prefix.length) return Buffer.byteLength(topic) - prefix.length <= 64;
  }
  return false;
}

function onMessage(ws, raw) {
  let msg;
  try {
    msg = JSON.parse(raw.toString());
  } catch {
    msg = undefined;
  }
  if (msg === null || typeof msg !== "object" || Array.isArray(msg))
    return sendError(ws, "", "invalid_message", "a message must be a JSON object");
  const op = msg.op;
  if (typeof op !== "string") return sendError(ws, "", "invalid_message", "op must be subscribe, unsubscribe or ping");
  if (op === "ping") return sendText(ws, frameText("", 0, "pong", EMPTY));
  if (op !== "subscribe" && op !== "unsubscribe")
    return sendError(ws, "", "invalid_message", "op must be subscribe, unsubscribe or ping");
  const topic = typeof msg.topic === "string" ? msg.topic : "";
  if (typeof msg.topic !== "string" || !validTopic(topic))
    return sendError(ws, topic, "invalid_topic", "topic must be job:<id>, user:<id>, jobs or analytics");
  if (op === "unsubscribe") return unsubscribe(ws, topic);
  let since = -1;
  if ("since" in msg) {
    since = msg.since;
    if (!Number.isSafeInteger(since) || since < 0)
      return sendError(ws, topic, "invalid_message", "since must be a non-negative integer");
  }
  subscribe(ws, topic, since);
}

function subscribe(ws, name, since) {
  const mine = ws.topics;
  if (mine.size >= k_max_topics_per_session && !mine.has(name))
    return sendError(ws, name, "too_many_topics", "a session may follow 1024 topics");
  const t = getTopic(name);
  mine.add(name);
  t.subscribers.add(ws);
  if (name.startsWith("job:")) schedule(t); // only job topics progress; others (user:, jobs) stay quiet, as an idle topic of jobmesh does
  catchUp(t, since, ws);
}

function unsubscribe(ws, name) {
  if (!ws.topics.delete(name)) return;
  const t = topics.get(name);
  if (t) t.subscribers.delete(ws);
}

// As progress_hub.cpp's catch_up: `subscribed` carries the seq just before the first event that
// follows it (the topic's latest when none does); without `since` the topic's latest event (as
// it was sent, old sent_at included), with `since` what was missed, or a `reset`.
function catchUp(t, since, ws) {
  const h = t.history;
  if (since < 0) {
    if (h.length === 0) return sendText(ws, frameText(t.name, t.seq, "subscribed", EMPTY));
    sendText(ws, frameText(t.name, t.seq - 1, "subscribed", EMPTY));
    sendText(ws, h[h.length - 1]);
    return;
  }
  const wanted = since + 1;
  if (wanted !== t.seq + 1 && (wanted > t.seq || h.length === 0 || t.historySeqFirst > wanted)) {
    sendText(ws, frameText(t.name, t.seq, "subscribed", EMPTY));
    return sendText(ws, frameText(t.name, t.seq, "reset", EMPTY));
  }
  sendText(ws, frameText(t.name, wanted - 1, "subscribed", EMPTY));
  for (let i = wanted - t.historySeqFirst; i < h.length; i++) sendText(ws, h[i]);
}

// ---------------------------------------------------------------------------------------------
// Server

const wss = new WebSocketServer({
  noServer: true,
  perMessageDeflate: false, // jobmesh (Boost.Beast) does not enable permessage-deflate either
  maxPayload: k_max_client_message, // larger: closed with 1009, as Beast's read_message_max
});

const httpServer = http.createServer((req, res) => {
  const path = req.url.split("?", 1)[0];
  if (req.method === "GET" && path === "/stats") {
    res.writeHead(200, { "content-type": "application/json" });
    return res.end(statsLine() + "\n");
  }
  if (req.method === "GET" && path === "/healthz") {
    res.writeHead(200, { "content-type": "text/plain" });
    return res.end("ok\n");
  }
  res.writeHead(404, { "content-type": "text/plain" });
  res.end("not found\n");
});

httpServer.on("upgrade", (req, socket, head) => {
  socket.on("error", () => {});
  // ?access_token= and anything else in the query is ignored: every client may follow every topic.
  if (req.url.split("?", 1)[0] !== "/api/v1/ws") {
    socket.end("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws));
});

httpServer.on("clientError", (err, socket) => {
  if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
  else socket.destroy();
});

const clients = new Set();

function onConnection(ws) {
  stats.connections_total++;
  ws.topics = new Set();
  ws.alive = true;
  clients.add(ws);
  ws.on("message", (data) => {
    ws.alive = true;
    onMessage(ws, data);
  });
  ws.on("pong", () => {
    ws.alive = true;
  });
  ws.on("error", () => {}); // closed next; nothing logged per client
  ws.on("close", () => {
    clients.delete(ws);
    for (const name of ws.topics) {
      const t = topics.get(name);
      if (t) t.subscribers.delete(ws);
    }
    ws.topics.clear();
  });
}

// Beast's keep_alive_pings with idle_timeout: ping a client silent for half the timeout, close
// it when the other half passes without anything from it (ws's documented heartbeat).
const heartbeat = setInterval(() => {
  for (const ws of clients) {
    if (!ws.alive) {
      ws.terminate();
      continue;
    }
    ws.alive = false;
    ws.ping();
  }
}, Math.max(1, Math.floor(opts["idle-timeout-ms"] / 2)));

function statsLine() {
  let active = 0;
  let subscriptions = 0;
  for (const t of topics.values()) {
    if (t.subscribers.size > 0) active++;
    subscriptions += t.subscribers.size;
  }
  const mem = process.memoryUsage();
  return JSON.stringify({
    peer: "ws",
    version: wsVersion,
    node: process.versions.node,
    uptime_s: Number(((performance.now() - t0) / 1000).toFixed(3)),
    publishing,
    hz: opts.hz,
    clients: clients.size,
    topics: active,
    topics_known: topics.size,
    subscriptions,
    ...stats,
    rss_bytes: mem.rss,
    heap_used_bytes: mem.heapUsed,
  });
}

process.on("SIGUSR2", () => process.stderr.write(statsLine() + "\n"));

let closing = false;
function shutdown(sig) {
  if (closing) return;
  closing = true;
  log(`got ${sig}; closing ${clients.size} clients; ${statsLine()}`);
  stopPublishing();
  clearInterval(heartbeat);
  httpServer.close();
  for (const ws of clients) ws.close(1001, "server shutting down");
  // Clients that do not answer the close within 1 s are cut off.
  const done = () => process.exit(0);
  const bound = setTimeout(() => {
    for (const ws of clients) ws.terminate();
    done();
  }, 1000);
  bound.unref();
  const poll = setInterval(() => {
    if (clients.size === 0) done();
  }, 10);
  poll.unref();
}
process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));

httpServer.on("error", (e) => {
  log(`listen on ${opts.host}:${opts.port}: ${e.message}`);
  process.exit(1);
});

// Backlog as jobmesh's acceptor (max_listen_connections, i.e. SOMAXCONN; the kernel caps it
// at net.core.somaxconn): 10k clients connecting at once must not overflow Node's default 511.
httpServer.listen({ port: opts.port, host: opts.host, backlog: 4096 }, () => {
  const { port } = httpServer.address();
  process.stdout.write(`listening ${port}\n`);
  log(`ws ${wsVersion}, node ${process.versions.node}, ${opts.hz} Hz per topic, history ${opts.history}` +
      `${opts["duration-s"] > 0 ? `, publishing for ${opts["duration-s"]} s` : ""}`);
});
