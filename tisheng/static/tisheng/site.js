// Filters that change what other filters offer (the region decides the school list) apply
// at once; the school chosen for another region is cleared first. Works without it too.
document.addEventListener("change", function (event) {
  var select = event.target;
  if (!select.matches || !select.matches("select[data-autosubmit]")) return;
  var clear = select.getAttribute("data-clears");
  if (clear && select.form.elements[clear]) select.form.elements[clear].value = "";
  select.form.submit();
});
