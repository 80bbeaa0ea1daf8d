// The lesson player: records what was actually played and sends it in heartbeats (every
// heartbeat_seconds and on pause, answered on the page; on a hidden page and on leaving through
// navigator.sendBeacon). The server decides what counts; this only reports.
//
// It tells the truth about the video: the state shown follows the media events (playing only on
// `playing`, buffering on `waiting`/`stalled`), a video that fails to load says so with a retry
// that goes on where it stopped, and nothing is asked of the server until the video really
// plays: the playback session starts on the first `playing`, and a beat goes only when something
// was played since the last one. Each answer updates the lesson's and the course's progress on
// the page (one course percentage, as the server computes it), so a finished lesson shows
// without a reload.
(function () {
  "use strict";
  var video = document.getElementById("player");
  if (!video) return;
  var config = JSON.parse(document.getElementById("player-config").textContent);
  var texts = document.getElementById("player-texts").dataset;
  var csrf = (document.cookie.match(/(?:^|; )csrftoken=([^;]*)/) || [])[1] || "";
  var session = null, starting = false, seq = 0, timer = null, superseded = false, presenceId = null;
  var played = [], segStart = null, lastTime = 0, lastSent = [];
  var failed = false, resumeAt = config.resume_at || 0, playAfterRetry = false;
  // Whether the page was hidden at any time since the last beat: a beat vouches for its whole period.
  var wasHidden = document.visibilityState !== "visible";

  function byId(id) { return document.getElementById(id); }
  function status(text) { byId("player-status").textContent = text || ""; }
  function mediaState(text, kind) {
    var badge = byId("media-state");
    badge.textContent = text;
    badge.className = "badge" + (kind ? " badge-" + kind : "");
  }

  // --- progress on the page ----------------------------------------------------------------
  // The same rounding as the server's selectors.percent_text: down, "<1" for a begun start.
  function percentText(fraction) {
    var p = Math.max(0, Math.min(100, Math.floor(fraction * 100 + 1e-9)));
    return p === 0 && fraction > 0 ? "<1" : String(p);
  }
  function courseProgress() {
    var total = 0, credited = 0, done = 0;
    config.lessons.forEach(function (l) {
      total += l.duration; credited += Math.min(l.seconds, l.duration); if (l.complete) done += 1;
    });
    byId("course-percent").textContent = percentText(total ? credited / total : 0);
    byId("course-lessons-done").textContent = done;
  }
  function show(answer) {
    var mine = config.lessons.filter(function (l) { return l.id === config.lesson; })[0];
    if (mine && typeof answer.lesson_seconds === "number") mine.seconds = answer.lesson_seconds;
    if (mine && answer.lesson_complete) mine.complete = true;
    var row = document.querySelector('tr[data-lesson="' + config.lesson + '"]');
    if (typeof answer.coverage === "number") {
      var text = percentText(answer.coverage);
      byId("lesson-percent").textContent = text;
      if (row) { var cell = row.querySelector(".lesson-row-percent"); cell.textContent = text; cell.dataset.lessonPercent = text; }
    }
    if (answer.lesson_complete) {
      var badge = byId("lesson-state");
      badge.textContent = texts.complete; badge.className = "badge badge-ok";
      if (row) { var state = row.querySelector(".lesson-row-state"); state.textContent = texts.complete; state.className = "badge badge-ok lesson-row-state"; }
    }
    if (mine) courseProgress();
    if (answer.course_complete) {
      var course = byId("course-state");
      course.textContent = texts.courseComplete; course.className = "badge badge-ok";
    }
    if (answer.superseded) { superseded = true; status(texts.superseded); video.pause(); stop(); }
    var box = byId("presence");
    if (answer.presence_check) {
      presenceId = answer.presence_check.id;
      byId("presence-question").textContent = answer.presence_check.question;
      box.hidden = false; video.pause();
    }
  }

  // --- what was played -----------------------------------------------------------------------
  // A segment is what played continuously; a jump (seek) closes it.
  function closeSegment(now) {
    if (segStart !== null && now > segStart) played.push([segStart, now]);
    segStart = null;
  }
  video.addEventListener("timeupdate", function () {
    var t = video.currentTime;
    if (failed) return;
    if (!video.paused && segStart !== null && (t < lastTime || t - lastTime > 2 * video.playbackRate + 1)) {
      closeSegment(lastTime); segStart = t;
    } else if (!video.paused && segStart === null) { segStart = t; }
    lastTime = t;
  });
  video.addEventListener("seeking", function () { closeSegment(lastTime); });
  video.addEventListener("seeked", function () { lastTime = video.currentTime; if (!video.paused) segStart = lastTime; });

  function somethingPlayed() {
    return played.length > 0 || (segStart !== null && video.currentTime > segStart);
  }
  function payload(periodVisible) {
    var t = failed ? lastTime : video.currentTime;
    if (segStart !== null) { closeSegment(t); if (!video.paused && !failed) segStart = t; }
    var intervals = played; played = []; lastSent = intervals;
    var visible = periodVisible === undefined ? !wasHidden && document.visibilityState === "visible" : periodVisible;
    wasHidden = document.visibilityState !== "visible";
    seq += 1;
    return JSON.stringify({session: session, seq: seq, intervals: intervals, rate: video.playbackRate,
                           visible: visible, position: t});
  }

  // --- the server: start on the first real play, then beats ----------------------------------
  function beat() {
    if (!session || superseded || !somethingPlayed()) return;  // nothing played: nothing to ask for
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
    if (!session || superseded || !somethingPlayed()) return;
    navigator.sendBeacon(config.heartbeat, new Blob([payload(periodVisible)], {type: "text/plain"}));
  }
  function stop() { if (timer) { clearInterval(timer); timer = null; } }

  function start() {
    if (session || starting || superseded) return;
    starting = true;
    fetch(config.start, {method: "POST", credentials: "same-origin", headers: {"X-CSRFToken": csrf}})
      .then(function (r) { return r.json().then(function (body) { return {ok: r.ok, body: body}; }); })
      .then(function (started) {
        starting = false;
        // Refused (the course is not selected, say): the server's message, and no beats.
        if (!started.ok) { superseded = true; status(started.body.error || ""); video.pause(); return; }
        session = started.body.session;
        show(started.body);
        timer = setInterval(beat, started.body.heartbeat_seconds * 1000);
      })
      .catch(function () { starting = false; status(texts.startFailed); });
  }

  // --- the media's own state -----------------------------------------------------------------
  function seekToResume() {
    if (resumeAt > 0 && resumeAt < (video.duration || Infinity)) video.currentTime = resumeAt;
    resumeAt = 0;
  }
  video.addEventListener("loadedmetadata", function () {
    seekToResume();
    if (playAfterRetry) { playAfterRetry = false; video.play().catch(function () {}); }
    else if (video.paused && !failed) mediaState(lastTime > 0 ? texts.paused : texts.ready);
  });
  video.addEventListener("canplay", function () {
    if (video.paused && !failed && !video.ended) mediaState(lastTime > 0 ? texts.paused : texts.ready);
  });
  video.addEventListener("playing", function () {
    if (failed) return;
    segStart = video.currentTime; lastTime = segStart;
    mediaState(texts.playing, "ok");
    if (!superseded) status("");
    start();
  });
  video.addEventListener("waiting", function () { if (!failed) mediaState(texts.buffering, "warn"); });
  // `stalled` also fires while enough is buffered to go on: only a real shortage is buffering.
  video.addEventListener("stalled", function () {
    if (!video.paused && !failed && video.readyState < 3) mediaState(texts.buffering, "warn");
  });
  // A pause (the end of the video is one) is reported at once and its answer shown: the teacher
  // sees the lesson's progress, and its completion, without waiting for the next beat.
  video.addEventListener("pause", function () {
    if (!failed) mediaState(video.ended ? texts.ended : texts.paused);
    beat();
  });
  video.addEventListener("error", function () {
    var error = video.error;
    if (!error) return;
    // What played before the failure is still reported; from now on nothing is.
    closeSegment(lastTime);
    beat();
    failed = true;
    resumeAt = lastTime || resumeAt;
    var reasons = {1: texts.errAborted, 2: texts.errNetwork, 3: texts.errDecode, 4: texts.errSource};
    byId("media-error-reason").textContent = reasons[error.code] || texts.errSource;
    byId("media-error").hidden = false;
    mediaState(texts.failed, "warn");
  });
  byId("media-retry").addEventListener("click", function () {
    failed = false;
    byId("media-error").hidden = true;
    mediaState(texts.loading);
    playAfterRetry = true;
    video.load();  // the same source again; loadedmetadata then seeks to where it stopped and plays
  });
  if (video.readyState >= 1) seekToResume();
  if (video.error) video.dispatchEvent(new Event("error"));  // failed before this script ran
  else if (video.readyState >= 3) mediaState(texts.ready);

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

  byId("presence-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var answer = byId("presence-answer").value;
    fetch(config.presence, {method: "POST", credentials: "same-origin",
                            headers: {"X-CSRFToken": csrf, "Content-Type": "application/json"},
                            body: JSON.stringify({session: session, id: presenceId, answer: answer})})
      .then(function (r) { return r.json(); })
      .then(function (r) {
        byId("presence-error").hidden = r.ok;
        if (r.ok) { byId("presence").hidden = true; video.play(); }
      });
  });
})();
