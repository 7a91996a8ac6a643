/* The search results page: sorting and the in-stock switch apply at once (without this script,
   their forms' buttons do it). */
(function () {
  "use strict";
  document.querySelectorAll("[data-js-hide]").forEach(function (el) { el.hidden = true; });
  var sort = document.querySelector("[data-testid=sort]");
  if (sort) sort.addEventListener("change", function () { sort.form.requestSubmit(); });
  var inStock = document.querySelector("[data-testid=in-stock]");
  if (inStock) inStock.addEventListener("change", function () { inStock.form.requestSubmit(); });
})();
