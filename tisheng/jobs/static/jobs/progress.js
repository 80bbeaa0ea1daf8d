// A job's progress bar: polls the job's JSON status once a second and moves the bar; when the
// job has finished, reloads the page so the server shows the outcome. No framework needed.
(function () {
  function poll(box) {
    var url = box.getAttribute("data-job-status-url");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        box.querySelector("progress").value = data.percent;
        ["state_label", "done", "total"].forEach(function (f) {
          var el = box.querySelector('[data-job-field="' + f + '"]');
          if (el) el.textContent = data[f];
        });
        if (data.finished) {
          if (box.hasAttribute("data-job-reload-when-done")) window.location.reload();
        } else {
          setTimeout(function () { poll(box); }, 1000);
        }
      })
      .catch(function () { setTimeout(function () { poll(box); }, 3000); });
  }
  function start() {
    document.querySelectorAll("[data-job-status-url]").forEach(function (box) {
      if (box.getAttribute("data-job-polling")) return;
      box.setAttribute("data-job-polling", "1");
      if (box.getAttribute("data-job-state") === "queued" || box.getAttribute("data-job-state") === "running") poll(box);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
