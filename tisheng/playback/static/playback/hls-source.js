// The lesson's video as HLS (playback/hls.py) on the page's one <video id="player">: hls.js feeds the
// element through Media Source Extensions; without them (older iPhones) Safari plays the playlist itself. The
// heartbeat script (player.js) listens to that element's media events exactly as with a single file,
// so what is credited is decided the same way. Runs before player.js (both deferred, in order).
// When HLS cannot play here (no MSE, or hls.js gives up), the element plays the single file instead.
(function () {
  "use strict";
  var video = document.getElementById("player");
  if (!video || !video.dataset.hls) return;
  var playlist = video.dataset.hls, file = video.dataset.file;

  function singleFile() {
    video.src = file;
    video.load();
  }
  // hls.js where Media Source Extensions are (hls.js's own advice: it also covers browsers whose
  // native HLS is new); the browser's own HLS where they are not (Safari on older iPhones).
  if (!window.Hls || !window.Hls.isSupported()) {
    if (video.canPlayType("application/vnd.apple.mpegurl")) video.src = playlist; else singleFile();
    return;
  }

  // No worker: the site's Content-Security-Policy allows scripts from this site only (no blob: worker).
  var hls = new window.Hls({enableWorker: false, startPosition: -1});
  var networkRetries = 0, mediaRecovered = false;
  hls.on(window.Hls.Events.ERROR, function (_event, data) {
    if (!data.fatal) return;
    if (data.type === window.Hls.ErrorTypes.NETWORK_ERROR && networkRetries < 2) {
      // A segment URL may have expired while the video stood paused: the playlist again signs new ones.
      networkRetries += 1;
      var at = video.currentTime;
      hls.loadSource(playlist);
      hls.startLoad(at);
      return;
    }
    if (data.type === window.Hls.ErrorTypes.MEDIA_ERROR && !mediaRecovered) {
      mediaRecovered = true;
      hls.recoverMediaError();
      return;
    }
    var at2 = video.currentTime;
    hls.destroy();
    video.addEventListener("loadedmetadata", function once() {
      video.removeEventListener("loadedmetadata", once);
      if (at2 > 0) video.currentTime = at2;
    });
    singleFile();
  });
  hls.on(window.Hls.Events.FRAG_LOADED, function () { networkRetries = 0; });
  hls.loadSource(playlist);
  hls.attachMedia(video);
})();
