// The passkey step (templates/challenges/passkey.html): ask the browser for a passkey with the
// options Cognito sent, and post the answer (the PublicKeyCredential as JSON, WebAuthn Level 3
// toJSON()) in the form's "credential" field. Nothing is kept: the page holds no secret.
(function () {
  "use strict";
  var form = document.querySelector("form[action='/login/passkey']");
  var optionsBlock = document.getElementById("passkey-options");
  if (!form || !optionsBlock) { return; }
  var field = form.querySelector("[data-passkey-credential]");
  var status = document.getElementById("passkey-status");

  function bytes(base64url) {
    var base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
    var binary = atob(base64 + "===".slice((base64.length + 3) % 4));
    return Uint8Array.from(binary, function (c) { return c.charCodeAt(0); }).buffer;
  }
  function base64url(buffer) {
    var binary = String.fromCharCode.apply(null, new Uint8Array(buffer));
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  // toJSON() where the browser has it; the same shape by hand where it does not.
  function asJSON(credential) {
    if (typeof credential.toJSON === "function") { return credential.toJSON(); }
    var response = credential.response;
    return {
      id: credential.id, rawId: base64url(credential.rawId), type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: {
        clientDataJSON: base64url(response.clientDataJSON),
        authenticatorData: base64url(response.authenticatorData),
        signature: base64url(response.signature),
        userHandle: response.userHandle ? base64url(response.userHandle) : undefined
      }
    };
  }
  function say(which) {
    status.textContent = status.dataset[which];
    status.hidden = false;
  }

  var options = JSON.parse(optionsBlock.textContent);
  var publicKey = Object.assign({}, options, {
    challenge: bytes(options.challenge),
    allowCredentials: (options.allowCredentials || []).map(function (c) {
      return Object.assign({}, c, { id: bytes(c.id) });
    })
  });

  form.addEventListener("submit", function (event) {
    if (field.value) { return; }  // the answer is in: let the form go
    event.preventDefault();
    if (!window.PublicKeyCredential || !navigator.credentials) { say("unsupported"); return; }
    navigator.credentials.get({ publicKey: publicKey }).then(function (credential) {
      field.value = JSON.stringify(asJSON(credential));
      delete form.dataset.sent;  // gateway.js's double-submit guard saw the first press
      if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
    }).catch(function () {
      say("failed");  // cancelled, timed out, no passkey here: the person may try again
      delete form.dataset.sent;
    });
  });
})();
