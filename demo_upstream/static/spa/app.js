// The demo SPA: signs in through the gateway's JSON API (/auth/...) and calls the demo API
// through the gateway's relay (/api/...). The gateway keeps the tokens and the session in
// HttpOnly cookies; this script stores nothing (no localStorage, no sessionStorage) and never
// receives a token.
"use strict";

const $ = (id) => document.getElementById(id);

const LABELS = {
  code: "Code",
  mfa_type: "How to get your code",
  new_password: "New password",
  name: "Name",
  answer: "Answer",
};
const CHOICES = {
  SOFTWARE_TOKEN_MFA: "Authenticator app",
  SMS_MFA: "Text message",
  EMAIL_OTP: "Email",
};
const HINTS = {
  "authenticator-code": "Enter the code your authenticator app shows.",
  "sms-code": "Enter the code we sent by text message.",
  "email-code": "Enter the code we sent by email.",
  "choose-mfa": "Choose how to get your sign-in code.",
  "new-password": "Choose a new password.",
};

let challenge = null; // the step in progress, as /auth/login or /auth/challenge gave it

// One call to the gateway, on its own origin: its cookies go along by themselves.
async function api(method, path, body) {
  const headers = {"X-CSRF": "1"};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method,
    credentials: "same-origin",
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = null;
  if (response.status !== 204) {
    const text = await response.text();
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = {error: {message: text.slice(0, 200)}};
    }
  }
  return {status: response.status, body: data};
}

function show(section) {
  for (const id of ["sign-in", "step", "signed-in"]) $(id).hidden = id !== section;
  $("signed-out-api").hidden = section === "signed-in";
}

function say(text) {
  $("status").textContent = text;
}

function showError(error) {
  const box = $("error");
  if (!error) {
    box.hidden = true;
    box.textContent = "";
    return;
  }
  box.textContent = error.message || error.code || "Something went wrong.";
  box.hidden = false;
}

function busy(form, on) {
  for (const button of form.querySelectorAll("button")) button.disabled = on;
}

function when(seconds) {
  return typeof seconds === "number" ? new Date(seconds * 1000).toLocaleString() : "unknown";
}

// --- signed in --------------------------------------------------------------------------

async function loadSession() {
  const {status, body} = await api("GET", "/auth/session");
  if (status !== 200) {
    showSignIn(status === 401 ? null : body && body.error);
    return;
  }
  const user = body.user || {};
  const session = body.session || {};
  $("user-name").textContent = user.name || "(no name)";
  $("user-username").textContent = user.username || "";
  const groups = Array.isArray(user.groups) ? user.groups : [];
  $("user-groups").textContent = groups.length ? groups.join(", ") : "none";
  $("session-ends").textContent =
    `${when(session.ends_at)} at the latest; after ${when(session.idle_ends_at)} if idle`;
  $("api-result").textContent = "Nothing yet.";
  $("socket-result").textContent = "Not opened.";
  showError(null);
  show("signed-in");
  say(`Signed in as ${user.username}.`);
}

async function callApi(target) {
  target.textContent = "Calling /api/echo/hello…";
  const {status, body} = await api("GET", "/api/echo/hello");
  if (status === 200 && body && body.identity) {
    target.textContent = `HTTP ${status}: the API saw\n${JSON.stringify(body.identity, null, 2)}`;
  } else {
    const code = body && body.error ? (body.error.code || body.error) : "";
    target.textContent = `HTTP ${status}: refused${code ? ` (${code})` : ""}`;
  }
  return status;
}

function openSocket() {
  const out = $("socket-result");
  const url = new URL("/api/ws", window.location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  const lines = [`Connecting to ${url.pathname}…`];
  out.textContent = lines.join("\n");
  const socket = new WebSocket(url);
  const message = "hello from the SPA";
  socket.addEventListener("open", () => {
    lines.push(`Open. Sent: ${message}`);
    out.textContent = lines.join("\n");
    socket.send(message);
  });
  socket.addEventListener("message", (event) => {
    lines.push(`Received: ${event.data}`);
    out.textContent = lines.join("\n");
    if (typeof event.data === "string" && event.data.endsWith(`: ${message}`)) socket.close();
  });
  socket.addEventListener("close", (event) => {
    lines.push(`Closed (${event.code}).`);
    out.textContent = lines.join("\n");
  });
}

async function signOut() {
  await api("POST", "/auth/logout");
  showSignIn(null);
  say("Signed out.");
}

// --- signing in -------------------------------------------------------------------------

function showSignIn(error) {
  challenge = null;
  $("password").value = "";
  show("sign-in");
  showError(error);
  say("You are not signed in.");
  $("username").focus();
}

function fieldInput(field) {
  const id = `field-${field.name}`;
  const label = LABELS[field.name] || field.name.replace(/_/g, " ");
  if (field.type === "choice") {
    const set = document.createElement("fieldset");
    const legend = document.createElement("legend");
    legend.textContent = label;
    set.append(legend);
    (field.options || []).forEach((option, index) => {
      const row = document.createElement("label");
      const radio = document.createElement("input");
      radio.type = "radio";
      radio.name = field.name;
      radio.value = option;
      radio.id = `${id}-${index}`;
      radio.checked = index === 0;
      row.append(radio, CHOICES[option] || option);
      set.append(row);
    });
    return set;
  }
  const wrap = document.createElement("div");
  const labelElement = document.createElement("label");
  labelElement.htmlFor = id;
  labelElement.textContent = label;
  const input = document.createElement("input");
  input.id = id;
  input.name = field.name;
  input.required = true;
  if (field.type === "code") {
    input.inputMode = "numeric";
    input.autocomplete = "one-time-code";
  } else if (field.type === "new_password" || field.type === "password") {
    input.type = "password";
    input.autocomplete = field.type === "new_password" ? "new-password" : "current-password";
  }
  wrap.append(labelElement, input);
  return wrap;
}

function showStep(next, error) {
  const same = challenge && challenge.step === next.step;
  challenge = next;
  if (!same) {
    const fields = $("step-fields");
    fields.replaceChildren(...(next.fields || []).map(fieldInput));
    const where = next.parameters && next.parameters.destination;
    const hint = HINTS[next.step] || "The sign-in asks one more thing.";
    $("step-hint").textContent = where ? `${hint} (sent to ${where})` : hint;
  }
  show("step");
  showError(error);
  say("One more step to sign in.");
  const first = $("step-fields").querySelector("input");
  if (first) {
    if (first.type !== "radio") first.value = "";
    first.focus();
  }
}

async function handle(result) {
  const {status, body} = result;
  if (body && body.status === "authenticated") {
    await loadSession();
  } else if (body && body.status === "challenge") {
    showStep(body.challenge, null);
  } else if (body && body.error && !body.error.restart && challenge !== null) {
    showStep(challenge, body.error); // a refused answer: the same step again
  } else {
    const error = body && body.error ? body.error : {message: `HTTP ${status}`};
    if (challenge === null) {
      show("sign-in");
      showError(error);
      $("password").value = "";
      $("password").focus();
    } else {
      showSignIn(error);
    }
  }
}

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  busy(form, true);
  try {
    challenge = null;
    await handle(await api("POST", "/auth/login", {
      username: $("username").value.trim(),
      password: $("password").value,
    }));
  } finally {
    busy(form, false);
  }
});

$("step-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const answers = {};
  for (const [name, value] of new FormData(form)) answers[name] = String(value).trim();
  busy(form, true);
  try {
    await handle(await api("POST", "/auth/challenge",
                           {challenge: challenge.name, step: challenge.step, answers}));
  } finally {
    busy(form, false);
  }
});

$("start-over").addEventListener("click", async () => {
  await api("POST", "/auth/cancel");
  showSignIn(null);
});
$("call-api").addEventListener("click", () => callApi($("api-result")));
$("call-api-anon").addEventListener("click", () => callApi($("anon-result")));
$("open-socket").addEventListener("click", openSocket);
$("sign-out").addEventListener("click", signOut);

loadSession().catch((error) => {
  show("sign-in");
  showError({message: `The gateway did not answer: ${error.message}`});
});
