// The console's live parts: plain JavaScript, no build step, no external asset. Every call goes
// to the control plane's JSON endpoints on this origin (the admin token rides in the cookie).
"use strict";

const POLL_MS = 1000;

async function api(method, path, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = typeof body === "string" ? body : JSON.stringify(body);
  }
  const response = await fetch(path, init);
  let data = null;
  try { data = await response.json(); } catch (e) { data = null; }
  if (!response.ok) {
    const error = data && data.errors && data.errors[0];
    throw new Error(error ? `${error.code}: ${error.message}` : `HTTP ${response.status}`);
  }
  return data;
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "class") node.className = value;
    else if (key.startsWith("data-")) node.setAttribute(key, value);
    else node[key] = value;
  }
  for (const child of children) {
    if (child !== null && child !== undefined) {
      node.append(child instanceof Node ? child : String(child));
    }
  }
  return node;
}

function shortTime(iso) { return iso ? iso.replace("T", " ").replace(/\.\d+/, "").replace("+00:00", "") : ""; }

// Repeats `step` every POLL_MS; a long-polling endpoint may simply answer later.
function poll(step) {
  const run = async () => {
    try { await step(); } catch (e) { /* the next round retries */ }
    setTimeout(run, POLL_MS);
  };
  run();
}

// --- header: clock and audit badge -------------------------------------------------------

async function refreshClock() {
  const clock = await api("GET", "/_emulator/clock");
  const now = document.getElementById("clock-now");
  if (now) now.textContent = shortTime(clock.now) + (clock.frozen ? " (frozen)" : "");
  return clock;
}

async function refreshAudit() {
  const audit = await api("GET", "/_emulator/audit");
  const badge = document.getElementById("audit-status");
  if (badge) {
    badge.textContent = audit.ok ? "audit ok" : `audit: ${audit.violations.length} violations`;
    badge.className = "badge " + (audit.ok ? "ok" : "bad");
  }
  const result = document.getElementById("audit-result");
  if (result) {
    result.textContent = audit.ok ? "ok: every balance equals its ledger and its lots"
      : JSON.stringify(audit.violations, null, 1);
  }
}

// --- OTP inbox -----------------------------------------------------------------------------

function otpState(otp) {
  if (otp.used) return "used";
  if (otp.expired) return "expired";
  return otp.failedAttempts ? `open (${otp.failedAttempts} wrong)` : "open";
}

function startOtpInbox() {
  const body = document.querySelector("#otp-table tbody");
  let shown = "";
  poll(async () => {
    const data = await api("GET", "/_emulator/otps");
    const otps = data.otps || [];
    const key = JSON.stringify(otps);
    if (key === shown) return;
    shown = key;
    body.replaceChildren(...otps.map((otp) => el("tr", { "data-otp": otp.id },
      el("td", {}, shortTime(otp.issuedAt)), el("td", {}, otp.orgId),
      el("td", {}, otp.userId ?? ""), el("td", {}, `${otp.entityType} ${otp.entityValue}`),
      el("td", {}, otp.action), el("td", { class: "otp-code" }, el("code", {}, otp.code)),
      el("td", {}, otpState(otp)))));
    document.getElementById("otp-empty").hidden = otps.length > 0;
  });
}

// --- journal -------------------------------------------------------------------------------

function capillaryCode(entry) {
  if (entry.code !== undefined && entry.code !== null) return entry.code;
  const answer = entry.response ?? entry.answer;
  const error = answer && answer.errors && answer.errors[0];
  return error ? error.code : "";
}

function journalFilters(form) {
  const f = new FormData(form);
  return {
    path: (f.get("path") || "").trim(), method: f.get("method") || "",
    status: (f.get("status") || "").trim(), code: (f.get("code") || "").trim(),
    orgId: (f.get("orgId") || "").trim(), failed: f.get("failed") === "on",
  };
}

function journalMatches(entry, f) {
  if (f.path && !entry.path.includes(f.path)) return false;
  if (f.method && entry.method !== f.method) return false;
  if (f.status && String(entry.status) !== f.status) return false;
  if (f.code && String(capillaryCode(entry)) !== f.code) return false;
  if (f.orgId && entry.orgId !== undefined && String(entry.orgId) !== f.orgId) return false;
  if (f.failed && entry.status < 400 && capillaryCode(entry) === "") return false;
  return true;
}

function journalItem(entry) {
  const code = capillaryCode(entry);
  const failed = entry.status >= 400 || code !== "";
  const summary = el("summary", {},
    el("span", { class: "method" }, entry.method), " ",
    el("span", { class: "path" }, entry.path + (entry.query ? "?" + entry.query : "")), " ",
    el("span", { class: "badge " + (failed ? "bad" : "ok") }, entry.status),
    code !== "" ? el("span", { class: "code" }, ` code ${code}`) : null,
    el("span", { class: "duration" }, ` ${entry.durationMs} ms`),
    el("span", { class: "at" }, ` ${shortTime(entry.at)}`));
  const detail = el("pre", {}, JSON.stringify(entry, null, 2));
  return el("details", { class: "call" + (failed ? " failed" : ""), "data-seq": entry.seq }, summary, detail);
}

function startJournal() {
  const form = document.getElementById("journal-filters");
  const list = document.getElementById("journal-list");
  let entries = [];
  let shown = "";
  const render = () => {
    const f = journalFilters(form);
    const visible = entries.filter((e) => journalMatches(e, f));
    const key = JSON.stringify([f, visible.map((e) => e.seq)]);
    if (key === shown) return;
    shown = key;
    const open = new Set([...list.querySelectorAll("details[open]")].map((d) => d.dataset.seq));
    list.replaceChildren(...visible.map((entry) => {
      const item = journalItem(entry);
      if (open.has(String(entry.seq))) item.open = true;
      return item;
    }));
    document.getElementById("journal-empty").hidden = visible.length > 0;
  };
  form.addEventListener("input", render);
  document.getElementById("journal-clear").addEventListener("click", async () => {
    await api("DELETE", "/_emulator/journal");
    entries = [];
    render();
  });
  poll(async () => {
    const data = await api("GET", "/_emulator/journal?limit=200");
    entries = data.entries || [];
    render();
  });
}

// --- faults --------------------------------------------------------------------------------

async function refreshFaults() {
  const data = await api("GET", "/_emulator/faults");
  const faults = data.faults || [];
  document.querySelector("#fault-table tbody").replaceChildren(...faults.map((fault) => {
    const remove = el("button", { type: "button", textContent: "remove" });
    remove.addEventListener("click", async () => {
      await api("DELETE", `/_emulator/faults/${fault.id}`);
      await refreshFaults();
    });
    return el("tr", { "data-fault": fault.id }, el("td", {}, fault.id), el("td", {}, fault.method),
      el("td", {}, fault.path), el("td", {}, fault.status), el("td", {}, fault.code),
      el("td", {}, fault.message || ""), el("td", {}, fault.remaining ?? "∞"),
      el("td", {}, fault.delayMs ? `${fault.delayMs} ms` : ""), el("td", {}, remove));
  }));
  document.getElementById("fault-empty").hidden = faults.length > 0;
}

function startFaults() {
  const form = document.getElementById("fault-form");
  const error = document.getElementById("fault-error");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const f = new FormData(form);
    const spec = { method: f.get("method"), path: f.get("path") };
    for (const key of ["status", "code", "count", "delayMs"]) {
      const value = (f.get(key) || "").trim();
      if (value !== "") spec[key] = Number(value);
    }
    if (f.get("message")) spec.message = f.get("message");
    try {
      await api("POST", "/_emulator/faults", spec);
      error.textContent = "";
    } catch (e) { error.textContent = e.message; }
    await refreshFaults();
  });
  document.getElementById("fault-clear").addEventListener("click", async () => {
    await api("DELETE", "/_emulator/faults");
    await refreshFaults();
  });
  refreshFaults();
}

// --- clock, audit, reset, seed, snapshot ---------------------------------------------------

function clockPath() {
  const org = document.getElementById("clock-org").value;
  return "/_emulator/clock" + (org ? "?orgId=" + encodeURIComponent(org) : "");
}

let clockRound = 0;

async function refreshControlClock() {
  // Answers can come back out of order (the first load's beside a quick change of org): only
  // the newest round's is shown.
  const round = ++clockRound;
  const clock = await api("GET", clockPath());
  if (round !== clockRound) return;
  document.getElementById("clock-value").textContent = clock.now;
  document.getElementById("clock-frozen").textContent = clock.frozen ? "frozen" : "running";
  document.getElementById("clock-own").textContent =
    clock.orgId === undefined ? "" : (clock.ownClock ? "its own clock" : "follows the global clock");
}

// A form with one file input: its file POSTed to `path` as JSON, the answer described beside it.
function uploadForm(formId, input, path, missing, describe) {
  const form = document.getElementById(formId);
  const result = document.getElementById(formId.replace("-form", "-result"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = form.elements[input].files[0];
    if (!file) { result.textContent = missing; return; }
    try {
      result.textContent = describe(await api("POST", path, await file.text()));
    } catch (e) { result.textContent = e.message; }
    await refreshClock();
    await refreshControlClock();
    await refreshAudit();
  });
}

function startControl() {
  const error = document.getElementById("clock-error");
  const change = async (command) => {
    try {
      await api("POST", clockPath(), command);
      error.textContent = "";
    } catch (e) { error.textContent = e.message; }
    await refreshClock();
    await refreshControlClock();
    await refreshAudit();
  };
  document.getElementById("clock-org").addEventListener("change", () => {
    error.textContent = "";
    refreshControlClock().catch((e) => { error.textContent = e.message; });
  });
  refreshControlClock().catch(() => {});
  document.getElementById("clock-advance").addEventListener("submit", (event) => {
    event.preventDefault();
    change({ advance: new FormData(event.target).get("advance") });
  });
  document.getElementById("clock-set").addEventListener("submit", (event) => {
    event.preventDefault();
    change({ set: new FormData(event.target).get("set") });
  });
  document.getElementById("clock-freeze").addEventListener("click", () => change({ freeze: true }));
  document.getElementById("clock-unfreeze").addEventListener("click", () => change({ freeze: false }));
  document.getElementById("audit-run").addEventListener("click", refreshAudit);
  const resetResult = document.getElementById("reset-result");
  document.getElementById("reset").addEventListener("click", async () => {
    try {
      await api("POST", "/_emulator/reset");
      resetResult.textContent = "reset to the seed";
    } catch (e) { resetResult.textContent = e.message; }
    await refreshClock();
    await refreshAudit();
  });
  uploadForm("seed-form", "seed", "/_emulator/seed", "choose a JSON seed file",
    (created) => "loaded: " + JSON.stringify(created));
  uploadForm("snapshot-form", "snapshot", "/_emulator/snapshot", "choose a snapshot file",
    (restored) => {
      const what = restored.orgId === null ? "the whole state" : "org " + restored.orgId;
      return `restored ${what}: ${restored.rows.customers} customers`;
    });
}

document.addEventListener("DOMContentLoaded", () => {
  refreshClock().catch(() => {});
  refreshAudit().catch(() => {});
  const section = document.body.dataset.section;
  if (section === "otps") startOtpInbox();
  if (section === "journal") startJournal();
  if (section === "faults") startFaults();
  if (section === "control") startControl();
});
