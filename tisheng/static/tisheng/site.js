// Filters that change what other filters offer (the region decides the school list) apply
// at once; the school chosen for another region is cleared first. Works without it too.
document.addEventListener("change", function (event) {
  var select = event.target;
  if (!select.matches || !select.matches("select[data-autosubmit]")) return;
  var clear = select.getAttribute("data-clears");
  if (clear && select.form.elements[clear]) select.form.elements[clear].value = "";
  select.form.submit();
});

// Behaviours pages used to carry as inline scripts, which the Content-Security-Policy
// (script-src 'self') no longer runs: each acts only where its markup is.

// Review queues: "select all on this page" ticks every row; a button with data-confirm asks first.
document.querySelectorAll("[data-select-all]").forEach(function (box) {
  box.addEventListener("change", function () {
    box.form.querySelectorAll("input[name=ids]").forEach(function (row) { row.checked = box.checked; });
  });
});
document.querySelectorAll("button[data-confirm]").forEach(function (button) {
  button.addEventListener("click", function (event) {
    if (!window.confirm(button.getAttribute("data-confirm"))) event.preventDefault();
  });
});

// Certificate verification: a scanned QR code opens /verify/<number>#<signed summary>; the part
// after "#" never reaches the server, so the page compares it here with what was issued.
(function () {
  var box = document.querySelector("[data-testid=qr-match]");
  var scanned = window.location.hash.slice(1);
  if (!box || !scanned) return;
  var same = scanned === box.getAttribute("data-signed");
  box.textContent = box.getAttribute(same ? "data-match" : "data-mismatch");
  if (!same) box.classList.add("errorlist");
  box.hidden = false;
})();

// Bars whose length is data (a style="" attribute would be blocked): data-percent sets the width.
document.querySelectorAll("[data-percent]").forEach(function (bar) {
  bar.style.width = Math.max(0, Math.min(100, parseFloat(bar.getAttribute("data-percent")) || 0)) + "%";
});

// Phones: the navigation folds behind its menu button (site.css shows the button on narrow
// screens only; nojs.css unfolds the list when scripts do not run). Escape closes it again.
(function () {
  var toggle = document.querySelector(".nav-toggle");
  if (!toggle) return;
  function set(open) { toggle.setAttribute("aria-expanded", open ? "true" : "false"); }
  toggle.addEventListener("click", function () { set(toggle.getAttribute("aria-expanded") !== "true"); });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && toggle.getAttribute("aria-expanded") === "true") { set(false); toggle.focus(); }
  });
})();

// A checkbox alone in a table cell (a row to pick) is ticked by a tap anywhere in its cell, so
// the target is the cell, not the 20 px box (phones; it does no harm with a mouse).
document.addEventListener("click", function (event) {
  var target = event.target;
  if (!target.closest || target.closest("a, button, input, select, textarea, label")) return;
  var cell = target.closest("td, th");
  if (!cell || cell.children.length !== 1 || !cell.firstElementChild.matches("input[type=checkbox]")) return;
  cell.firstElementChild.click();
});
