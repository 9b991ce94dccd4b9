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

  // "Show password": the button is in the page, hidden, with its words from the catalog;
  // this reveals it. It shows or hides every field it controls (a new password and its
  // confirmation together), and hides them again before the form is sent, so the browser
  // and password managers see password fields.
  document.querySelectorAll("button.field__toggle[aria-controls]").forEach(function (toggle) {
    var fields = toggle.getAttribute("aria-controls").split(" ").map(function (id) {
      return document.getElementById(id);
    }).filter(Boolean);
    if (!fields.length) { return; }
    function show(visible) {
      fields.forEach(function (field) { field.type = visible ? "text" : "password"; });
      toggle.textContent = visible ? toggle.dataset.hide : toggle.dataset.show;
    }
    toggle.hidden = false;
    show(false);
    toggle.addEventListener("click", function () { show(fields[0].type === "password"); });
    if (fields[0].form) {
      fields[0].form.addEventListener("submit", function () { show(false); });
    }
  });

  // The new-password rules as a checklist, ticked off while the person types. The same
  // checks as the server's (gateway/web/password_rules.py) and Cognito's.
  var rules = document.getElementById("password-rules");
  var newPassword = document.getElementById("f-new_password");
  if (rules && newPassword) {
    var symbols = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ";
    var checks = {
      length: function (value, rule) { return Array.from(value).length >= Number(rule.dataset.min); },
      upper: function (value) { return /\p{Lu}/u.test(value); },
      lower: function (value) { return /\p{Ll}/u.test(value); },
      number: function (value) { return /\p{Nd}/u.test(value); },
      symbol: function (value) {
        return Array.from(value).some(function (c) { return symbols.indexOf(c) !== -1; });
      }
    };
    var tick = function () {
      var value = newPassword.value;
      rules.querySelectorAll("li[data-rule]").forEach(function (rule) {
        var check = checks[rule.dataset.rule];
        if (!check) { return; }
        var met = value !== "" && check(value, rule);
        rule.classList.toggle("rule--met", met);
        var state = rule.querySelector(".rule__state");
        if (state) { state.textContent = value === "" ? "" : " " + (met ? rules.dataset.met : rules.dataset.unmet); }
      });
    };
    rules.classList.add("rules--live");
    newPassword.addEventListener("input", tick);
    tick();
  }

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
