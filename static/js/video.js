// Reports the distinct stretches of video a learner actually played, never a jump to the end.
// The server credits them no faster than the wall clock allows and decides completion.
(function () {
  "use strict";
  var video = document.getElementById("training-video");
  if (!video) { return; }
  var url = video.dataset.progressUrl;
  var tokenInput = document.querySelector("input[name=csrfmiddlewaretoken]");
  var csrfToken = tokenInput ? tokenInput.value : "";
  var resume = parseFloat(video.dataset.resume || "0");
  var pending = [];      // finished stretches not yet sent
  var current = null;    // the stretch being played now: [start, end]
  var inFlight = false;
  var flushAgain = false; // a report asked for while another was on its way
  var FLUSH_MS = 5000;

  function closeCurrent() {
    if (current && current[1] > current[0]) { pending.push([current[0], current[1]]); }
    current = null;
  }

  video.addEventListener("loadedmetadata", function () {
    if (resume > 0 && resume < video.duration - 1) { video.currentTime = resume; }
  });

  video.addEventListener("timeupdate", function () {
    if (video.seeking || video.paused) { return; }
    var t = video.currentTime;
    var maxStep = 1.5 * Math.max(1, video.playbackRate);
    if (current === null) {
      current = [t, t];
    } else if (t >= current[1] && t - current[1] <= maxStep) {
      current[1] = t;
    } else {
      closeCurrent();
      current = [t, t];
    }
  });

  video.addEventListener("seeking", closeCurrent);
  video.addEventListener("pause", function () {
    if (current && video.currentTime > current[1]) { current[1] = video.currentTime; }
    closeCurrent();
    flush();
  });
  video.addEventListener("ended", function () {
    if (current) { current[1] = video.duration; }
    closeCurrent();
    flush();
  });

  // Bars are drawn by the classes pct-0 to pct-100 (lms.css), not by style attributes.
  function setWidth(inner, percent) {
    var whole = Math.max(0, Math.min(100, Math.floor(percent)));
    Array.from(inner.classList).forEach(function (name) {
      if (/^pct-\d+$/.test(name)) { inner.classList.remove(name); }
    });
    inner.classList.add("pct-" + whole);
  }

  function show(data) {
    var percent = data.percent;
    var bar = document.querySelector("#video-progress .progress");
    if (bar) {
      bar.setAttribute("aria-valuenow", percent);
      var inner = bar.querySelector(".progress-bar");
      setWidth(inner, percent);
      inner.textContent = percent >= 10 ? percent + "%" : "";
      if (data.completed) { inner.classList.add("bg-success"); }
    }
    var label = document.querySelector("[data-watched-percent]");
    if (label) { label.textContent = percent; }
    var seriesBar = document.querySelector("#series-progress .progress-bar");
    if (seriesBar && typeof data.series_percent === "number") {
      setWidth(seriesBar, data.series_percent);
      seriesBar.textContent = data.series_percent >= 10 ? data.series_percent + "%" : "";
      seriesBar.parentElement.setAttribute("aria-valuenow", data.series_percent);
    }
    if (data.completed) {
      document.querySelector("[data-complete-message]").classList.remove("d-none");
      var state = document.getElementById("component-state");
      if (state) {
        var badge = document.createElement("span");
        badge.className = "badge text-bg-success state-badge";
        badge.textContent = document.querySelector("[data-error-message]").dataset.completed || "Completed";
        state.replaceChildren(badge);
      }
      var next = document.querySelector("[data-next-link]");
      if (next) { next.classList.remove("btn-outline-secondary"); next.classList.add("btn-brand"); }
    }
  }

  // The page's words, in its language (templates/courses/components/video.html).
  function messages() {
    return document.querySelector("[data-error-message]").dataset;
  }

  function showError(text) {
    var box = document.querySelector("[data-error-message]");
    box.textContent = text;
    box.classList.remove("d-none");
  }

  function flush() {
    if (inFlight) { flushAgain = true; return; }
    if (current && current[1] > current[0]) {
      pending.push([current[0], current[1]]);
      current = [current[1], current[1]];
    }
    var ranges = pending;
    pending = [];
    inFlight = true;
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      keepalive: true,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken },
      body: JSON.stringify({ watched: ranges, position: video.currentTime })
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      if (result.ok) { show(result.data); } else { showError(result.data.error || messages().unsaved || "Your progress could not be saved."); }
    }).catch(function () {
      pending = ranges.concat(pending);  // keep what was watched; try again on the next beat
      showError(messages().offline || "Connection lost: your progress will be saved when it returns.");
    }).finally(function () {
      inFlight = false;
      if (flushAgain) { flushAgain = false; flush(); }
    });
  }

  window.setInterval(function () { if (!video.paused) { flush(); } }, FLUSH_MS);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { closeCurrent(); flush(); }
  });
}());
