"use strict";
// The summary follows the shipping method chosen (the server's figures, no arithmetic here).
(function () {
  const totals = JSON.parse(document.getElementById("checkout-totals").textContent);
  const shipping = JSON.parse(document.getElementById("checkout-shipping").textContent);
  document.querySelectorAll('input[name="shipping_method"]').forEach((radio) => {
    radio.addEventListener("change", () => {
      if (!radio.checked || !(radio.value in totals)) return;
      document.querySelector('[data-testid="checkout-total"]').textContent = totals[radio.value];
      document.querySelector('[data-testid="checkout-shipping-name"]').textContent = shipping[radio.value][0];
      document.querySelector('[data-testid="checkout-shipping-price"]').textContent = shipping[radio.value][1];
    });
  });
})();
