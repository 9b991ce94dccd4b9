// Keeps the emulator page (/_emulator/) current in place: the TOTP countdown, new codes when a
// 30-second step rolls over, messages as they are sent, confirmed devices and trigger runs, from
// the emulator's JSON hooks.
// It never reloads the page (a reload would drop what the person has selected) and writes a
// node only when its text changes. Everything shown goes in as text, never as markup.
"use strict";

(function () {
  const POLL_MS = 2000;
  const TICK_MS = 250;

  const body = document.body;
  const step = Number(body.dataset.step) || 30;
  // Emulator time minus this browser's time: tests and developers can move the emulator's clock.
  let skew = Number(body.dataset.now) - Date.now() / 1000;
  let lastStep = null;
  let lastSecond = null;
  let busy = false;
  let again = false;
  let offline = null;

  const status = document.getElementById("status");
  const authTable = document.getElementById("authenticators");
  const authBody = authTable.tBodies[0];
  const noAuthenticators = document.getElementById("no-authenticators");
  const outTable = document.getElementById("outbox");
  const outBody = outTable.tBodies[0];
  const noMessages = document.getElementById("no-messages");
  const deviceTable = document.getElementById("devices");
  const noDevices = document.getElementById("no-devices");
  const passkeyTable = document.getElementById("passkeys");
  const noPasskeys = document.getElementById("no-passkeys");
  const runTable = document.getElementById("runs");
  const noRuns = document.getElementById("no-runs");
  const runLimit = Number(runTable.dataset.limit) || 50;

  const emulatorNow = () => Date.now() / 1000 + skew;

  function setText(node, text) {
    if (node && node.textContent !== text) node.textContent = text;
  }

  function field(row, name) {
    return row.querySelector(`[data-field="${name}"]`);
  }

  function element(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
    for (const child of children) {
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  function cell(label, className, ...children) {
    return element("td", { "data-label": label, class: className }, ...children);
  }

  function clock(epochSeconds) {
    return new Date(epochSeconds * 1000).toLocaleTimeString([], {
      hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
    });
  }

  function age(seconds) {
    if (seconds < 0) return "";
    if (seconds < 5) return "· just now";
    if (seconds < 60) return `· ${Math.floor(seconds)} s ago`;
    if (seconds < 3600) return `· ${Math.floor(seconds / 60)} min ago`;
    return `· ${Math.floor(seconds / 3600)} h ago`;
  }

  function setStatus(text, isOffline) {
    if (offline === isOffline) return; // role=status: announce changes, not every poll
    offline = isOffline;
    status.textContent = text;
    status.classList.toggle("offline", isOffline);
  }

  // --- authenticators ------------------------------------------------------------------------

  function authenticatorRow(key, item) {
    const bar = element("progress", { "data-field": "bar", max: String(step), "aria-hidden": "true" });
    return element("tr", { "data-key": key },
      element("td", { "data-label": "User", "data-field": "username", class: "text" },
        item.username),
      cell("Code", "", element("span", { class: "code", "data-field": "code" }, item.code)),
      cell("Time left", "", element("span", {},
        element("span", { class: "left", "data-field": "left" }, ""), " ", bar)),
      element("td", { "data-label": "App", "data-field": "verified" }, ""),
      element("td", { "data-label": "Pool", "data-field": "pool_id", class: "nowrap" },
        item.pool_id));
  }

  function syncAuthenticators(items) {
    const rows = new Map(Array.from(authBody.rows, (row) => [row.dataset.key, row]));
    items.forEach((item, index) => {
      const key = `${item.pool_id}/${item.username}`;
      let row = rows.get(key);
      if (row) rows.delete(key);
      else row = authenticatorRow(key, item);
      setText(field(row, "code"), item.code);
      setText(field(row, "verified"), item.verified ? "enrolled" : "being set up");
      if (authBody.rows[index] !== row) authBody.insertBefore(row, authBody.rows[index] || null);
    });
    for (const gone of rows.values()) gone.remove();
    authTable.hidden = items.length === 0;
    noAuthenticators.hidden = items.length !== 0;
  }

  // --- the outbox ----------------------------------------------------------------------------

  function messageKey(message) { // as control.py's _message_key writes it
    return [message.sent_at.toFixed(3), message.pool_id, message.username, message.destination,
      message.purpose, message.code].map(String).join("|");
  }

  function messageRow(key, message) {
    const time = element("time", {
      datetime: new Date(message.sent_at * 1000).toISOString(),
      "data-sent-at": String(message.sent_at),
    }, clock(message.sent_at));
    return element("tr", { "data-key": key },
      cell("Code", "", element("span", { class: "code" }, message.code)),
      cell("Sent", "", element("span", {}, time, " ", element("span", { class: "muted age" }, ""))),
      cell("To", "text", `${message.medium} to ${message.destination}`),
      cell("User", "text", message.username),
      cell("Purpose", "nowrap", message.purpose),
      cell("Pool", "nowrap", message.pool_id));
  }

  function syncMessages(messages) { // oldest first, as /_emulator/outbox lists them
    const keys = messages.map(messageKey);
    const present = new Set(keys);
    for (const row of Array.from(outBody.rows)) {
      if (!present.has(row.dataset.key)) row.remove(); // reset, cleared, or aged out
    }
    const newest = outBody.rows[0] ? outBody.rows[0].dataset.key : null;
    const start = newest === null ? 0 : keys.lastIndexOf(newest) + 1;
    if (start < keys.length) {
      const fresh = document.createDocumentFragment();
      for (let index = keys.length - 1; index >= start; index -= 1) {
        fresh.append(messageRow(keys[index], messages[index]));
      }
      outBody.insertBefore(fresh, outBody.rows[0] || null);
    }
    outTable.hidden = keys.length === 0;
    noMessages.hidden = keys.length !== 0;
  }

  // --- devices and trigger runs --------------------------------------------------------------

  function timeCell(label, epochSeconds) {
    return cell(label, "", element("time", {
      datetime: new Date(epochSeconds * 1000).toISOString(), "data-at": String(epochSeconds),
    }, clock(epochSeconds)));
  }

  function deviceKey(device) { // as control.py's _device_key writes it
    return [device.pool_id, device.device_key, device.remembered_status,
      device.last_authenticated.toFixed(3), device.device_name || ""].join("|");
  }

  function deviceRow(key, device) {
    const remembered = device.remembered_status === "remembered";
    return element("tr", { "data-key": key },
      cell("User", "text", device.username),
      cell("Key", "text", device.device_key),
      cell("Name", "text", device.device_name || "\u2013"),
      cell("Status", "nowrap", remembered ? "remembered" : "not remembered"),
      timeCell("Last used", device.last_authenticated),
      cell("Pool", "nowrap", device.pool_id));
  }

  function passkeyKey(passkey) { // as control.py's _passkey_key writes it
    const used = passkey.last_used === null ? "" : passkey.last_used.toFixed(3);
    return [passkey.pool_id, passkey.credential_id, String(passkey.sign_count), used,
      passkey.name].join("|");
  }

  function passkeyRow(key, passkey) {
    return element("tr", { "data-key": key },
      cell("User", "text", passkey.username),
      cell("Credential", "text", element("span", { title: passkey.credential_id },
        `${passkey.credential_id_prefix}\u2026`)),
      cell("Name", "text", passkey.name),
      timeCell("Created", passkey.created),
      passkey.last_used === null ? cell("Last used", "", "never")
        : timeCell("Last used", passkey.last_used),
      cell("Sign count", "nowrap", String(passkey.sign_count)),
      cell("Pool", "nowrap", passkey.pool_id));
  }

  function runKey(run) { // as control.py's _run_key writes it
    return [run.at.toFixed(3), run.pool_id, run.trigger_source, run.function_name || "",
      run.outcome, run.error || "", run.username].join("|");
  }

  function runRow(key, run) {
    const outcome = run.outcome === "ok"
      ? cell("Outcome", "nowrap", "ok")
      : cell("Outcome", "text failed", `failed: ${run.error || ""}`);
    return element("tr", { "data-key": key },
      timeCell("Time", run.at),
      cell("Source", "text", run.trigger_source),
      cell("Function", "text", run.function_name || "\u2013"),
      outcome,
      cell("User", "text", run.username),
      cell("Pool", "nowrap", run.pool_id));
  }

  // Puts a row per item in the table, in order; a row whose key is unchanged stays as it is.
  function syncRows(table, emptyNote, items, keyOf, rowOf) {
    const tbody = table.tBodies[0];
    const rows = new Map(Array.from(tbody.rows, (row) => [row.dataset.key, row]));
    items.forEach((item, index) => {
      const key = keyOf(item);
      let row = rows.get(key);
      if (row) rows.delete(key);
      else row = rowOf(key, item);
      if (tbody.rows[index] !== row) tbody.insertBefore(row, tbody.rows[index] || null);
    });
    for (const gone of rows.values()) gone.remove();
    table.hidden = items.length === 0;
    emptyNote.hidden = items.length !== 0;
  }

  // --- the loop ------------------------------------------------------------------------------

  async function getJson(path) {
    const reply = await fetch(path, { cache: "no-store", headers: { Accept: "application/json" } });
    if (!reply.ok) throw new Error(`${path}: HTTP ${reply.status}`);
    return reply.json();
  }

  async function refresh() {
    if (busy) {
      again = true; // e.g. the step rolled over while a poll was on its way
      return;
    }
    busy = true;
    try {
      const [current, outbox, known, triggers, keys] = await Promise.all([
        getJson("/_emulator/authenticators"), getJson("/_emulator/outbox"),
        getJson("/_emulator/devices"), getJson("/_emulator/triggers"),
        getJson("/_emulator/passkeys")]);
      skew = current.now - Date.now() / 1000;
      syncAuthenticators(current.authenticators);
      syncMessages(outbox.messages);
      syncRows(deviceTable, noDevices, known.devices, deviceKey, deviceRow);
      syncRows(passkeyTable, noPasskeys, keys.passkeys, passkeyKey, passkeyRow);
      const newest = triggers.runs.slice(-runLimit).reverse(); // the hook is oldest first
      syncRows(runTable, noRuns, newest, runKey, runRow);
      setStatus("This page updates itself.", false);
    } catch (_error) {
      setStatus(`Cannot reach the emulator; trying again every ${POLL_MS / 1000} s.`, true);
    } finally {
      busy = false;
      tick();
    }
    if (again) {
      again = false;
      refresh();
    }
  }

  function tick() {
    const now = emulatorNow();
    const second = Math.floor(now);
    const left = step - (second % step);
    for (const row of authBody.rows) {
      setText(field(row, "left"), `${left} s`);
      const bar = field(row, "bar");
      if (bar && bar.value !== left) bar.value = left;
    }
    if (second !== lastSecond) {
      lastSecond = second;
      for (const time of outBody.querySelectorAll("time[data-sent-at]")) {
        setText(time.parentNode.querySelector(".age"), age(now - Number(time.dataset.sentAt)));
      }
    }
    const currentStep = Math.floor(now / step);
    if (lastStep !== null && currentStep !== lastStep) refresh();
    lastStep = currentStep;
  }

  // The server wrote the times in UTC; show them in the reader's own time zone.
  for (const time of outBody.querySelectorAll("time[data-sent-at]")) {
    time.textContent = clock(Number(time.dataset.sentAt));
  }
  for (const time of document.querySelectorAll(
    "#devices time[data-at], #passkeys time[data-at], #runs time[data-at]")) {
    time.textContent = clock(Number(time.dataset.at));
  }
  setStatus("This page updates itself.", false);
  tick();
  setInterval(tick, TICK_MS);
  setInterval(refresh, POLL_MS);
  window.addEventListener("pageshow", (event) => { if (event.persisted) refresh(); });
}());
