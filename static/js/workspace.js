// Keyboard shortcuts of the manager's workspace: N takes the next order, 1 reached,
// 2 no answer, 3 callback (puts the cursor in the time input), 4 refused (opens the reason),
// R returns the order to the queue. Keys are read by their physical position (event.code),
// so they work with the Russian layout too, and never while the manager is typing.
(function () {
  "use strict";

  var CLICK = {
    KeyN: '[data-shortcut="take"]',
    Digit1: '[data-shortcut="1"]',
    Numpad1: '[data-shortcut="1"]',
    Digit2: '[data-shortcut="2"]',
    Numpad2: '[data-shortcut="2"]',
    KeyR: '[data-shortcut="release"]',
  };
  var FOCUS = {
    Digit3: "[data-callback-input]",
    Numpad3: "[data-callback-input]",
    Digit4: "[data-reason-input]",
    Numpad4: "[data-reason-input]",
  };

  function isTyping(element) {
    if (!element || !element.tagName) return false;
    var tag = element.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || element.isContentEditable;
  }

  function click(selector) {
    var button = document.querySelector(selector);
    if (button && !button.disabled) button.click();
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (isTyping(target)) {
      // Enter in the callback time or the refusal reason means "this outcome".
      if (event.key === "Enter" && target.matches("[data-callback-input]")) {
        event.preventDefault();
        click('[data-shortcut="3"]');
      } else if (event.key === "Enter" && target.matches("[data-reason-input]")) {
        event.preventDefault();
        click('[data-shortcut="4"]');
      }
      return;
    }
    if (CLICK[event.code]) {
      event.preventDefault();
      click(CLICK[event.code]);
    } else if (FOCUS[event.code]) {
      var input = document.querySelector(FOCUS[event.code]);
      if (input) {
        event.preventDefault();
        input.focus();
      }
    }
  });
})();
