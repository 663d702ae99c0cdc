// Card payment with Stripe.js: the card becomes a token in the browser (the number never reaches us),
// our server charges the amount it decides, and Stripe.js handles 3-D Secure when the bank asks for it.
const form = document.getElementById("card-form");

function text(key) {
  const node = document.querySelector(`#card-messages [data-key="${key}"]`);
  return node ? node.textContent : key;
}

if (form && typeof window.Stripe === "function") {
  const stripe = window.Stripe(form.dataset.publishableKey);
  const card = stripe.elements().create("card", { hidePostalCode: true });
  card.mount("#card-element");
  const button = document.getElementById("card-submit");
  const status = document.getElementById("card-status");
  const error = document.getElementById("card-error");
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;

  const showError = (message) => {
    error.textContent = message;
    error.hidden = false;
    status.textContent = "";
    button.disabled = false;
    button.removeAttribute("aria-busy");
  };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    status.textContent = text("working");
    const tokenResult = await stripe.createToken(card);
    if (!tokenResult || tokenResult.error || !tokenResult.token) {
      showError((tokenResult && tokenResult.error && tokenResult.error.message) || text("failed"));
      return;
    }
    let response;
    let body;
    try {
      response = await fetch(form.action, {
        method: "POST",
        headers: { "X-CSRFToken": csrf, Accept: "application/json" },
        body: new URLSearchParams({ token: tokenResult.token.id }),
        credentials: "same-origin",
      });
      body = await response.json();
    } catch {
      showError(text("network"));
      return;
    }
    if (body.client_secret) {
      // The bank asks the cardholder to authenticate; whatever the outcome, the server reads it again.
      await stripe.confirmCardPayment(body.client_secret);
      window.location.assign(body.next);
      return;
    }
    if (body.status === "succeeded" || body.status === "processing") {
      window.location.assign(body.next);
      return;
    }
    showError(body.message || text("failed"));
  });
}
