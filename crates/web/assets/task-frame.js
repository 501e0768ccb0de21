// Added to a task page whose FrameHeight is 0 ("fit the content"): tells the work page how
// tall the page is, whenever that changes. The work page trusts nothing else from the frame,
// and only ever sizes the frame the message came from, within bounds.
(function () {
  "use strict";
  var last = 0;
  function report() {
    var h = Math.ceil(document.documentElement.scrollHeight);
    if (h !== last) {
      last = h;
      window.parent.postMessage({ openturkFrameHeight: h }, "*");
    }
  }
  if (window.ResizeObserver) new ResizeObserver(report).observe(document.documentElement);
  window.addEventListener("load", report);
  report();
})();
