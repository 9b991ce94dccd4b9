// Passkey autofill on the login form (a browser that signed in here before): a passkey sign-in
// is begun for that person (POST /login/autofill), and its options go to
// navigator.credentials.get with mediation "conditional", so the username field's suggestions
// include their passkeys. Choosing one signs in; typing a name instead works as ever.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autofill]");
  if (!form || !window.PublicKeyCredential ||
      !PublicKeyCredential.isConditionalMediationAvailable) { return; }

  var webauthn = window.GatewayWebAuthn;
  function post(fields) {  // an ordinary form post, so the answer is a page as ever
    var target = document.createElement("form");
    target.method = "post";
    target.action = "/login/passkey";
    Object.keys(fields).forEach(function (name) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = fields[name];
      target.appendChild(input);
    });
    document.body.appendChild(target);
    target.submit();
  }

  PublicKeyCredential.isConditionalMediationAvailable().then(function (available) {
    if (!available) { return null; }
    var body = new URLSearchParams(new FormData(form));
    return fetch("/login/autofill", { method: "POST", body: body, credentials: "same-origin" });
  }).then(function (reply) {
    if (!reply || reply.status !== 200) { return null; }
    return reply.json();
  }).then(function (answer) {
    if (!answer) { return null; }
    // The sign-in in progress is now the passkey's: the form's token follows it, so a name
    // typed instead still submits (and starts afresh).
    form.querySelector("input[name=csrf]").value = answer.csrf;
    var publicKey = webauthn.requestOptions(answer.options);
    return navigator.credentials.get({ mediation: "conditional", publicKey: publicKey })
      .then(function (credential) {
        post({ csrf: answer.csrf, challenge: "WEB_AUTHN",
               credential: JSON.stringify(webauthn.asJSON(credential)) });
      });
  }).catch(function () { /* autofill is a convenience: the form works without it */ });
})();
