// The work page: counts down to the assignment's deadline, and notices when the task's frame
// has submitted the work. The frame is another site and cannot be trusted to say so, so this
// asks the server for the assignment's state instead of listening to the frame.
// A task frame that fits its content (FrameHeight 0) reports its height; only the frame's own
// window is listened to, and the height is kept within bounds.
(function () {
  "use strict";
  var frame = document.querySelector("iframe.task[data-fit]");
  if (!frame) return;
  window.addEventListener("message", function (e) {
    if (e.source !== frame.contentWindow || !e.data || typeof e.data.openturkFrameHeight !== "number") return;
    var h = Math.max(150, Math.min(20000, Math.ceil(e.data.openturkFrameHeight)));
    frame.style.height = h + "px";
  });
})();

// A QuestionForm's file inputs: a file bigger than its question takes is stopped before it is
// sent, rather than uploaded only to be refused, or, beyond the server's bound, cut off as a
// connection error. The form is `novalidate` (the server's error summary reports everything
// else), so the submit is held here and the browser's own message shown. The server still
// checks every size.
(function () {
  "use strict";
  function bytes(n) {
    return n + (n === 1 ? " byte" : " bytes");
  }
  document.querySelectorAll("input[type=file][data-max-bytes]").forEach(function (input) {
    var max = parseInt(input.getAttribute("data-max-bytes"), 10);
    if (isNaN(max)) return;
    input.addEventListener("change", function () {
      var f = input.files && input.files[0];
      var tooBig = f && f.size > max;
      input.setCustomValidity(tooBig
        ? "The file must be at most " + bytes(max) + " (" + bytes(f.size) + " given); choose a different file."
        : "");
      if (tooBig) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid");
    });
    if (input.form) {
      input.form.addEventListener("submit", function (e) {
        if (!input.validity.customError) return;
        e.preventDefault();
        input.focus();
        input.reportValidity();
      });
    }
  });
})();

(function () {
  "use strict";
  var root = document.getElementById("work");
  if (!root) return;
  var stateUrl = root.getAttribute("data-state-url");
  var left = parseInt(root.getAttribute("data-seconds-left"), 10);
  var shown = document.getElementById("time-left");
  var started = Date.now();

  function text(secs) {
    if (secs <= 0) return "Time is up";
    var h = Math.floor(secs / 3600), m = Math.floor((secs % 3600) / 60), s = secs % 60;
    var mm = (m < 10 ? "0" : "") + m, ss = (s < 10 ? "0" : "") + s;
    return (h > 0 ? h + ":" + mm : m) + ":" + ss + " left";
  }

  function tick() {
    var secs = left - Math.floor((Date.now() - started) / 1000);
    if (shown) shown.textContent = text(secs);
    if (secs <= 0) {
      // The server decides; reloading shows what it says (the time is up, or it was submitted).
      window.location.reload();
      return;
    }
    setTimeout(tick, 1000);
  }

  function poll() {
    fetch(stateUrl, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) {
        if (s && !s.Open) {
          var auto = document.getElementById("auto");
          var next = document.getElementById("next");
          if ((s.AssignmentStatus === "Submitted" || s.AssignmentStatus === "Approved") && auto && auto.checked && next) {
            // Auto-accept: the same form the worker could press, with its CSRF token.
            next.submit();
          } else {
            window.location.reload();
          }
        } else {
          setTimeout(poll, 2000);
        }
      })
      .catch(function () { setTimeout(poll, 5000); });
  }

  if (!isNaN(left)) tick();
  if (stateUrl) setTimeout(poll, 2000);
})();
