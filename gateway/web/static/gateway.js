// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Errors: move focus to the summary so screen readers announce it at once.
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }

  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      // One answer per step: a double click must not send the same code twice.
      if (form.dataset.sent) { event.preventDefault(); return; }
      collectFingerprint(form);
      form.dataset.sent = "1";
      var button = form.querySelector("button[type=submit]");
      if (button) { button.setAttribute("aria-disabled", "true"); }
      // If the request never completes (network trouble), let the person try again.
      window.setTimeout(function () {
        delete form.dataset.sent;
        if (button) { button.removeAttribute("aria-disabled"); }
      }, 15000);
    });
  });

  // Cognito's advanced-security collector, when the deployment loads it: its EncodedData
  // travels with the answer so threat protection sees this browser. Sign-in works without it.
  function collectFingerprint(form) {
    var field = form.querySelector("input[name=encoded_data]");
    var collector = window.AmazonCognitoAdvancedSecurityData;
    if (!field || !collector || !form.dataset.pool) { return; }
    var typed = form.querySelector("input[name=username]");
    var username = (typed && typed.value) || form.dataset.username || "";
    try {
      field.value = collector.getData(username, form.dataset.pool, form.dataset.client) || "";
    } catch (error) {
      field.value = "";
    }
  }
})();
