/* The header's search box: suggestions as you type (products, categories, colours), from
   GET /api/search/suggest/?q=, through autoComplete.js (static/vendor/autocomplete/).

   ARIA combobox pattern (1.2): the input is the combobox (aria-expanded, aria-controls,
   aria-activedescendant), the list a listbox of options. Keys: Down/Up move through the
   suggestions, Enter opens the highlighted one (or, with none highlighted, searches the typed
   words: the form's own submit), Esc closes the list (a second Esc clears the box). Requests are
   debounced (150 ms) and an answer that arrives after a newer one was asked for is dropped.
   Without this script the box is a plain GET form to /search/. */
(function () {
  "use strict";
  var form = document.querySelector(".site-search-form");
  if (!form || typeof window.autoComplete !== "function") return;
  var input = form.querySelector("input[name=q]");
  var box = form.closest(".site-search");
  var suggestUrl = form.dataset.suggestUrl;
  var paletteNode = document.getElementById("site-search-palette");
  var palette = paletteNode ? JSON.parse(paletteNode.textContent) : {};
  var KIND_LABELS = { product: "Product", category: "Category", colour: "Colour", query: "Search" };
  var latest = 0;

  function fetchSuggestions(query) {
    var ticket = ++latest;
    var url = suggestUrl + "?" + new URLSearchParams({ q: query }).toString();
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : []; })
      .catch(function () { return []; })
      .then(function (data) {
        // A slower answer to an older query must not replace the newer one's list: it never resolves.
        if (ticket !== latest) return new Promise(function () {});
        var items = Array.isArray(data) ? data : (data && (data.results || data.suggestions)) || [];
        return items.filter(function (s) { return s && s.label && s.url; });
      });
  }

  function escapeHtml(text) {
    var span = document.createElement("span");
    span.textContent = text;
    return span.innerHTML;
  }

  var ac = new window.autoComplete({
    selector: function () { return input; },
    wrapper: false,
    threshold: 2,
    debounce: 150,
    submit: true,
    query: function (value) { return value.trim(); },
    data: { src: fetchSuggestions, keys: ["label"] },
    // The server already chose and ranked the suggestions: show them all, as they are.
    searchEngine: function (query, record) { return escapeHtml(String(record)); },
    resultsList: {
      id: "site-search-suggestions",
      class: "site-search-suggestions",
      destination: function () { return box; },
      position: "beforeend",
      maxResults: 8,
      tabSelect: false,
      noResults: false,
    },
    resultItem: {
      tag: "li",
      id: "site-search-option",
      class: "site-search-option",
      selected: "is-active",
      element: function (item, data) {
        var s = data.value;
        item.dataset.kind = s.kind;
        item.dataset.testid = "suggestion";
        if (s.kind === "colour" && palette[s.label]) {
          var swatch = document.createElement("span");
          swatch.className = "swatch";
          swatch.style.background = palette[s.label];
          swatch.setAttribute("aria-hidden", "true");
          item.prepend(swatch);
        }
        var kind = document.createElement("small");
        kind.className = "kind";
        kind.textContent = KIND_LABELS[s.kind] || "";
        item.append(kind);
      },
    },
  });

  input.addEventListener("init", function () {
    // The list offers choices; it does not complete the typed text inline.
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
  });
  input.setAttribute("aria-autocomplete", "list");
  input.removeAttribute("aria-owns");
  input.removeAttribute("aria-haspopup");

  input.addEventListener("selection", function (event) {
    var picked = event.detail.selection.value;
    var how = event.detail.event;
    if (how && how.preventDefault) how.preventDefault(); // Enter on an option: go there, do not submit
    input.value = picked.kind === "product" ? input.value : picked.label;
    window.location.assign(picked.url);
  });

  // Esc: close the open list and keep the words (autoComplete.js would clear them); with the list
  // closed, Esc clears the box, as a search field does. Runs before the library's own handler.
  form.addEventListener(
    "keydown",
    function (event) {
      if (event.target !== input || event.key !== "Escape") return;
      event.stopPropagation();
      if (ac.isOpen) {
        event.preventDefault();
        ac.close();
      } else if (input.value) {
        event.preventDefault();
        input.value = "";
      }
    },
    true
  );

  // The camera button opens find by photo, carrying the typed words (?q=) only when there are some.
  var camera = form.querySelector(".site-search-camera");
  if (camera) {
    camera.addEventListener("click", function (event) {
      if (input.value.trim()) return;
      event.preventDefault();
      window.location.assign(camera.getAttribute("formaction"));
    });
  }
})();
