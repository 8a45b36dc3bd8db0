/* Household pages: after htmx replaces part of the page, put keyboard focus somewhere sensible
   (the form just opened, the confirmation question, the status message), unless the shell has
   already moved it to an error summary. Every page works without this file. */
(function () {
  "use strict";

  document.addEventListener("htmx:afterSwap", function (event) {
    var root = event.detail.target;
    if (!root || !root.isConnected) {
      root = document;
    } else if (root.closest && root.closest("form")) {
      // A part of a form re-rendered in place (a field's live check, the reason's fields): the
      // person is still filling it in, so focus stays where it is.
      return;
    }
    if (root.querySelector && root.querySelector("[data-error-summary]")) {
      return;
    }
    var target = (root.querySelector && root.querySelector("[data-autofocus]")) ||
      document.querySelector("#household-people [data-autofocus]");
    if (target) {
      target.focus();
    }
  });
})();
