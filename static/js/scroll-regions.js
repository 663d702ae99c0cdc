/**
 * Regions that scroll (wide tables and charts sideways, the chats down): a keyboard stop only while they do.
 *
 * The server renders each one as a named region that is a keyboard stop:
 *
 *   <div class="table-wrap" role="region" aria-labelledby="…" tabindex="0"><table>…</table></div>
 *
 * so that without this script a keyboard user can still focus it and scroll it with the arrow keys (WCAG
 * 2.1.1; axe-core's scrollable-region-focusable). But a region that fits its screen (most tables on a
 * laptop) has nothing to scroll, and a Tab stop there only lengthens the way through the page. This module
 * removes the stop while the region fits and puts it back when it stops fitting, never taking it from a
 * region that has focus. It looks again
 *
 * - when a region or its content changes size (a narrower window, zoom, a <details> opened around it),
 * - when its content changes (a chat's messages arrive), at once: before anything else runs on the page,
 *   so a region that has just started to scroll is never, even for one frame, one a key press cannot reach,
 * - and it looks after the regions that come into the page later (a part of a live page fetched again).
 */

const SELECTOR = ".table-wrap, .chart-scroll, .message-scroll";

function update(region) {
  if (region.scrollWidth > region.clientWidth + 1 || region.scrollHeight > region.clientHeight + 1) {
    region.setAttribute("tabindex", "0");
  } else if (document.activeElement !== region) {
    region.removeAttribute("tabindex");
  }
}

function init() {
  if (!("ResizeObserver" in window) || !("MutationObserver" in window)) {
    return; // keep the server's keyboard stops
  }
  const watched = new WeakSet();
  const resized = new ResizeObserver((entries) => {
    for (const entry of entries) {
      const region = entry.target.closest(SELECTOR);
      if (region) {
        update(region);
      }
    }
  });
  const watch = (region) => {
    if (watched.has(region)) {
      return;
    }
    watched.add(region);
    update(region);
    resized.observe(region);
    if (region.firstElementChild) {
      resized.observe(region.firstElementChild);
    }
  };
  const regionsIn = (node) => {
    if (!(node instanceof Element)) {
      return [];
    }
    return node.matches(SELECTOR) ? [node, ...node.querySelectorAll(SELECTOR)] : [...node.querySelectorAll(SELECTOR)];
  };

  document.querySelectorAll(SELECTOR).forEach(watch);
  // Delivered before the next task: nothing on the page meets a region that scrolls and is no keyboard stop.
  new MutationObserver((records) => {
    const changed = new Set();
    for (const record of records) {
      const target = record.target instanceof Element ? record.target : record.target.parentElement;
      const region = target && target.closest(SELECTOR);
      if (region) {
        changed.add(region);
      }
      for (const node of record.addedNodes) {
        regionsIn(node).forEach((added) => changed.add(added));
      }
    }
    for (const region of changed) {
      if (!region.isConnected) {
        continue;
      }
      if (watched.has(region)) {
        update(region);
      } else {
        watch(region);
      }
    }
  }).observe(document.body, { childList: true, subtree: true, characterData: true });
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", init, { once: true });
} else {
  init();
}
