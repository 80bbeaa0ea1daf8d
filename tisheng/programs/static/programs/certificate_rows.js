// The program edit page's certificate rows (programs/program_edit.html): "Add a certificate"
// adds a blank row from the page's template (Django's formset empty form, __prefix__ numbered
// and the TOTAL_FORMS count raised); ticking "Remove" greys the row until the page is saved.
// Without scripts the page still has one blank row for a new certificate.
(function () {
  "use strict";

  function init() {
    var template = document.getElementById("certificate-row-template");
    var button = document.querySelector(".certificate-add");
    var rows = document.querySelector(".certificate-rows");
    var total = document.querySelector("input[name='certificates-TOTAL_FORMS']");
    if (!template || !button || !rows || !total) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var n = parseInt(total.value, 10) || 0;
      var holder = document.createElement("div");
      holder.innerHTML = template.innerHTML.replace(/__prefix__/g, String(n));
      var row = holder.firstElementChild;
      rows.appendChild(row);
      total.value = String(n + 1);
      var first = row.querySelector("input[type=text]");
      if (first) first.focus();
    });
    rows.addEventListener("change", function (event) {
      var box = event.target;
      if (box.name && /-DELETE$/.test(box.name)) box.closest(".certificate-row").classList.toggle("removing", box.checked);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
