/* Small behaviours every page may use, declared with data attributes instead of inline
   handlers (the Content-Security-Policy allows scripts from this site only):
   data-autosubmit    a select that submits its form when changed (the language switch);
   data-confirm="…"   a button that asks first (withdraw, block, cancel);
   data-print         a button that prints the page;
   data-select-on-focus  a read-only field whose text is selected when focused;
   data-copy-target="id" data-copied="…"  a button copying that field's value. */
(function () {
  "use strict";

  document.addEventListener("change", function (event) {
    var select = event.target.closest && event.target.closest("[data-autosubmit]");
    if (select && select.form) select.form.submit();
  });

  document.addEventListener("focusin", function (event) {
    var field = event.target.closest && event.target.closest("[data-select-on-focus]");
    if (field) field.select();
  });

  function copy(button) {
    var field = document.getElementById(button.dataset.copyTarget);
    if (!field) return;
    var done = function () { button.textContent = button.dataset.copied; };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done);
    } else {
      // Plain http: the clipboard API is unavailable; copy the selected text the old way.
      field.select();
      if (document.execCommand("copy")) done();
    }
  }

  // The top menu's dropdowns (<details class="menu-group">): one open at a time, closed by a
  // click elsewhere or by Escape.
  function closeMenus(except) {
    document.querySelectorAll("details.menu-group[open]").forEach(function (group) {
      if (group !== except) group.removeAttribute("open");
    });
  }

  document.addEventListener("click", function (event) {
    if (!event.target.closest) return;
    closeMenus(event.target.closest("details.menu-group"));
    var asking = event.target.closest("[data-confirm]");
    if (asking && !window.confirm(asking.dataset.confirm)) {
      event.preventDefault();
      event.stopImmediatePropagation();
      return;
    }
    if (event.target.closest("[data-print]")) {
      window.print();
      return;
    }
    var copying = event.target.closest("[data-copy-target]");
    if (copying) copy(copying);
  }, true);

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") closeMenus(null);
  });
})();
