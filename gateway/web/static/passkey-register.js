// "Add a passkey" on /account/passkeys: the creation options from the JSON API, the browser's
// navigator.credentials.create, and the answer back (RegistrationResponseJSON); Cognito checks
// it and keeps the passkey. Then the page again, which lists it.
(function () {
  "use strict";
  var button = document.querySelector("[data-passkey-register]");
  var status = document.getElementById("passkey-status");
  if (!button) { return; }
  var headers = { "X-CSRF": "1", "Content-Type": "application/json" };

  function bytes(base64url) {
    var base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
    var binary = atob(base64 + "===".slice((base64.length + 3) % 4));
    return Uint8Array.from(binary, function (c) { return c.charCodeAt(0); }).buffer;
  }
  function base64url(buffer) {
    var binary = String.fromCharCode.apply(null, new Uint8Array(buffer));
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function asJSON(credential) {
    if (typeof credential.toJSON === "function") { return credential.toJSON(); }
    var response = credential.response;
    return {
      id: credential.id, rawId: base64url(credential.rawId), type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: {
        clientDataJSON: base64url(response.clientDataJSON),
        attestationObject: base64url(response.attestationObject),
        transports: response.getTransports ? response.getTransports() : []
      }
    };
  }
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
      var options = answer.options;
      var publicKey = Object.assign({}, options, {
        challenge: bytes(options.challenge),
        user: Object.assign({}, options.user, { id: bytes(options.user.id) }),
        excludeCredentials: (options.excludeCredentials || []).map(function (c) {
          return Object.assign({}, c, { id: bytes(c.id) });
        })
      });
      return navigator.credentials.create({ publicKey: publicKey });
    }).then(function (credential) {
      return post("/auth/passkeys", { credential: asJSON(credential) });
    }).then(function () {
      window.location.assign("/account/passkeys?notice=passkey_added");
    }).catch(function () { say("failed"); });
  });
})();
