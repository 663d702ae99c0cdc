// Card payment with Stripe.js: the card becomes a token in the browser (the number never reaches us),
// our server charges the amount it decides, and Stripe.js handles 3-D Secure when the bank asks for it.
const form = document.getElementById("card-form");

// The demo's card form is localstripe's fake Stripe.js: a month box and a year box, and it sends the year
// with "20" put in front of whatever was typed (so "2030" became 202030, which its server answered with
// "Bad request"). Real Stripe.js checks the expiry date itself and exposes no `value`: this does nothing there.
const EXPIRY = /^\s*(\d{1,2})\s*\/\s*(\d{2}|\d{4})\s*$/;

// True when the expiry date reads as MM/YY or MM/YYYY (the year in its box, or both in the month box), and
// then leaves it as the fake server wants it: month and four-digit year.
function demoExpiryIsValid(card) {
  const typed = card.value && card.value.card;
  if (!typed) {
    return true;
  }
  const year = String(typed.exp_year || "").replace(/^20/, "");
  const match = EXPIRY.exec(year ? `${typed.exp_month}/${year}` : String(typed.exp_month || ""));
  const month = match ? Number(match[1]) : 0;
  if (month < 1 || month > 12) {
    return false;
  }
  typed.exp_month = String(month);
  typed.exp_year = match[2].length === 2 ? `20${match[2]}` : match[2];
  return true;
}

// The page's messages, translated, in a <template> (whose content is not part of the document).
function text(key) {
  const messages = document.getElementById("card-messages");
  const node = messages && messages.content.querySelector(`[data-key="${key}"]`);
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
    if (!demoExpiryIsValid(card)) {
      showError(text("expiry"));
      return;
    }
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
