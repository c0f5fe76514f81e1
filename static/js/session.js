// The warning before the session ends (templates/accounts/_session_dialog.html).
// The server decides: this page only asks it how long is left (a GET that never counts as
// activity), shows the dialog in the last minutes, and “Stay signed in” POSTs to count as
// activity. Another tab's activity or a playing video (its progress heartbeat) keeps the
// session alive; the dialog then closes by itself at the next check.
(function () {
  "use strict";
  var dialog = document.getElementById("session-dialog");
  if (!dialog || typeof dialog.showModal !== "function") { return; }
  var statusUrl = dialog.dataset.statusUrl;
  var loginUrl = dialog.dataset.loginUrl;
  var warning = parseInt(dialog.dataset.warningSeconds, 10) || 120;
  var logoutUrl = dialog.dataset.logoutUrl;
  var timer = null;
  var ticker = null;
  var deadline = 0;

  function schedule(seconds) {
    window.clearTimeout(timer);
    timer = window.setTimeout(check, Math.max(1, seconds) * 1000);
  }

  function csrfToken() {
    // Django's CSRF cookie (the page carries no token of its own: see session_limits).
    var prefix = dialog.dataset.csrfCookie + "=";
    var found = document.cookie.split(/;\s*/).filter(function (part) {
      return part.indexOf(prefix) === 0;
    })[0];
    return found ? decodeURIComponent(found.slice(prefix.length)) : "";
  }

  function signOut() {
    // The server has ended the session (or is about to): the sign-in page says why.
    var here = window.location.pathname + window.location.search;
    window.location.assign(loginUrl + "?next=" + encodeURIComponent(here));
  }

  function ask(method) {
    var headers = { "Accept": "application/json" };
    if (method === "POST") { headers["X-CSRFToken"] = csrfToken(); }
    return fetch(statusUrl, { method: method, credentials: "same-origin", headers: headers })
      .then(function (response) {
        if (response.status === 401) { return null; }
        if (!response.ok) { throw new Error("status " + response.status); }
        return response.json();
      });
  }

  function show(state) {
    var extendable = Boolean(state.extendable);
    dialog.querySelectorAll("[data-when=idle]").forEach(function (el) { el.hidden = !extendable; });
    dialog.querySelectorAll("[data-when=absolute]").forEach(function (el) { el.hidden = extendable; });
    deadline = Date.now() + state.seconds_left * 1000;
    render();
    window.clearInterval(ticker);
    ticker = window.setInterval(render, 1000);
    if (!dialog.open) { dialog.showModal(); }
  }

  function hide() {
    window.clearInterval(ticker);
    if (dialog.open) { dialog.close(); }
  }

  function render() {
    var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    var text = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
    dialog.querySelectorAll("[data-countdown]").forEach(function (el) { el.textContent = text; });
  }

  function follow(state) {
    if (state === null || state.seconds_left <= 0) { signOut(); return; }
    if (state.seconds_left > warning) {
      hide();
      schedule(state.seconds_left - warning);
      return;
    }
    show(state);
    // Look again every 15 seconds, and just after the end.
    schedule(Math.min(15, state.seconds_left + 1));
  }

  function check() {
    ask("GET").then(follow).catch(function () { schedule(30); });
  }

  dialog.querySelector("[data-stay]").addEventListener("click", function () {
    ask("POST").then(follow).catch(function () { schedule(5); });
  });

  dialog.querySelector("[data-sign-out]").addEventListener("click", function () {
    // allauth signs out on a POST (with the CSRF token), then shows the signed-out page.
    var form = document.createElement("form");
    var token = document.createElement("input");
    form.method = "post";
    form.action = logoutUrl;
    token.type = "hidden";
    token.name = "csrfmiddlewaretoken";
    token.value = csrfToken();
    form.appendChild(token);
    document.body.appendChild(form);
    form.submit();
  });

  check();  // how long is left (another tab or the 12-hour limit may have less than a full idle span)
}());
