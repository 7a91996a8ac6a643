/* The header's menu on phones and tablets. It opens and closes without this script (the menu
   button is the label of a CSS checkbox, #site-menu-toggle); the script adds what a menu is
   expected to do besides: Esc closes it (and the Categories list inside it) and puts the focus
   back on the menu button's checkbox, and a tap outside the header closes it. */
(function () {
  "use strict";
  var toggle = document.getElementById("site-menu-toggle");
  var header = document.querySelector(".site-header");
  if (!toggle || !header) return;

  function close() {
    toggle.checked = false;
    var categories = header.querySelector(".site-categories");
    if (categories) categories.open = false;
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || !toggle.checked) return;
    close();
    toggle.focus();
  });
  document.addEventListener("click", function (event) {
    if (toggle.checked && !header.contains(event.target)) close();
  });
})();
