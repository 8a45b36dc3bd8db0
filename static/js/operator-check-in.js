/* Check-in rows are replaced after each tap (htmx); keep keyboard and screen-reader users where
   they were by moving focus to the button now pressed in the new row. Works without this file. */
(function () {
  "use strict";

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!target || !target.id || target.id.indexOf("child-") !== 0) {
      return;
    }
    var row = document.getElementById(target.id);
    if (!row) {
      return;
    }
    var pressed = row.querySelector('.check-in__button[aria-pressed="true"]') || row.querySelector(".check-in__button");
    if (pressed) {
      pressed.focus();
    }
  });
})();
