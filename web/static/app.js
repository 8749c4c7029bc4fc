// airtight dashboard: progressive enhancements only; every page works without
// this script. Loaded from /static (the Content-Security-Policy allows no
// inline script).
"use strict";

// Forms with data-confirm ask before submitting (e.g. revoking a grant).
document.addEventListener("submit", function (ev) {
  var form = ev.target;
  var msg = form && form.getAttribute && form.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) {
    ev.preventDefault();
  }
});

// Filter drop-downs on the device list apply at once.
document.addEventListener("change", function (ev) {
  var el = ev.target;
  if (el && el.tagName === "SELECT" && el.form && el.form.classList.contains("filters")) {
    el.form.submit();
  }
});
