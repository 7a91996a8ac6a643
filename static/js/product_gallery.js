/* The product page's gallery: the photos lie side by side in a strip that scrolls one photo at a
   time, and each thumbnail links to its photo's anchor (#photo-2), which without this script
   scrolls the strip there (and the page to the strip). The script scrolls only the strip, and
   keeps aria-current on the thumbnail of the photo in view, whether it was tapped or swiped to. */
(function () {
  "use strict";
  var strip = document.querySelector("[data-testid=gallery-main]");
  var thumbs = document.querySelectorAll("[data-testid=gallery-thumbs] a");
  if (!strip || !thumbs.length) return;

  function mark(index) {
    thumbs.forEach(function (thumb, i) {
      if (i === index) thumb.setAttribute("aria-current", "true");
      else thumb.removeAttribute("aria-current");
    });
  }

  thumbs.forEach(function (thumb, index) {
    thumb.addEventListener("click", function (event) {
      event.preventDefault();
      strip.scrollTo({ left: index * strip.clientWidth, top: 0 });  // one photo per strip width
      mark(index);
    });
  });
  var pending = 0;
  strip.addEventListener("scroll", function () {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(function () {
      mark(Math.round(strip.scrollLeft / Math.max(1, strip.clientWidth)));
    });
  });
})();
