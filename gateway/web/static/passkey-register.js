// "Add a passkey" on /account/passkeys: the creation options from the JSON API, the browser's
// navigator.credentials.create, and the answer back (RegistrationResponseJSON); Cognito checks
// it and keeps the passkey. Then the page again, which lists it.
(function () {
  "use strict";
  var button = document.querySelector("[data-passkey-register]");
  var status = document.getElementById("passkey-status");
  if (!button) { return; }
  var headers = { "X-CSRF": "1", "Content-Type": "application/json" };

  var webauthn = window.GatewayWebAuthn;
  function say(which) {
    status.textContent = status.dataset[which];
    status.hidden = false;
    button.removeAttribute("aria-disabled");
  }
  function post(path, body) {
    return fetch(path, { method: "POST", headers: headers, body: JSON.stringify(body) })
      .then(function (reply) {
        if (reply.status === 401) { window.location.assign("/login?return_to=/account/passkeys&prompt=login"); }
        if (!reply.ok) { throw new Error(String(reply.status)); }
        return reply.json();
      });
  }

  button.addEventListener("click", function () {
    if (!window.PublicKeyCredential || !navigator.credentials) { say("unsupported"); return; }
    if (button.getAttribute("aria-disabled")) { return; }
    button.setAttribute("aria-disabled", "true");
    post("/auth/passkeys/options", {}).then(function (answer) {
      var publicKey = webauthn.creationOptions(answer.options);
      return navigator.credentials.create({ publicKey: publicKey });
    }).then(function (credential) {
      return post("/auth/passkeys", { credential: webauthn.asJSON(credential) });
    }).then(function () {
      window.location.assign("/account/passkeys?notice=passkey_added");
    }).catch(function () { say("failed"); });
  });
})();
