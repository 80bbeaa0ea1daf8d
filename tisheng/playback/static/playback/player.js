// The lesson player: starts a playback session, records what was actually played, and sends
// it in heartbeats (every heartbeat_seconds and on pause, answered on the page; on a hidden
// page and on leaving through navigator.sendBeacon). The server decides what counts; this only
// reports.
(function () {
  "use strict";
  var video = document.getElementById("player");
  var config = JSON.parse(document.getElementById("player-config").textContent);
  var texts = document.getElementById("player-texts").dataset;
  if (!video) return;
  var csrf = (document.cookie.match(/(?:^|; )csrftoken=([^;]*)/) || [])[1] || "";
  var session = null, seq = 0, timer = null, superseded = false, presenceId = null;
  var played = [], segStart = null, lastTime = 0, lastSent = [];
  // Whether the page was hidden at any time since the last beat: a beat vouches for its whole period.
  var wasHidden = document.visibilityState !== "visible";

  function status(text) { document.getElementById("player-status").textContent = text || ""; }

  function show(answer) {
    if (typeof answer.coverage === "number") {
      document.getElementById("lesson-percent").textContent = Math.floor(answer.coverage * 100);
    }
    if (answer.lesson_complete) {
      var badge = document.getElementById("lesson-state");
      badge.textContent = texts.complete; badge.className = "badge badge-ok";
    }
    if (answer.superseded) { superseded = true; status(texts.superseded); video.pause(); stop(); }
    var box = document.getElementById("presence");
    if (answer.presence_check) {
      presenceId = answer.presence_check.id;
      document.getElementById("presence-question").textContent = answer.presence_check.question;
      box.hidden = false; video.pause();
    }
  }

  // A segment is what played continuously; a jump (seek) closes it.
  function closeSegment(now) {
    if (segStart !== null && now > segStart) played.push([segStart, now]);
    segStart = null;
  }
  video.addEventListener("timeupdate", function () {
    var t = video.currentTime;
    if (!video.paused && segStart !== null && (t < lastTime || t - lastTime > 2 * video.playbackRate + 1)) {
      closeSegment(lastTime); segStart = t;
    } else if (!video.paused && segStart === null) { segStart = t; }
    lastTime = t;
  });
  video.addEventListener("playing", function () { segStart = video.currentTime; lastTime = segStart; });
  video.addEventListener("seeking", function () { closeSegment(lastTime); });
  video.addEventListener("seeked", function () { lastTime = video.currentTime; if (!video.paused) segStart = lastTime; });

  function payload(periodVisible) {
    var t = video.currentTime;
    if (segStart !== null) { closeSegment(t); if (!video.paused) segStart = t; }
    var intervals = played; played = []; lastSent = intervals;
    var visible = periodVisible === undefined ? !wasHidden && document.visibilityState === "visible" : periodVisible;
    wasHidden = document.visibilityState !== "visible";
    seq += 1;
    return JSON.stringify({session: session, seq: seq, intervals: intervals, rate: video.playbackRate,
                           visible: visible, position: t});
  }

  function beat() {
    if (!session || superseded) return;
    if (video.paused && segStart === null && played.length === 0) return;  // nothing to report
    var body = payload(), sent = lastSent;
    // A beat that did not get through is carried again by the next one (the server's union
    // makes a repeat harmless).
    function again() { played = sent.concat(played); }
    fetch(config.heartbeat, {method: "POST", credentials: "same-origin", body: body, keepalive: true,
                             headers: {"Content-Type": "application/json"}})
      .then(function (r) {
        if (r.status >= 500) again();
        if (r.status === 401) { superseded = true; status(texts.loggedout); video.pause(); stop(); }
        return r.ok ? r.json() : null;
      })
      .then(function (answer) { if (answer) show(answer); })
      .catch(again);
  }
  function beacon(periodVisible) {
    if (!session || superseded) return;
    navigator.sendBeacon(config.heartbeat, new Blob([payload(periodVisible)], {type: "text/plain"}));
  }
  function stop() { if (timer) { clearInterval(timer); timer = null; } }

  fetch(config.start, {method: "POST", credentials: "same-origin", headers: {"X-CSRFToken": csrf}})
    .then(function (r) { return r.json().then(function (body) { return {ok: r.ok, body: body}; }); })
    .then(function (started) {
      // Refused (the course is not selected, say): the server's message, and no beats.
      if (!started.ok) { superseded = true; status(started.body.error || ""); video.pause(); return; }
      var s = started.body;
      session = s.session;
      show(s);
      video.addEventListener("loadedmetadata", function () { if (s.resume_at) video.currentTime = s.resume_at; });
      if (video.readyState >= 1 && s.resume_at) video.currentTime = s.resume_at;
      timer = setInterval(beat, s.heartbeat_seconds * 1000);
    });

  // A pause (the end of the video is one) is reported at once and its answer shown: the teacher
  // sees the lesson's progress, and its completion, without waiting for the next beat.
  video.addEventListener("pause", function () { beat(); });
  // Faster playback is allowed up to the program's limit, but earns the time actually spent.
  video.addEventListener("ratechange", function () {
    if (video.playbackRate > config.max_rate) status(texts.rate);
    else if (video.playbackRate > 1) status(texts.faster);
    else status("");
  });
  document.addEventListener("visibilitychange", function () {
    // Report the period that just ended (visible or hidden) before the next one starts.
    if (document.visibilityState !== "visible") beacon(!wasHidden); else beacon(false);
    if (document.visibilityState !== "visible") status(texts.hidden); else if (!superseded) status("");
  });
  window.addEventListener("pagehide", function () { beacon(); });

  document.getElementById("presence-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var answer = document.getElementById("presence-answer").value;
    fetch(config.presence, {method: "POST", credentials: "same-origin",
                            headers: {"X-CSRFToken": csrf, "Content-Type": "application/json"},
                            body: JSON.stringify({session: session, id: presenceId, answer: answer})})
      .then(function (r) { return r.json(); })
      .then(function (r) {
        document.getElementById("presence-error").hidden = r.ok;
        if (r.ok) { document.getElementById("presence").hidden = true; video.play(); }
      });
  });
})();
