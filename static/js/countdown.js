/**
 * Deadline countdowns (progressive enhancement).
 *
 * Markup rendered by the server (the absolute deadline and an initial
 * remaining-time text are already there without JavaScript):
 *
 *   <time class="countdown" datetime="2025-05-05T17:00:00+08:00"
 *         data-label-days="days" data-label-day="day"
 *         data-label-hours="hours" data-label-hour="hour"
 *         data-label-minutes="minutes" data-label-minute="minute"
 *         data-remaining-template="{time} left"
 *         data-overdue-text="Overdue">
 *     5 May 2025, 5:00 pm
 *     <span class="countdown-remaining">(3 days 4 hours left)</span>
 *   </time>
 *
 * Once a minute this module rewrites the text of .countdown-remaining and
 * adds the class "countdown-overdue" to the <time> when the deadline has
 * passed. All words come from data attributes, so they are translated by
 * the template. Optional attributes:
 *   data-label-day / -hour / -minute  singular unit words (default: plural)
 *   data-remaining-template           "{time}" or "%(time)s" is replaced
 *   data-separator                    between parts (default: " ")
 *
 * It deliberately does not use aria-live: a screen reader should not be
 * interrupted every minute. The template decides about live regions.
 */

const MINUTE_MS = 60 * 1000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

const numberFormat = new Intl.NumberFormat(
  document.documentElement.lang || undefined,
);

function unit(el, count, singularKey, pluralKey) {
  const plural = el.dataset[pluralKey] || "";
  const singular = el.dataset[singularKey] || plural;
  const word = count === 1 ? singular : plural;
  const number = numberFormat.format(count);
  return word ? `${number} ${word}` : number;
}

/**
 * Format a positive duration as days / hours / minutes.
 * Minutes are rounded up so "0 minutes" is never shown before the deadline.
 * Leading zero units are dropped; at most three parts are shown.
 */
export function formatRemaining(el, ms) {
  const totalMinutes = Math.max(1, Math.ceil(ms / MINUTE_MS));
  const days = Math.floor(totalMinutes / (24 * 60));
  const hours = Math.floor((totalMinutes % (24 * 60)) / 60);
  const minutes = totalMinutes % 60;

  const parts = [];
  if (days > 0) {
    parts.push(unit(el, days, "labelDay", "labelDays"));
  }
  if (hours > 0 || days > 0) {
    parts.push(unit(el, hours, "labelHour", "labelHours"));
  }
  parts.push(unit(el, minutes, "labelMinute", "labelMinutes"));

  const separator = el.dataset.separator ?? " ";
  const time = parts.join(separator);
  const template = el.dataset.remainingTemplate;
  if (!template) {
    return time;
  }
  return template.replace(/\{time\}|%\(time\)s/g, time);
}

function parseDeadline(el) {
  const value = el.getAttribute("datetime");
  if (!value) {
    return null;
  }
  // Python's isoformat() may give microseconds; ECMAScript only defines
  // milliseconds, so trim extra fraction digits before parsing.
  const time = Date.parse(value.trim().replace(/(\.\d{3})\d+/, "$1"));
  return Number.isNaN(time) ? null : time;
}

/** Update one countdown. Returns false once it no longer needs updates. */
function update(item, now) {
  const { el, deadline, target } = item;
  const remaining = deadline - now;
  if (remaining <= 0) {
    el.classList.add("countdown-overdue");
    const overdue = el.dataset.overdueText;
    if (overdue && target.textContent !== overdue) {
      target.textContent = overdue;
    }
    return false;
  }
  el.classList.remove("countdown-overdue");
  const text = formatRemaining(el, remaining);
  if (target.textContent !== text) {
    target.textContent = text;
  }
  return true;
}

function init() {
  let items = [];
  for (const el of document.querySelectorAll("time.countdown[datetime]")) {
    const deadline = parseDeadline(el);
    const target = el.querySelector(".countdown-remaining");
    if (deadline === null || !target) {
      continue;
    }
    items.push({ el, deadline, target });
  }
  if (items.length === 0) {
    return;
  }

  let timer = null;

  const tick = () => {
    const now = Date.now();
    items = items.filter((item) => update(item, now));
    if (items.length === 0) {
      return;
    }
    // Schedule the next update just after the next whole minute so all
    // countdowns on the page change together.
    window.clearTimeout(timer);
    timer = window.setTimeout(tick, MINUTE_MS - (now % MINUTE_MS) + 50);
  };

  // Background tabs throttle timers; catch up when the page is shown again.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && items.length > 0) {
      tick();
    }
  });

  tick();
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", init, { once: true });
} else {
  init();
}
