// Mobile navigation: on narrow screens the links fold behind the menu button.
(function () {
  "use strict";
  var button = document.querySelector(".nav-toggle");
  var header = document.querySelector(".site-header");
  if (!button || !header) return;

  function setOpen(open) {
    header.classList.toggle("nav-open", open);
    button.setAttribute("aria-expanded", open ? "true" : "false");
  }

  button.addEventListener("click", function () {
    setOpen(button.getAttribute("aria-expanded") !== "true");
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") setOpen(false);
  });
  // Following an in-page link (#features) should reveal the section, not the menu.
  var links = header.querySelectorAll(".site-nav a");
  for (var i = 0; i < links.length; i++) {
    links[i].addEventListener("click", function () {
      setOpen(false);
    });
  }
})();
