// The job manager: lists jobs over HTTP, then keeps them live from the WebSocket `jobs` topic.
"use strict";

const jobs = new Map();
const rows = document.getElementById("jobs");

function percent(job) {
  return job.progress_percentage ?? 0;
}

// A table cell holding `text` as text: server strings (an error message may quote a remote
// page) never become markup.
function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function render(job) {
  let row = document.getElementById("job-" + job.id);
  if (!row) {
    row = document.createElement("tr");
    row.id = "job-" + job.id;
    rows.prepend(row);
  }
  const done = (job.processed_items ?? 0) + (job.failed_items ?? 0);
  const finished = ["completed", "failed", "cancelled"].includes(job.status);
  const status = cell(job.status, "status-" + job.status);
  status.title = job.error_message ?? "";
  const bar = document.createElement("div");
  bar.className = "bar";
  const fill = document.createElement("div");
  fill.style.width = `${Number(percent(job)) || 0}%`;
  bar.append(fill);
  const progress = document.createElement("td");
  progress.append(bar);
  const items = `${done}/${job.total_items ?? 0}` + (job.failed_items ? ` (${job.failed_items} failed)` : "");
  const created = job.created_at ? new Date(job.created_at).toLocaleTimeString() : "";
  const action = document.createElement("td");
  if (!finished) {
    const button = document.createElement("button");
    button.className = "secondary";
    button.dataset.cancel = job.id;
    button.textContent = "Cancel";
    action.append(button);
  }
  row.replaceChildren(
    cell(job.id, "id"),
    cell(job.type),
    status,
    progress,
    cell(items),
    cell(`${job.attempt ?? 0}/${job.max_attempts ?? ""}`),
    cell(created),
    action,
  );
}

function merge(update) {
  const id = update.id ?? update.job_id;
  const job = Object.assign(jobs.get(id) ?? { id }, update);
  jobs.set(id, job);
  render(job);
}

async function loadJobs() {
  const reply = await fetch("/api/v1/jobs?limit=50");
  const body = await reply.json();
  body.jobs.reverse().forEach(merge);
}

async function loadTypes() {
  const reply = await fetch("/api/v1/job-types");
  const body = await reply.json();
  const select = document.getElementById("type");
  for (const t of body.job_types) {
    const option = new Option(`${t.name} (${t.group})`, t.name);
    option.selected = t.name === "sleep";
    select.add(option);
  }
}

function connect() {
  const pill = document.getElementById("connection");
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const ws = new WebSocket(`${scheme}://${location.host}/api/v1/ws`);
  ws.onopen = () => {
    pill.textContent = "live";
    ws.send(JSON.stringify({ op: "subscribe", topic: "jobs" }));
  };
  ws.onmessage = (event) => {
    const msg = JSON.parse(event.data);
    if (["progress", "completed", "failed", "cancelled", "job_created"].includes(msg.type)) merge(msg.data);
    if (msg.type === "reset") loadJobs();
  };
  ws.onclose = () => {
    pill.textContent = "reconnecting…";
    setTimeout(connect, 1000);
  };
}

document.getElementById("submit").addEventListener("submit", async (event) => {
  event.preventDefault();
  const note = document.getElementById("submit-result");
  let params;
  try {
    params = JSON.parse(document.getElementById("params").value || "{}");
  } catch (e) {
    note.textContent = "params are not valid JSON: " + e.message;
    return;
  }
  const body = { type: document.getElementById("type").value, priority: document.getElementById("priority").value, params };
  const reply = await fetch("/api/v1/jobs", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  const json = await reply.json();
  note.textContent = reply.ok ? `submitted ${json.id}` : `${reply.status}: ${json.error.message}`;
  if (reply.ok) merge(json);
});

rows.addEventListener("click", async (event) => {
  const id = event.target.dataset.cancel;
  if (!id) return;
  const reply = await fetch(`/api/v1/jobs/${encodeURIComponent(id)}/cancel`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
  });
  const json = await reply.json();
  if (reply.ok) merge(json);
});

// The queue's state on this node: paused (no job starts; POST /api/v1/queue/pause) or running,
// read when the page loads and after each switch (an admin's action; others get the error).
let queuePaused = false;

function showQueue(paused) {
  queuePaused = paused;
  const state = document.getElementById("queue-state");
  state.textContent = paused ? "queue paused" : "queue running";
  state.classList.toggle("paused", paused);
  document.getElementById("queue-toggle").textContent = paused ? "Resume queue" : "Pause queue";
}

async function loadQueue() {
  const reply = await fetch("/api/v1/queue/statistics");
  if (reply.ok) showQueue((await reply.json()).paused === true);
}

document.getElementById("queue-toggle").addEventListener("click", async () => {
  const reply = await fetch(`/api/v1/queue/${queuePaused ? "resume" : "pause"}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: "{}",
  });
  const json = await reply.json();
  if (reply.ok) showQueue(json.paused);
  else document.getElementById("queue-state").textContent = `${reply.status}: ${json.error.message}`;
});

loadTypes();
loadQueue();
loadJobs().then(connect);
