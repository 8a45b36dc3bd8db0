/* Small progressive enhancements; every page works without this file. Loaded as a file so the
   content security policy can forbid inline scripts. */
(function () {
  "use strict";

  // Move focus to a form's error summary so screen readers announce it and keyboard users
  // start from the list of links to the fields at fault (GOV.UK error summary pattern).
  function focusErrorSummary(root) {
    var summary = (root || document).querySelector("[data-error-summary]");
    if (summary) {
      summary.focus();
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusErrorSummary(document);
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    focusErrorSummary(event.detail.target);
  });

  // A failed htmx request otherwise fails silently: say so where messages are announced.
  function showNetworkError() {
    var area = document.getElementById("messages");
    var text = document.body.getAttribute("data-network-error");
    if (!area || !text) {
      return;
    }
    var box = document.createElement("div");
    box.className = "message message--error";
    box.setAttribute("role", "alert");
    var paragraph = document.createElement("p");
    paragraph.textContent = text;
    box.appendChild(paragraph);
    area.appendChild(box);
  }

  document.addEventListener("htmx:sendError", showNetworkError);
  document.addEventListener("htmx:responseError", showNetworkError);
})();
