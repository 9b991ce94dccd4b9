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

  var webauthn = window.GatewayWebAuthn;
  function say(which) {
    status.textContent = status.dataset[which];
    status.hidden = false;
  }

  var publicKey = webauthn.requestOptions(JSON.parse(optionsBlock.textContent));

  form.addEventListener("submit", function (event) {
    if (field.value) { return; }  // the answer is in: let the form go
    event.preventDefault();
    if (!window.PublicKeyCredential || !navigator.credentials) { say("unsupported"); return; }
    navigator.credentials.get({ publicKey: publicKey }).then(function (credential) {
      field.value = JSON.stringify(webauthn.asJSON(credential));
      delete form.dataset.sent;  // gateway.js's double-submit guard saw the first press
      if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
    }).catch(function () {
      say("failed");  // cancelled, timed out, no passkey here: the person may try again
      delete form.dataset.sent;
    });
  });
})();
