// Find by photo, enhanced. The shopper's photo appears in a crop box (Cropper.js) preselected on
// the item the server found; moving or redrawing the box searches that part of the photo (the
// browser sends the photo it holds again: the server never keeps it). Category, price and sort
// refine the search through GET /api/search/image/<query_id>/, from the vector the server
// remembered, without uploading again. Without this script the form posts as a plain form.
(function () {
  "use strict";
  const form = document.getElementById("photo-search");
  if (!form || !window.fetch || !window.Cropper || !window.FormData) return;

  const apiUrl = form.dataset.apiUrl;
  const queryUrl = (id) => form.dataset.queryUrl.replace("QUERY_ID", encodeURIComponent(id));
  const csrfToken = form.elements.csrfmiddlewaretoken.value;
  const fileInputs = Array.from(form.querySelectorAll("input[type=file]"));
  const zone = form.querySelector(".dropzone");
  const stage = form.querySelector(".photo-stage");
  const preview = document.getElementById("photo-preview");
  const statusLine = form.querySelector("[data-testid=search-status]");
  const errorBox = form.querySelector("[data-testid=search-error]");
  const boxHint = form.querySelector("[data-testid=box-hint]");
  const results = document.getElementById("results");
  const cardTemplate = document.getElementById("product-card-template");
  const category = form.elements.category;
  const money = new Intl.NumberFormat("en-US", { style: "currency", currency: form.dataset.currency || "USD" });
  const OPTIONS = ["q", "colour", "category", "min_price", "max_price", "sort"];
  // The server's upload limit (IMAGE_UPLOAD_MAX_BYTES, rendered by the page): a larger photo is
  // refused here with the server's own message, without uploading it.
  const maxBytes = Number(form.dataset.uploadMaxBytes) || Infinity;

  let photo = null; // the File the shopper chose, dropped or took
  let cropper = null;
  let cropperReady = false;
  let detectedBox = null; // the server's box for the whole photo, waiting for the cropper
  let shopperBox = null; // "x0,y0,x1,y1" once the shopper has moved or drawn the box
  let queryId = form.elements.query_id.value || null;
  let latest = 0; // answers to older requests are dropped
  let lastKey = null; // the search last sent (or being sent)

  form.classList.add("js");
  form.querySelectorAll("[data-js-only]").forEach((el) => { el.hidden = false; });
  form.querySelectorAll(".picker").forEach((label) => label.setAttribute("role", "button"));

  // --- Choosing a photo -------------------------------------------------------------------

  function usePhoto(file) {
    if (!file) return;
    if (file.size > maxBytes) {
      const size = file.size.toLocaleString("en-US");
      showError(`The file is too large (${size} bytes); the limit is ${form.dataset.uploadMaxBytesText}.`);
      return;
    }
    photo = file;
    lastKey = null;
    shopperBox = null;
    detectedBox = null;
    queryId = null;
    form.elements.box.value = "";
    form.elements.query_id.value = "";
    if (cropper) cropper.destroy();
    cropper = null;
    cropperReady = false;
    if (preview.src) URL.revokeObjectURL(preview.src);
    preview.src = URL.createObjectURL(file);
    stage.hidden = false;
    boxHint.hidden = false;
    cropper = new Cropper(preview, {
      viewMode: 1, // the box stays on the photo
      dragMode: "crop", // dragging outside the box draws a new one
      autoCropArea: 1, // the whole photo until the server has found the item
      checkOrientation: false, // browsers already apply EXIF orientation, as the server does
      zoomable: false,
      rotatable: false,
      scalable: false,
      movable: false,
      guides: false,
      center: false,
      background: false,
      toggleDragModeOnDblclick: false,
      minCropBoxWidth: 24,
      minCropBoxHeight: 24,
      ready() {
        cropperReady = true;
        if (detectedBox) showBox(detectedBox);
      },
      cropend() {
        const box = boxOfCropper();
        if (box && box !== shopperBox) {
          shopperBox = box;
          form.elements.box.value = box;
          search({ refine: false });
        }
      },
    });
    search({ refine: false });
  }

  fileInputs.forEach((input) =>
    input.addEventListener("change", () => {
      if (!input.files.length) return;
      fileInputs.filter((other) => other !== input).forEach((other) => { other.value = ""; });
      usePhoto(input.files[0]);
    }),
  );

  ["dragenter", "dragover"].forEach((type) =>
    zone.addEventListener(type, (event) => {
      event.preventDefault();
      zone.classList.add("over");
    }),
  );
  ["dragleave", "drop"].forEach((type) => zone.addEventListener(type, () => zone.classList.remove("over")));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    const file = event.dataTransfer.files[0];
    if (!file) return;
    try { // keep the form's own field in step, as if the photo had been chosen there
      const files = new DataTransfer();
      files.items.add(file);
      fileInputs[0].files = files.files;
      fileInputs.slice(1).forEach((other) => { other.value = ""; });
    } catch (error) { /* older browsers: the script still holds the photo */ }
    usePhoto(file);
  });
  // A photo dropped next to the zone must not replace the page with the photo.
  ["dragover", "drop"].forEach((type) => window.addEventListener(type, (event) => event.preventDefault()));

  // --- The box --------------------------------------------------------------------------

  function boxOfCropper() {
    const data = cropper.getData();
    const image = cropper.getImageData();
    if (!image.naturalWidth || !image.naturalHeight || !data.width || !data.height) return null;
    const clamp = (v) => Math.min(Math.max(v, 0), 1);
    const box = [
      data.x / image.naturalWidth,
      data.y / image.naturalHeight,
      (data.x + data.width) / image.naturalWidth,
      (data.y + data.height) / image.naturalHeight,
    ];
    return box.map((v) => clamp(v).toFixed(4)).join(",");
  }

  function showBox(box) {
    const image = cropper.getImageData();
    const [x0, y0, x1, y1] = box;
    cropper.setData({
      x: x0 * image.naturalWidth,
      y: y0 * image.naturalHeight,
      width: (x1 - x0) * image.naturalWidth,
      height: (y1 - y0) * image.naturalHeight,
    });
    stage.dataset.box = box.join(","); // what the server found, for tests and curious shoppers
  }

  // --- Searching ------------------------------------------------------------------------

  function options() {
    const params = new URLSearchParams();
    OPTIONS.forEach((name) => {
      const value = form.elements[name].value.trim();
      if (value) params.set(name, value);
    });
    return params;
  }

  async function search({ refine }) {
    // Enter in a price field fires "change" and "submit": one search is enough.
    const key = JSON.stringify([shopperBox, options().toString()]);
    if (key === lastKey) return;
    lastKey = key;
    const mine = ++latest;
    busy(true);
    showError("");
    try {
      let response = null;
      if (refine && queryId) {
        response = await fetch(`${queryUrl(queryId)}?${options()}`, {
          headers: { Accept: "application/json" },
          credentials: "same-origin",
        });
        if (response.status === 404) { // expired: the photo goes again, when the page still has it
          queryId = null;
          if (!photo) {
            if (mine === latest) showError((await response.json()).detail);
            return;
          }
          response = null;
        }
      }
      if (!response) {
        if (!photo) {
          showError("Choose a photo first.");
          return;
        }
        const data = new FormData();
        data.append("image", photo, photo.name || "photo.jpg");
        if (shopperBox) data.append("box", shopperBox);
        options().forEach((value, name) => data.append(name, value));
        response = await fetch(apiUrl, {
          method: "POST",
          body: data,
          headers: { Accept: "application/json", "X-CSRFToken": csrfToken },
          credentials: "same-origin",
        });
      }
      const body = await response.json().catch(() => ({}));
      if (mine !== latest) return;
      if (!response.ok) {
        showError(errorText(body, response.status));
        return;
      }
      queryId = body.query_id;
      form.elements.query_id.value = queryId;
      if (!shopperBox && photo) { // preselect the item the server found in the whole photo
        detectedBox = body.box;
        if (cropperReady) showBox(detectedBox);
      }
      render(body);
    } catch (error) {
      if (mine === latest) showError("The search could not reach the shop. Check your connection and try again.");
    } finally {
      if (mine === latest) busy(false);
    }
  }

  function busy(on) {
    statusLine.hidden = !on;
    results.setAttribute("aria-busy", on ? "true" : "false");
  }

  function showError(message) {
    if (message) lastKey = null; // trying again is worth it
    errorBox.textContent = message || "";
    errorBox.hidden = !message;
  }

  function errorText(body, status) {
    if (body && body.detail) return body.detail;
    const messages = [];
    Object.values(body || {}).forEach((value) => messages.push(...[].concat(value)));
    return messages.length ? messages.join(" ") : `The search failed (HTTP ${status}). Please try again.`;
  }

  // Options chosen before any photo wait for it; afterwards each change refines the search.
  OPTIONS.forEach((name) =>
    form.elements[name].addEventListener("change", () => {
      if (photo || queryId) search({ refine: true });
    }),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    search({ refine: true });
  });

  // --- Results (the markup of shop/partials/product_card.html) ----------------------------

  function searchedIn(searched) {
    if (category.value === "") return searched.length ? searched.map((c) => c.name).join(" and ") : "all categories";
    if (category.value === "all") return "all categories";
    return category.selectedOptions[0].textContent;
  }

  function render(body) {
    const predicted = body.predicted_category;
    const searched = body.searched_categories || [];
    const line = document.createElement("div");
    line.className = "prediction";
    if (searched.length > 1) {
      line.append("Looks like ");
      searched.forEach((c, i) => {
        const name = document.createElement("strong");
        name.textContent = c.name;
        line.append(i ? " or " : "", name, ` (${Math.round(c.probability * 100)}%)`);
      });
      line.append(`: not sure, so showing ${searched.length === 2 ? "both" : "all " + searched.length}. `);
    } else if (predicted) {
      const name = document.createElement("strong");
      name.textContent = predicted.name;
      line.append("Looks like ", name, ` (${Math.round(predicted.probability * 100)}% sure). `);
    }
    line.append(`Showing ${searchedIn(searched)}.`);
    const nodes = [line];
    const close = body.results.find((item) => item.product.id === body.close_match_id);
    if (close) { // outside the categories searched, but very likely the product in the photo
      const note = document.createElement("p");
      note.className = "close-match";
      note.dataset.testid = "close-match";
      const name = document.createElement("strong");
      name.textContent = close.product.name;
      note.append("Also showing ", name, ` (${close.product.category.name}): it matches your photo very closely.`);
      nodes.push(note);
    }
    const count = body.results.length;
    const heading = document.createElement("h2");
    heading.textContent = `${count} matching product${count === 1 ? "" : "s"}`;
    const grid = document.createElement("div");
    grid.className = "product-grid";
    body.results.forEach((item) => grid.append(card(item)));
    if (!count) {
      const none = document.createElement("p");
      none.textContent = "No products match. Try “All categories” or a wider price range.";
      grid.append(none);
    }
    results.replaceChildren(...nodes, heading, grid);
  }

  function card(item) {
    const node = cardTemplate.content.firstElementChild.cloneNode(true);
    const field = (name) => node.querySelector(`[data-field=${name}]`);
    const product = item.product;
    node.classList.add("product-card");
    field("link").href = product.url;
    if (product.image_url) {
      field("image").src = product.image_url;
      field("image").alt = product.name;
    } else {
      const placeholder = document.createElement("div");
      placeholder.className = "thumb-placeholder";
      placeholder.textContent = "No photo";
      field("image").replaceWith(placeholder);
    }
    field("name").textContent = product.name;
    field("price").textContent = money.format(Number(product.price));
    field("category").textContent = product.category.name;
    field("product_id").value = product.id;
    if (product.in_stock === false) {
      const soldOut = document.createElement("span");
      soldOut.className = "badge";
      soldOut.textContent = "Sold out";
      field("add").closest("form").replaceWith(soldOut);
    } else if (product.has_sizes) {
      // Bought in a size: the size is chosen on the product page.
      const choose = document.createElement("a");
      choose.href = `${product.url}#buy`;
      choose.setAttribute("role", "button");
      choose.className = "outline card-choose-size";
      choose.dataset.testid = "card-choose-size";
      choose.textContent = "Choose size";
      choose.setAttribute("aria-label", `Choose a size of ${product.name}`);
      field("add").closest("form").replaceWith(choose);
    } else {
      field("add").setAttribute("aria-label", `Add ${product.name} to cart`);
    }
    const matched = item.score !== null && item.score !== undefined;
    const percent = Math.round(Math.max(matched ? item.score : item.similarity, 0) * 100);
    field("similarity").textContent = `${percent}% match`;
    field("similarity").title = `Match score: better than ${percent}% of the shop's similar items (cosine similarity ${item.similarity.toFixed(3)})`;
    field("similarity_bar").style.width = `${percent}%`;
    return node;
  }
})();
