/* OpenTurk's Crowd HTML Elements: an offline, dependency-free implementation of the custom
 * elements that MTurk task pages load from https://assets.crowd.aws/crowd-html-elements.js.
 * OpenTurk serves this file at /static/crowd-html-elements-<hash>.js and rewrites task pages'
 * loader to it. Supported elements and attributes: docs/crowd-html-elements.md.
 *
 * The elements render into the light DOM with native controls (labels, fieldsets, radios), so
 * they work by keyboard and with assistive technology. <crowd-form> wraps its content in a
 * <form> and, on submit, posts `assignmentId` and one `taskAnswers` field: the JSON array
 * [ { name: value, ... } ] of every named crowd element and plain named input inside it, as MTurk
 * does.
 */
(function () {
  "use strict";
  if (window.customElements === undefined || customElements.get("crowd-form")) return;

  var SVG = "http://www.w3.org/2000/svg";
  var uid = 0;
  function nextId(prefix) { uid += 1; return "crowd-" + prefix + "-" + uid; }

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === null || v === undefined || v === false) return;
        if (k === "text") e.textContent = v;
        else if (k === "className") e.className = v;
        else e.setAttribute(k, v === true ? "" : String(v));
      });
    }
    (children || []).forEach(function (c) {
      if (c !== null && c !== undefined) e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return e;
  }
  function svgEl(tag, attrs) {
    var e = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, String(attrs[k])); });
    return e;
  }
  function moveChildren(from, to) { while (from.firstChild) to.appendChild(from.firstChild); }

  /* A list attribute: JSON, or the single-quoted form MTurk's examples use: ['A', 'B']. */
  function parseList(text) {
    if (text === null || text === undefined) return [];
    var t = String(text).trim();
    if (t === "") return [];
    try {
      var v = JSON.parse(t);
      if (Array.isArray(v)) return v.map(function (x) { return typeof x === "object" && x !== null ? String(x.label || x.name || "") : String(x); });
    } catch (e) { /* not JSON */ }
    var out = [];
    var re = /'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"/g;
    var m;
    while ((m = re.exec(t)) !== null) {
      out.push((m[1] !== undefined ? m[1] : m[2]).replace(/\\(.)/g, "$1"));
    }
    if (out.length === 0) {
      out = t.replace(/^\[|\]$/g, "").split(",").map(function (s) { return s.trim(); }).filter(Boolean);
    }
    return out;
  }

  /* Runs fn once the element's children are parsed: the loader script comes before
   * <crowd-form>, so elements are upgraded (and connected) while their start tag is parsed. */
  function whenParsed(fn) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fn, { once: true });
    else Promise.resolve().then(fn);
  }

  var CSS = [
    "crowd-form, crowd-classifier, crowd-bounding-box, crowd-instructions, crowd-alert, crowd-input, crowd-text-area { display: block; }",
    ".crowd-root { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; line-height: 1.5; color: #1b1f24; }",
    ".crowd-root :focus-visible, .crowd-stage:focus-visible { outline: 3px solid #f5a623; outline-offset: 2px; }",
    ".crowd-field { display: flex; flex-direction: column; gap: 0.25rem; margin: 0.5rem 0; max-width: 40rem; }",
    ".crowd-field input, .crowd-field textarea { font: inherit; padding: 0.5rem; border: 1px solid #8c959f; border-radius: 4px; }",
    ".crowd-button, .crowd-submit { font: inherit; padding: 0.5rem 1rem; border-radius: 4px; border: 1px solid #0b5cad; background: #fff; color: #0b5cad; cursor: pointer; }",
    ".crowd-button.primary, .crowd-submit { background: #0b5cad; color: #fff; }",
    ".crowd-button:disabled, .crowd-submit:disabled { opacity: 0.6; cursor: not-allowed; }",
    ".crowd-actions { margin: 1rem 0; }",
    ".crowd-alert { border-left: 4px solid #0b5cad; background: #f0f6fc; padding: 0.5rem 0.75rem; margin: 0.5rem 0; display: flex; gap: 0.5rem; align-items: flex-start; }",
    ".crowd-alert.success { border-color: #1a7f37; background: #effbf1; } .crowd-alert.warning { border-color: #9a6700; background: #fff8e5; } .crowd-alert.error { border-color: #b42318; background: #fef3f2; }",
    ".crowd-alert .crowd-alert-body { flex: 1; }",
    ".crowd-layout { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start; }",
    ".crowd-side { flex: 1 1 16rem; min-width: 0; max-width: 100%; }",
    ".crowd-main { flex: 3 1 20rem; min-width: 0; max-width: 100%; }",
    ".crowd-header { font-size: 1.25rem; margin: 0.5rem 0; }",
    ".crowd-target { border: 1px solid #d0d7de; border-radius: 4px; padding: 0.75rem; margin: 0.5rem 0; overflow-wrap: anywhere; }",
    ".crowd-choices { border: 1px solid #d0d7de; border-radius: 4px; padding: 0.5rem 0.75rem; margin: 0.5rem 0; }",
    ".crowd-choices label { display: flex; align-items: center; gap: 0.5rem; padding: 0.25rem 0; cursor: pointer; }",
    ".crowd-choices input { width: 1.1rem; height: 1.1rem; margin: 0; }",
    ".crowd-instructions-panel { border: 1px solid #d0d7de; border-radius: 4px; padding: 0.25rem 0.75rem; margin: 0.5rem 0; }",
    ".crowd-instructions-panel summary { cursor: pointer; color: #0b5cad; padding: 0.25rem 0; }",
    ".crowd-instructions-panel h3 { font-size: 1rem; margin: 0.75rem 0 0.25rem; }",
    ".crowd-stage { position: relative; display: inline-block; max-width: 100%; line-height: 0; touch-action: none; }",
    ".crowd-stage img { display: block; max-width: 100%; height: auto; user-select: none; -webkit-user-drag: none; }",
    ".crowd-stage svg { position: absolute; left: 0; top: 0; width: 100%; height: 100%; cursor: crosshair; }",
    ".crowd-boxes { margin: 0.5rem 0; padding-left: 1.5rem; }",
    ".crowd-boxes li { margin: 0.25rem 0; }",
    ".crowd-swatch { display: inline-block; width: 0.8rem; height: 0.8rem; border: 2px solid; margin-right: 0.4rem; vertical-align: middle; }",
    ".crowd-help { color: #57606a; font-size: 0.875rem; margin: 0.25rem 0; }",
    ".crowd-output { white-space: pre-wrap; background: #f6f8fa; border: 1px solid #d0d7de; padding: 0.5rem; overflow-wrap: anywhere; }",
  ].join("\n");
  function ensureStyle() {
    if (document.getElementById("crowd-html-elements-style")) return;
    var s = el("style", { id: "crowd-html-elements-style", text: CSS });
    (document.head || document.documentElement).appendChild(s);
  }

  /* A crowd element: renders once, after its children are parsed. */
  class CrowdElement extends HTMLElement {
    connectedCallback() {
      if (this._crowdScheduled) return;
      this._crowdScheduled = true;
      var self = this;
      whenParsed(function () {
        if (self._crowdRendered) return;
        self._crowdRendered = true;
        ensureStyle();
        self.classList.add("crowd-root");
        self.render();
      });
    }
    render() {}
    /* The element's answer, under its `name`; undefined means "contributes nothing". */
    get crowdValue() { return undefined; }
  }

  /* The instructions regions shared by crowd-classifier and crowd-bounding-box. */
  function instructionsPanel(host) {
    var side = el("div", { className: "crowd-side" });
    var short = host.querySelector(":scope > short-instructions");
    var full = host.querySelector(":scope > full-instructions");
    if (short) {
      var sh = el("section", { "aria-label": "Instructions" }, [el("h3", { className: "crowd-header", text: "Instructions" })]);
      var body = el("div");
      moveChildren(short, body);
      short.remove();
      sh.appendChild(body);
      side.appendChild(sh);
    }
    if (full) {
      var d = el("details", { className: "crowd-instructions-panel" }, [
        el("summary", { text: "View full instructions" }),
      ]);
      var header = full.getAttribute("header");
      if (header) d.appendChild(el("h3", { text: header }));
      var fb = el("div");
      moveChildren(full, fb);
      full.remove();
      d.appendChild(fb);
      side.appendChild(d);
    }
    return side;
  }

  // ----- crowd-form -----

  function params() {
    try { return new URLSearchParams(window.location.search); } catch (e) { return new URLSearchParams(""); }
  }

  /* Every answer inside `root`, in document order: named crowd elements and plain named inputs
   * (not the controls the crowd elements render for themselves). */
  function collectAnswers(root) {
    var out = {};
    var nodes = root.querySelectorAll("*");
    for (var i = 0; i < nodes.length; i++) {
      var n = nodes[i];
      var tag = n.tagName.toLowerCase();
      if (n.closest("[data-crowd-internal]")) continue;
      if (tag.indexOf("crowd-") === 0) {
        var name = n.getAttribute("name");
        if (!name || !(n instanceof CrowdElement)) continue;
        var v = n.crowdValue;
        if (v !== undefined) out[name] = v;
        continue;
      }
      if (tag !== "input" && tag !== "select" && tag !== "textarea") continue;
      var nm = n.getAttribute("name");
      if (!nm || n.disabled) continue;
      var type = (n.getAttribute("type") || "").toLowerCase();
      if (tag === "input" && ["submit", "button", "reset", "image", "file"].indexOf(type) >= 0) continue;
      if (nm === "assignmentId" || nm === "taskAnswers") continue;
      if (type === "checkbox") out[nm] = { on: n.checked };
      else if (type === "radio") { if (n.checked) out[nm] = n.value; else if (!(nm in out)) out[nm] = ""; }
      else if (tag === "select" && n.multiple) out[nm] = Array.prototype.filter.call(n.options, function (o) { return o.selected; }).map(function (o) { return o.value; });
      else out[nm] = n.value;
    }
    return out;
  }

  class CrowdForm extends CrowdElement {
    render() {
      var p = params();
      var assignmentId = p.get("assignmentId") || "";
      var submitTo = (p.get("turkSubmitTo") || "").replace(/\/+$/, "");
      var form = el("form", { method: "post", className: "crowd-form-form", novalidate: false });
      if (submitTo) form.setAttribute("action", submitTo + "/mturk/externalSubmit");
      moveChildren(this, form);
      form.appendChild(el("input", { type: "hidden", name: "assignmentId", value: assignmentId }));
      this.appendChild(form);
      this.form = form;
      var preview = assignmentId === "ASSIGNMENT_ID_NOT_AVAILABLE";
      var hasSubmit = form.querySelector("button[type=submit], button:not([type]), input[type=submit], crowd-button[form-action=submit]");
      if (!hasSubmit) {
        var b = el("button", { type: "submit", className: "crowd-submit", text: "Submit", disabled: preview });
        form.appendChild(el("div", { className: "crowd-actions", "data-crowd-internal": "" }, [b]));
      }
      if (preview) {
        form.insertBefore(el("p", { className: "crowd-help", "data-crowd-internal": "", text: "This is a preview: accept the HIT to submit your work." }), form.firstChild);
      }
      var self = this;
      // The inner form's own submit event stops here; submit() dispatches a cancelable
      // "submit" on the <crowd-form> itself, where requesters' pages listen
      // (crowdForm.onsubmit = ..., event.preventDefault() to refuse).
      form.addEventListener("submit", function (ev) {
        ev.preventDefault();
        ev.stopPropagation();
        self.submit();
      });
    }
    /* The answers as MTurk's crowd-form posts them: a one-element array of {name: value}. */
    get answers() { return [collectAnswers(this.form || this)]; }
    submit() {
      if (!this.form) return;
      var invalid = null;
      this.querySelectorAll("*").forEach(function (n) {
        if (!invalid && n instanceof CrowdElement && typeof n.validate === "function" && !n.validate()) invalid = n;
      });
      if (invalid) return;
      if (!this.form.reportValidity()) return;
      var answers = JSON.stringify(this.answers);
      var ev = new CustomEvent("submit", { bubbles: true, cancelable: true, detail: { taskAnswers: answers } });
      if (!this.dispatchEvent(ev)) return;
      var action = this.form.getAttribute("action");
      if (!action) {
        // Opened outside a HIT (no turkSubmitTo): show what would be posted, as MTurk's
        // samples do.
        var pre = this.querySelector(".crowd-output");
        if (!pre) {
          pre = el("pre", { className: "crowd-output", "data-crowd-internal": "", role: "status" });
          this.form.appendChild(pre);
        }
        pre.textContent = "taskAnswers: " + answers;
        return;
      }
      var post = el("form", { method: "post", action: action, hidden: true, "data-crowd-internal": "" }, [
        el("input", { type: "hidden", name: "assignmentId", value: this.form.querySelector("input[name=assignmentId]").value }),
        el("input", { type: "hidden", name: "taskAnswers", value: answers }),
      ]);
      post.setAttribute("accept-charset", "utf-8");
      document.body.appendChild(post);
      HTMLFormElement.prototype.submit.call(post);
    }
  }

  // ----- crowd-button -----

  class CrowdButton extends CrowdElement {
    render() {
      var submit = this.getAttribute("form-action") === "submit";
      var b = el("button", {
        type: submit ? "submit" : "button",
        className: "crowd-button" + (this.getAttribute("variant") === "primary" || submit ? " primary" : ""),
        disabled: this.hasAttribute("disabled"),
      });
      moveChildren(this, b);
      if (!b.textContent.trim()) b.textContent = submit ? "Submit" : "Button";
      this.appendChild(b);
      this.button = b;
    }
  }

  // ----- crowd-alert -----

  class CrowdAlert extends CrowdElement {
    render() {
      var type = this.getAttribute("type") || "info";
      var box = el("div", { className: "crowd-alert " + type, role: type === "error" || type === "warning" ? "alert" : "status" });
      var body = el("div", { className: "crowd-alert-body" });
      moveChildren(this, body);
      box.appendChild(body);
      if (this.hasAttribute("dismissible")) {
        var self = this;
        var x = el("button", { type: "button", className: "crowd-button", "aria-label": "Dismiss", text: "×", "data-crowd-internal": "" });
        x.addEventListener("click", function () { self.hidden = true; self.style.display = "none"; });
        box.appendChild(x);
      }
      this.appendChild(box);
    }
  }

  // ----- crowd-instructions -----

  class CrowdInstructions extends CrowdElement {
    render() {
      var d = el("details", { className: "crowd-instructions-panel" }, [
        el("summary", { text: this.getAttribute("link-text") || "Instructions" }),
      ]);
      var title = this.getAttribute("title");
      if (title) d.appendChild(el("h3", { text: title }));
      var sections = [
        ["short-summary", "Summary"],
        ["detailed-instructions", "Detailed instructions"],
        ["positive-example", "Good example"],
        ["negative-example", "Bad example"],
      ];
      var self = this;
      sections.forEach(function (s) {
        self.querySelectorAll(":scope > " + s[0]).forEach(function (region) {
          var sec = el("section", {}, [el("h3", { text: region.getAttribute("header") || s[1] })]);
          var body = el("div");
          moveChildren(region, body);
          region.remove();
          sec.appendChild(body);
          d.appendChild(sec);
        });
      });
      var rest = el("div");
      moveChildren(this, rest);
      if (rest.childNodes.length) d.appendChild(rest);
      if (this.hasAttribute("open") || this.getAttribute("link-type") === "open") d.open = true;
      this.appendChild(d);
    }
  }

  // ----- crowd-input, crowd-text-area -----

  function fieldAttrs(host, control) {
    ["placeholder", "required", "disabled", "readonly", "maxlength", "minlength", "pattern", "autocomplete"].forEach(function (a) {
      if (host.hasAttribute(a)) control.setAttribute(a, host.getAttribute(a));
    });
    if (host.hasAttribute("max-length")) control.setAttribute("maxlength", host.getAttribute("max-length"));
    if (host.hasAttribute("min-length")) control.setAttribute("minlength", host.getAttribute("min-length"));
    if (host.hasAttribute("allowed-pattern")) control.setAttribute("pattern", host.getAttribute("allowed-pattern"));
    if (host.hasAttribute("auto-focus") || host.hasAttribute("autofocus")) setTimeout(function () { control.focus(); }, 0);
  }

  class CrowdInput extends CrowdElement {
    render() {
      var id = nextId("input");
      var type = this.getAttribute("type") || "text";
      var input = el("input", { id: id, type: type, "data-crowd-internal": "" });
      fieldAttrs(this, input);
      if (this.hasAttribute("value")) input.value = this.getAttribute("value");
      var label = this.getAttribute("label") || this.getAttribute("placeholder") || this.getAttribute("name") || "Answer";
      var wrap = el("div", { className: "crowd-field", "data-crowd-internal": "" }, [el("label", { for: id, text: label }), input]);
      this.textContent = "";
      this.appendChild(wrap);
      this.input = input;
    }
    get value() { return this.input ? this.input.value : this.getAttribute("value") || ""; }
    set value(v) { if (this.input) this.input.value = v; else this.setAttribute("value", v); }
    get crowdValue() {
      if (!this.input) return this.value;
      var t = this.input.type;
      if (t === "number" || t === "range") return this.input.value === "" ? "" : Number(this.input.value);
      return this.input.value;
    }
  }

  class CrowdTextArea extends CrowdElement {
    render() {
      var id = nextId("textarea");
      var ta = el("textarea", { id: id, rows: this.getAttribute("rows") || 3, "data-crowd-internal": "" });
      fieldAttrs(this, ta);
      var initial = this.hasAttribute("value") ? this.getAttribute("value") : this.textContent.trim();
      ta.value = initial;
      var label = this.getAttribute("label") || this.getAttribute("placeholder") || this.getAttribute("name") || "Answer";
      var children = [el("label", { for: id, text: label }), ta];
      if (this.hasAttribute("char-counter")) {
        var counter = el("span", { className: "crowd-help", "aria-live": "polite" });
        var max = ta.getAttribute("maxlength");
        var update = function () { counter.textContent = ta.value.length + (max ? " / " + max : "") + " characters"; };
        ta.addEventListener("input", update);
        update();
        children.push(counter);
      }
      this.textContent = "";
      this.appendChild(el("div", { className: "crowd-field", "data-crowd-internal": "" }, children));
      this.input = ta;
    }
    get value() { return this.input ? this.input.value : this.getAttribute("value") || ""; }
    set value(v) { if (this.input) this.input.value = v; else this.setAttribute("value", v); }
    get crowdValue() { return this.value; }
  }

  // ----- crowd-checkbox, crowd-radio-group, crowd-radio-button -----

  class CrowdCheckbox extends CrowdElement {
    render() {
      var input = el("input", { type: "checkbox", "data-crowd-internal": "", required: this.hasAttribute("required"), disabled: this.hasAttribute("disabled") });
      input.checked = this.hasAttribute("checked");
      var label = el("label", { "data-crowd-internal": "" }, [input, " "]);
      moveChildren(this, label);
      if (label.textContent.trim() === "") label.appendChild(document.createTextNode(this.getAttribute("label") || this.getAttribute("name") || ""));
      this.appendChild(label);
      this.input = input;
    }
    get checked() { return this.input ? this.input.checked : this.hasAttribute("checked"); }
    set checked(v) { if (this.input) this.input.checked = !!v; else this.toggleAttribute("checked", !!v); }
    get crowdValue() { return { on: this.checked }; }
  }

  class CrowdRadioGroup extends CrowdElement {
    render() {
      this.setAttribute("role", "radiogroup");
      var label = this.getAttribute("label") || this.getAttribute("aria-label");
      if (label) this.setAttribute("aria-label", label);
      this.groupName = nextId("radio");
      var self = this;
      this.querySelectorAll("crowd-radio-button").forEach(function (b) { b.groupName = self.groupName; if (b.input) b.input.name = self.groupName; });
    }
  }

  class CrowdRadioButton extends CrowdElement {
    render() {
      var group = this.closest("crowd-radio-group");
      var groupName = (group && group.groupName) || this.groupName;
      if (!groupName && group) { group.groupName = group.groupName || nextId("radio"); groupName = group.groupName; }
      var input = el("input", { type: "radio", "data-crowd-internal": "", name: groupName || nextId("radio"), value: this.getAttribute("value") || this.getAttribute("name") || "on", disabled: this.hasAttribute("disabled") });
      input.checked = this.hasAttribute("checked");
      var label = el("label", { "data-crowd-internal": "" }, [input, " "]);
      moveChildren(this, label);
      if (label.textContent.trim() === "") label.appendChild(document.createTextNode(this.getAttribute("label") || this.getAttribute("value") || this.getAttribute("name") || ""));
      this.appendChild(label);
      this.input = input;
    }
    get checked() { return this.input ? this.input.checked : this.hasAttribute("checked"); }
    set checked(v) { if (this.input) this.input.checked = !!v; else this.toggleAttribute("checked", !!v); }
    get crowdValue() { return { on: this.checked }; }
  }

  // ----- crowd-classifier -----

  class CrowdClassifier extends CrowdElement {
    render() {
      var categories = parseList(this.getAttribute("categories"));
      var header = this.getAttribute("header") || "";
      var target = this.querySelector(":scope > classification-target");
      var side = instructionsPanel(this);
      var main = el("div", { className: "crowd-main" });
      var headerId = nextId("header");
      if (header) main.appendChild(el("h2", { className: "crowd-header", id: headerId, text: header }));
      if (target) {
        var t = el("div", { className: "crowd-target" });
        moveChildren(target, t);
        target.remove();
        main.appendChild(t);
      }
      var fs = el("fieldset", { className: "crowd-choices", "data-crowd-internal": "" }, [el("legend", { text: "Choose a category" })]);
      var group = nextId("classifier");
      var self = this;
      this.radios = categories.map(function (c, i) {
        var r = el("input", { type: "radio", name: group, value: c, required: i === 0 && !self.hasAttribute("optional") });
        var key = i < 9 ? String(i + 1) : null;
        var lbl = el("label", {}, [r, c]);
        if (key) lbl.appendChild(el("span", { className: "crowd-help", "aria-hidden": "true", text: " (" + key + ")" }));
        fs.appendChild(lbl);
        return r;
      });
      main.appendChild(fs);
      main.appendChild(el("p", { className: "crowd-help", text: "Keyboard: arrow keys move between categories; number keys 1–9 pick one." }));
      // Anything else the requester put inside stays, after the choices.
      var rest = el("div");
      moveChildren(this, rest);
      if (rest.childNodes.length) main.appendChild(rest);
      this.appendChild(el("div", { className: "crowd-layout" }, [main, side]));
      this.addEventListener("keydown", function (ev) {
        if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
        var tag = ev.target && ev.target.tagName;
        if (tag === "TEXTAREA" || (tag === "INPUT" && ev.target.type !== "radio")) return;
        var n = parseInt(ev.key, 10);
        if (n >= 1 && n <= self.radios.length && n <= 9) {
          self.radios[n - 1].checked = true;
          self.radios[n - 1].focus();
          ev.preventDefault();
        }
      });
    }
    get value() {
      var r = (this.radios || []).filter(function (x) { return x.checked; })[0];
      return r ? r.value : null;
    }
    set value(v) { (this.radios || []).forEach(function (x) { x.checked = x.value === v; }); }
    get crowdValue() { var v = this.value; return v === null ? undefined : { label: v }; }
  }

  // ----- crowd-bounding-box -----

  var COLORS = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#008080", "#9a6324", "#800000", "#000075", "#808000"];

  class CrowdBoundingBox extends CrowdElement {
    render() {
      var self = this;
      this.labels = parseList(this.getAttribute("labels"));
      if (this.labels.length === 0) this.labels = [""];
      this.boxes = [];
      this.imageWidth = 0;
      this.imageHeight = 0;
      this.cursor = { x: 0, y: 0 };
      this.drawing = null;
      var header = this.getAttribute("header") || "";
      var side = instructionsPanel(this);
      var main = el("div", { className: "crowd-main", "data-crowd-internal": "" });
      if (header) main.appendChild(el("h2", { className: "crowd-header", text: header }));

      var fs = el("fieldset", { className: "crowd-choices" }, [el("legend", { text: "Label for new boxes" })]);
      var group = nextId("bblabel");
      this.labelRadios = this.labels.map(function (l, i) {
        var r = el("input", { type: "radio", name: group, value: l });
        if (i === 0) r.checked = true;
        fs.appendChild(el("label", {}, [el("span", { className: "crowd-swatch", style: "border-color:" + COLORS[i % COLORS.length], "aria-hidden": "true" }), r, l || "Box"]));
        return r;
      });
      if (this.labels.length > 1 || this.labels[0]) main.appendChild(fs);

      var helpId = nextId("help");
      var src = this.getAttribute("src") || "";
      var img = el("img", { src: src, alt: header || "Image to annotate", draggable: "false" });
      var svg = svgEl("svg", { "aria-hidden": "true", preserveAspectRatio: "none" });
      var stage = el("div", {
        className: "crowd-stage", tabindex: "0", role: "application",
        "aria-label": "Image for drawing boxes", "aria-describedby": helpId,
      }, [img]);
      stage.appendChild(svg);
      main.appendChild(stage);
      main.appendChild(el("p", { className: "crowd-help", id: helpId, text:
        "Drag on the image to draw a box. Keyboard: focus the image, move the cross with the arrow keys (Shift: 10 pixels), press Enter to start a box and Enter again to finish it, Escape to cancel, Delete to remove the last box." }));
      this.status = el("p", { className: "crowd-help", role: "status", "aria-live": "polite" });
      main.appendChild(this.status);
      this.list = el("ol", { className: "crowd-boxes", "aria-label": "Boxes drawn" });
      main.appendChild(this.list);
      var rest = el("div");
      moveChildren(this, rest);
      if (rest.childNodes.length) main.appendChild(rest);
      this.appendChild(el("div", { className: "crowd-layout" }, [main, side]));
      this.img = img;
      this.svg = svg;
      this.stage = stage;

      var loaded = function () {
        self.imageWidth = img.naturalWidth;
        self.imageHeight = img.naturalHeight;
        svg.setAttribute("viewBox", "0 0 " + self.imageWidth + " " + self.imageHeight);
        self.cursor = { x: Math.round(self.imageWidth / 2), y: Math.round(self.imageHeight / 2) };
        self.loadInitial();
        self.redraw();
      };
      if (img.complete && img.naturalWidth) loaded();
      else img.addEventListener("load", loaded, { once: true });
      img.addEventListener("error", function () { self.status.textContent = "The image could not be loaded."; });

      svg.addEventListener("pointerdown", function (ev) {
        if (ev.button !== 0 || !self.imageWidth) return;
        ev.preventDefault();
        stage.focus();
        try { svg.setPointerCapture(ev.pointerId); } catch (e) { /* not capturable */ }
        var p = self.toImage(ev);
        self.drawing = { x0: p.x, y0: p.y, x1: p.x, y1: p.y, pointer: true };
        self.redraw();
      });
      svg.addEventListener("pointermove", function (ev) {
        if (!self.drawing || !self.drawing.pointer) return;
        var p = self.toImage(ev);
        self.drawing.x1 = p.x;
        self.drawing.y1 = p.y;
        self.redraw();
      });
      var finish = function (ev) {
        if (!self.drawing || !self.drawing.pointer) return;
        var p = self.toImage(ev);
        self.drawing.x1 = p.x;
        self.drawing.y1 = p.y;
        self.finishBox();
      };
      svg.addEventListener("pointerup", finish);
      svg.addEventListener("pointercancel", function () { self.drawing = null; self.redraw(); });
      stage.addEventListener("keydown", function (ev) { self.onKey(ev); });
    }

    loadInitial() {
      var init = this.getAttribute("initial-value");
      if (!init || this._initialLoaded) return;
      this._initialLoaded = true;
      var v;
      try { v = JSON.parse(init); } catch (e) { try { v = JSON.parse(init.replace(/'/g, '"')); } catch (e2) { return; } }
      if (v && !Array.isArray(v) && Array.isArray(v.boundingBoxes)) v = v.boundingBoxes;
      if (!Array.isArray(v)) return;
      var self = this;
      v.forEach(function (b) {
        if (b && isFinite(b.left) && isFinite(b.top) && isFinite(b.width) && isFinite(b.height)) {
          self.boxes.push({ label: String(b.label || self.labels[0]), left: Math.round(b.left), top: Math.round(b.top), width: Math.round(b.width), height: Math.round(b.height) });
        }
      });
      this.renderList();
    }

    currentLabel() {
      var r = (this.labelRadios || []).filter(function (x) { return x.checked; })[0];
      return r ? r.value : this.labels[0];
    }

    toImage(ev) {
      var rect = this.svg.getBoundingClientRect();
      var x = rect.width ? (ev.clientX - rect.left) * this.imageWidth / rect.width : 0;
      var y = rect.height ? (ev.clientY - rect.top) * this.imageHeight / rect.height : 0;
      return { x: Math.max(0, Math.min(this.imageWidth, Math.round(x))), y: Math.max(0, Math.min(this.imageHeight, Math.round(y))) };
    }

    finishBox() {
      var d = this.drawing;
      this.drawing = null;
      var left = Math.min(d.x0, d.x1), top = Math.min(d.y0, d.y1);
      var width = Math.abs(d.x1 - d.x0), height = Math.abs(d.y1 - d.y0);
      if (width < 1 || height < 1) { this.redraw(); return; }
      var box = { label: this.currentLabel(), left: left, top: top, width: width, height: height };
      this.boxes.push(box);
      this.renderList();
      this.redraw();
      this.status.textContent = "Added box " + this.boxes.length + ": " + this.describe(box) + ".";
      this.dispatchEvent(new CustomEvent("crowd-box-added", { bubbles: true, detail: box }));
    }

    describe(b) {
      return (b.label ? b.label + ", " : "") + "left " + b.left + ", top " + b.top + ", " + b.width + " by " + b.height + " pixels";
    }

    removeBox(i) {
      var b = this.boxes.splice(i, 1)[0];
      this.renderList();
      this.redraw();
      if (b) this.status.textContent = "Removed box: " + this.describe(b) + ".";
    }

    onKey(ev) {
      if (!this.imageWidth) return;
      var step = ev.shiftKey ? 10 : 1;
      var c = this.cursor;
      var moved = true;
      switch (ev.key) {
        case "ArrowLeft": c.x -= step; break;
        case "ArrowRight": c.x += step; break;
        case "ArrowUp": c.y -= step; break;
        case "ArrowDown": c.y += step; break;
        default: moved = false;
      }
      if (moved) {
        c.x = Math.max(0, Math.min(this.imageWidth, c.x));
        c.y = Math.max(0, Math.min(this.imageHeight, c.y));
        if (this.drawing) { this.drawing.x1 = c.x; this.drawing.y1 = c.y; }
        ev.preventDefault();
        this.redraw();
        return;
      }
      if (ev.key === "Enter" || ev.key === " ") {
        ev.preventDefault();
        if (this.drawing) {
          this.finishBox();
        } else {
          this.drawing = { x0: c.x, y0: c.y, x1: c.x, y1: c.y, pointer: false };
          this.status.textContent = "Box started at " + c.x + ", " + c.y + ". Move with the arrow keys and press Enter to finish.";
          this.redraw();
        }
      } else if (ev.key === "Escape" && this.drawing) {
        ev.preventDefault();
        this.drawing = null;
        this.status.textContent = "Box cancelled.";
        this.redraw();
      } else if ((ev.key === "Delete" || ev.key === "Backspace") && this.boxes.length) {
        ev.preventDefault();
        this.removeBox(this.boxes.length - 1);
      }
    }

    colorOf(label) {
      var i = this.labels.indexOf(label);
      return COLORS[(i < 0 ? 0 : i) % COLORS.length];
    }

    redraw() {
      var svg = this.svg;
      if (!svg) return;
      while (svg.firstChild) svg.removeChild(svg.firstChild);
      var sw = Math.max(1, Math.round(Math.max(this.imageWidth, this.imageHeight) / 300));
      var self = this;
      this.boxes.forEach(function (b) {
        svg.appendChild(svgEl("rect", { x: b.left, y: b.top, width: b.width, height: b.height, fill: self.colorOf(b.label), "fill-opacity": 0.15, stroke: self.colorOf(b.label), "stroke-width": sw }));
      });
      var d = this.drawing;
      if (d) {
        svg.appendChild(svgEl("rect", { x: Math.min(d.x0, d.x1), y: Math.min(d.y0, d.y1), width: Math.abs(d.x1 - d.x0), height: Math.abs(d.y1 - d.y0), fill: "none", stroke: this.colorOf(this.currentLabel()), "stroke-width": sw, "stroke-dasharray": sw * 4 }));
      }
      if (document.activeElement === this.stage && this.imageWidth) {
        var c = this.cursor, r = sw * 8;
        svg.appendChild(svgEl("path", { d: "M" + (c.x - r) + " " + c.y + "H" + (c.x + r) + "M" + c.x + " " + (c.y - r) + "V" + (c.y + r), stroke: "#000", "stroke-width": sw * 3 }));
        svg.appendChild(svgEl("path", { d: "M" + (c.x - r) + " " + c.y + "H" + (c.x + r) + "M" + c.x + " " + (c.y - r) + "V" + (c.y + r), stroke: "#fff", "stroke-width": sw }));
      }
      if (!this._focusHooked && this.stage) {
        this._focusHooked = true;
        this.stage.addEventListener("focus", function () { self.redraw(); });
        this.stage.addEventListener("blur", function () { self.redraw(); });
      }
    }

    renderList() {
      var self = this;
      this.list.textContent = "";
      this.boxes.forEach(function (b, i) {
        var del = el("button", { type: "button", className: "crowd-button", text: "Remove", "aria-label": "Remove box " + (i + 1) });
        del.addEventListener("click", function () { self.removeBox(i); self.stage.focus(); });
        self.list.appendChild(el("li", {}, [
          el("span", { className: "crowd-swatch", style: "border-color:" + self.colorOf(b.label), "aria-hidden": "true" }),
          self.describe(b) + " ", del,
        ]));
      });
    }

    get value() {
      return {
        boundingBoxes: (this.boxes || []).map(function (b) {
          return { height: b.height, label: b.label, left: b.left, top: b.top, width: b.width };
        }),
        inputImageProperties: { height: this.imageHeight || 0, width: this.imageWidth || 0 },
      };
    }
    get crowdValue() { return this.value; }
  }

  customElements.define("crowd-form", CrowdForm);
  customElements.define("crowd-button", CrowdButton);
  customElements.define("crowd-alert", CrowdAlert);
  customElements.define("crowd-instructions", CrowdInstructions);
  customElements.define("crowd-input", CrowdInput);
  customElements.define("crowd-text-area", CrowdTextArea);
  customElements.define("crowd-checkbox", CrowdCheckbox);
  customElements.define("crowd-radio-group", CrowdRadioGroup);
  customElements.define("crowd-radio-button", CrowdRadioButton);
  customElements.define("crowd-classifier", CrowdClassifier);
  customElements.define("crowd-bounding-box", CrowdBoundingBox);
})();
