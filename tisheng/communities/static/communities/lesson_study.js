// Lesson study: a comment's time seeks the video; "use the time playing now" fills the form.
(function () {
  "use strict";
  var video = document.getElementById("lesson-video");
  if (!video) return;
  function mmss(seconds) {
    var s = Math.floor(seconds), m = Math.floor(s / 60);
    var h = Math.floor(m / 60), rest = ("0" + (s % 60)).slice(-2);
    return h ? h + ":" + ("0" + (m % 60)).slice(-2) + ":" + rest : m + ":" + rest;
  }
  document.querySelectorAll("[data-seek]").forEach(function (link) {
    link.textContent = mmss(parseInt(link.getAttribute("data-seek"), 10) || 0);
    link.addEventListener("click", function () {
      video.currentTime = parseInt(link.getAttribute("data-seek"), 10) || 0;
      video.play().catch(function () {});
    });
  });
  var now = document.querySelector("[data-video-now]");
  var field = document.querySelector("[data-video-time]");
  if (now && field) {
    now.addEventListener("click", function () { field.value = mmss(video.currentTime || 0); });
  }
})();
