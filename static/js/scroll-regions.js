/**
 * Regions that scroll (wide tables and charts sideways, the video room's chat down): a keyboard stop only
 * while they do.
 *
 * The server renders each one as a named region that is a keyboard stop:
 *
 *   <div class="table-wrap" role="region" aria-labelledby="…" tabindex="0"><table>…</table></div>
 *
 * so that without this script a keyboard user can still focus it and scroll it with the arrow keys (WCAG
 * 2.1.1; axe-core's scrollable-region-focusable). But a region that fits its screen (most tables on a
 * laptop) has nothing to scroll, and a Tab stop there only lengthens the way through the page. This module
 * removes the stop while the region fits and puts it back when it stops fitting (a narrower window, zoom,
 * a <details> opened around it, longer text), watching the region and its content for size changes. It
 * never takes the stop from a region that has focus.
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
  const regions = [...document.querySelectorAll(SELECTOR)];
  if (regions.length === 0 || !("ResizeObserver" in window)) {
    return; // keep the server's keyboard stops
  }
  const observer = new ResizeObserver((entries) => {
    for (const entry of entries) {
      const region = entry.target.closest(SELECTOR);
      if (region) {
        update(region);
      }
    }
  });
  for (const region of regions) {
    update(region);
    observer.observe(region);
    if (region.firstElementChild) {
      observer.observe(region.firstElementChild);
    }
  }
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", init, { once: true });
} else {
  init();
}
