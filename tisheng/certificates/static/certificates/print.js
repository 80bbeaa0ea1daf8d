// A button that prints the page (the Content-Security-Policy blocks inline onclick handlers).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
