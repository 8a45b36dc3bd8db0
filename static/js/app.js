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

  // A form part that htmx re-renders (a field's live check, the fields that follow the chosen
  // reason) is replaced when the answer comes back. Whatever the person typed there while the
  // request was on its way, and where the cursor was, must survive that swap: otherwise a fast
  // typist, or a slow phone network, silently loses input. The answer echoes what was sent, so
  // only controls changed since the request left are carried over, by name (and value, for
  // check boxes and radio buttons).
  var sentStates = new WeakMap();
  var pendingEdits = new WeakMap();

  function formControls(root) {
    if (!root || !root.querySelectorAll) {
      return [];
    }
    return Array.prototype.filter.call(
      root.querySelectorAll("input, select, textarea"),
      function (control) { return control.name && control.type !== "hidden"; });
  }

  function controlKey(control) {
    if (control.type === "checkbox" || control.type === "radio") {
      return control.name + "\u0000" + control.value;
    }
    return control.name;
  }

  function controlState(control) {
    if (control.type === "checkbox" || control.type === "radio") {
      return control.checked ? "1" : "";
    }
    if (control.multiple && control.options) {
      return Array.prototype.filter.call(control.options, function (o) { return o.selected; })
        .map(function (o) { return o.value; }).join("\u0000");
    }
    return control.value;
  }

  function setControlState(control, state) {
    if (control.type === "checkbox" || control.type === "radio") {
      control.checked = state === "1";
    } else if (control.multiple && control.options) {
      var chosen = state.split("\u0000");
      Array.prototype.forEach.call(control.options, function (o) {
        o.selected = chosen.indexOf(o.value) !== -1;
      });
    } else {
      control.value = state;
    }
  }

  // What ``map`` holds for ``target``, removed from it (each is used by one swap only).
  function take(map, target) {
    var value = target && map.get(target);
    if (value) {
      map.delete(target);
    }
    return value;
  }

  function has(object, key) {
    return Object.prototype.hasOwnProperty.call(object, key);
  }

  function snapshot(root) {
    var states = {};
    formControls(root).forEach(function (control) {
      states[controlKey(control)] = controlState(control);
    });
    return states;
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var target = event.detail.target;
    if (target) {
      sentStates.set(target, snapshot(target));
    }
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    var sent = take(sentStates, target);
    if (!sent) {
      return;
    }
    var now = snapshot(target);
    var edits = {};
    Object.keys(now).forEach(function (key) {
      if (has(sent, key) && sent[key] !== now[key]) {
        edits[key] = now[key];
      }
    });
    var changed = Object.keys(edits).length > 0;
    // A part that only re-renders what was typed (data-resend-if-stale) and whose answer no
    // longer holds a control changed meanwhile would drop that input (the reason's fields,
    // answered for the reason that was chosen when the page loaded): the answer is stale, so it
    // is not used, and the same request goes again with what is in the form now.
    if (changed && target.hasAttribute("data-resend-if-stale") && window.htmx &&
        typeof event.detail.serverResponse === "string") {
      var incoming = document.createElement("template");
      incoming.innerHTML = event.detail.serverResponse;
      var arriving = snapshot(incoming.content);
      var lost = Object.keys(edits).some(function (key) { return !has(arriving, key); });
      if (lost) {
        event.detail.shouldSwap = false;
        var config = event.detail.requestConfig;
        window.htmx.ajax(config.verb.toUpperCase(), config.path,
          {source: event.detail.elt, target: target, swap: "innerHTML"});
        return;
      }
    }
    var active = document.activeElement;
    var focus = null;
    if (active && active.name && target.contains(active)) {
      focus = {key: controlKey(active), start: null, end: null};
      try {
        focus.start = active.selectionStart;
        focus.end = active.selectionEnd;
      } catch (error) {
        // Selects, check boxes and date inputs have no text selection.
      }
    }
    if (changed || focus) {
      pendingEdits.set(target, {edits: edits, focus: focus, id: target.id});
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    var pending = take(pendingEdits, target);
    if (!pending) {
      return;
    }
    var root = target.isConnected ? target : (pending.id && document.getElementById(pending.id));
    if (!root) {
      return;
    }
    var toFocus = null;
    formControls(root).forEach(function (control) {
      var key = controlKey(control);
      if (has(pending.edits, key)) {
        setControlState(control, pending.edits[key]);
      }
      if (pending.focus && pending.focus.key === key && !toFocus) {
        toFocus = control;
      }
    });
    // An error summary in the answer takes focus (above); otherwise the cursor stays put.
    if (toFocus && !root.querySelector("[data-error-summary]")) {
      toFocus.focus();
      if (pending.focus.start !== null) {
        try {
          toFocus.setSelectionRange(pending.focus.start, pending.focus.end);
        } catch (error) {
          // The new control has no text selection.
        }
      }
    }
  });

  document.addEventListener("htmx:sendError", showNetworkError);
  document.addEventListener("htmx:responseError", showNetworkError);
})();
