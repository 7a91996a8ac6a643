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

  // While the strip scrolls to a tapped photo, the photos it passes on the way are not "in view".
  var target = null;
  thumbs.forEach(function (thumb, index) {
    thumb.addEventListener("click", function (event) {
      event.preventDefault();
      target = index;
      setTimeout(function () { target = null; }, 1000);  // a swipe that interrupts it counts again
      mark(index);
      strip.scrollTo({ left: index * strip.clientWidth, top: 0 });  // one photo per strip width
    });
  });
  var pending = 0;
  strip.addEventListener("scroll", function () {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(function () {
      var shown = Math.round(strip.scrollLeft / Math.max(1, strip.clientWidth));
      if (target !== null && shown !== target) return;  // still on its way
      target = null;
      mark(shown);
    });
  });
})();
