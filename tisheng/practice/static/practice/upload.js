// Evidence upload forms (practice/my.html): a file of a type the task does not take, or larger
// than it allows, is refused here, beside its field, before anything is sent, so the chosen file
// and the note stay as they are. The server checks every file again by its content.
(function () {
  "use strict";

  function accepts(accept, file) {
    var name = file.name.toLowerCase();
    return accept.split(",").some(function (token) {
      token = token.trim().toLowerCase();
      if (!token) return false;
      if (token.charAt(0) === ".") return name.slice(-token.length) === token;
      if (token.slice(-2) === "/*") return (file.type || "").indexOf(token.slice(0, -1)) === 0;
      return file.type === token;
    });
  }

  function show(list, input, message) {
    list.textContent = "";
    if (message) {
      var item = document.createElement("li");
      item.textContent = message;
      list.appendChild(item);
    }
    list.hidden = !message;
    input.setAttribute("aria-invalid", message ? "true" : "false");
    input.closest(".field").classList.toggle("field-error", !!message);
  }

  function check(form) {
    var input = form.querySelector("input[type=file]");
    var list = form.querySelector("[data-testid=file-errors]");
    if (!input || !list || !input.files || !input.files.length) return true;
    var file = input.files[0];
    var message = "";
    if (form.dataset.accept && !accepts(form.dataset.accept, file)) {
      message = form.dataset.msgType;
    } else if (Number(form.dataset.maxBytes) && file.size > Number(form.dataset.maxBytes)) {
      message = form.dataset.msgSize;
    } else if (file.size === 0) {
      message = form.dataset.msgEmpty;
    }
    show(list, input, message);
    return !message;
  }

  document.querySelectorAll("form.upload-form").forEach(function (form) {
    var input = form.querySelector("input[type=file]");
    if (input) input.addEventListener("change", function () { check(form); });
    form.addEventListener("submit", function (event) {
      if (!check(form)) {
        event.preventDefault();
        form.querySelector("input[type=file]").focus();
      }
    });
  });
})();
