// What the passkey scripts share (passkey.js, passkey-autofill.js, passkey-register.js):
// base64url to bytes and back, and a credential as the JSON Cognito takes (its WebAuthn
// Level 3 toJSON(), built by hand where a browser lacks it). Loaded before them (defer keeps
// the order).
window.GatewayWebAuthn = (function () {
  "use strict";
  function bytes(base64url) {
    var base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
    var binary = atob(base64 + "===".slice((base64.length + 3) % 4));
    return Uint8Array.from(binary, function (c) { return c.charCodeAt(0); }).buffer;
  }
  function base64url(buffer) {
    var binary = String.fromCharCode.apply(null, new Uint8Array(buffer));
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function ids(list) {
    return (list || []).map(function (c) { return Object.assign({}, c, { id: bytes(c.id) }); });
  }
  function asJSON(credential) {
    if (typeof credential.toJSON === "function") { return credential.toJSON(); }
    var response = credential.response;
    var json = {
      id: credential.id, rawId: base64url(credential.rawId), type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: { clientDataJSON: base64url(response.clientDataJSON) }
    };
    if (response.attestationObject) {  // a registration
      json.response.attestationObject = base64url(response.attestationObject);
      json.response.transports = response.getTransports ? response.getTransports() : [];
    } else {  // an assertion
      json.response.authenticatorData = base64url(response.authenticatorData);
      json.response.signature = base64url(response.signature);
      json.response.userHandle = response.userHandle ? base64url(response.userHandle) : undefined;
    }
    return json;
  }
  // Cognito's request options (base64url strings) as navigator.credentials.get takes them.
  function requestOptions(options) {
    return Object.assign({}, options, {
      challenge: bytes(options.challenge), allowCredentials: ids(options.allowCredentials)
    });
  }
  // Cognito's creation options as navigator.credentials.create takes them.
  function creationOptions(options) {
    return Object.assign({}, options, {
      challenge: bytes(options.challenge),
      user: Object.assign({}, options.user, { id: bytes(options.user.id) }),
      excludeCredentials: ids(options.excludeCredentials)
    });
  }
  return { asJSON: asJSON, requestOptions: requestOptions, creationOptions: creationOptions };
})();
