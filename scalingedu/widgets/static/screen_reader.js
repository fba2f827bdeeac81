// Screen-reader support for one lesson widget (scalingedu.widgets.accessible.ScreenReaderSupport):
// 1. names each slider of the widget: ipywidgets draws the handle (role="slider") without an accessible name,
//    so the handle gets aria-label = the slider's visible label, and aria-valuetext = the visible readout plus the
//    unit (a log slider would otherwise announce its base-10 exponent, "23.76", instead of "5.76e+23 FLOPs");
// 2. announces the widget's state (what the plot now shows, or why it cannot be drawn) in a polite live region,
//    once the controls have stopped moving for a moment, so a held arrow key gives one announcement, not twenty;
// 3. keeps JupyterLab's notebook from taking the keys meant for the widget's controls: without it, an arrow key on
//    a focused drop-down moves to the next cell instead of choosing the next option. Keys pressed on a drop-down,
//    a button or a check box stay with it, except Escape, Tab and combinations with Ctrl, Alt or Meta (so Shift+Enter
//    still runs the cell). Sliders already keep their arrow keys. Jupyter Notebook 7 reads shortcuts before the
//    page does (in the capture phase) and matches them against the focused control itself (selectors such as
//    ".jp-Notebook.jp-mod-commandMode :focus"), so there an arrow key never reached a slider or a drop-down; for
//    each key press on one of the widget's controls, the control itself is marked with Lumino's opt-out
//    (data-lm-suppress-shortcuts) until the key has been handled.
const ROOT = ".scalingedu-lesson-widget";
const CONTROLS = 'select, button, input, [role="slider"]';
const SUPPRESS = "data-lm-suppress-shortcuts";
const SETTLE_MS = 700;

function nameSliders(root, units) {
  for (const slider of root.querySelectorAll(".widget-slider")) {
    const handle = slider.querySelector('[role="slider"]');
    const label = slider.querySelector(".widget-label");
    const name = label ? label.textContent.trim() : "";
    if (!handle || !name) continue;
    if (handle.getAttribute("aria-label") !== name) handle.setAttribute("aria-label", name);
    const readout = slider.querySelector(".widget-readout");
    if (!readout) continue;
    const unit = units[name] || "";
    const text = readout.textContent.trim() + (unit ? " " + unit : "");
    if (text.trim() && handle.getAttribute("aria-valuetext") !== text) handle.setAttribute("aria-valuetext", text);
  }
}

function sharedKey(event) {
  return event.ctrlKey || event.altKey || event.metaKey || event.key === "Escape" || event.key === "Tab" ||
    (event.shiftKey && event.key === "Enter");
}

function keepKeys(event) {
  if (!sharedKey(event) && event.target.matches("select, button, input[type=checkbox]")) event.stopPropagation();
}

function holdShortcuts(event) {
  const control = event.target;
  if (!(control instanceof Element) || sharedKey(event) || !control.matches(CONTROLS) || !control.closest(ROOT)) return;
  if (control.hasAttribute(SUPPRESS)) return;
  control.setAttribute(SUPPRESS, "true");
  setTimeout(() => control.removeAttribute(SUPPRESS), 0);   // after every listener of this key press has run
}

// One listener for the page, whichever widget loads first; registered in the capture phase of the window, which
// runs before any listener on the document.
if (!window.__scalingeduHoldShortcuts) {
  window.__scalingeduHoldShortcuts = true;
  window.addEventListener("keydown", holdShortcuts, true);
}

function render({ model, el }) {
  el.classList.add("scalingedu-screen-reader");
  const status = document.createElement("div");
  status.className = "scalingedu-status";
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  // Visually hidden, still read: the usual clip pattern.
  Object.assign(status.style, {
    position: "absolute", width: "1px", height: "1px", margin: "-1px", padding: "0",
    overflow: "hidden", clip: "rect(0 0 0 0)", whiteSpace: "nowrap", border: "0",
  });
  el.appendChild(status);

  let timer = null;
  const announce = () => {
    clearTimeout(timer);
    timer = setTimeout(() => { status.textContent = model.get("status"); }, SETTLE_MS);
  };
  model.on("change:status", announce);

  // The widget's other views are attached to the page after this one renders: look for the root until it is there.
  let observer = null;
  let tries = 0;
  let searching = null;
  const attach = () => {
    const root = el.closest(ROOT);
    if (!root) {
      if (tries++ < 200) searching = setTimeout(attach, 50);
      return;
    }
    root.setAttribute("data-lm-suppress-shortcuts", "true");      // Lumino's own opt-out, for its shortcuts
    root.addEventListener("keydown", keepKeys);
    const relabel = () => nameSliders(root, model.get("units"));
    relabel();
    observer = new MutationObserver(relabel);
    observer.observe(root, { subtree: true, childList: true, characterData: true, attributes: true,
                             attributeFilter: ["aria-valuetext", "aria-valuenow"] });
    model.on("change:units", relabel);
  };
  attach();

  return () => {
    clearTimeout(timer);
    clearTimeout(searching);
    if (observer) observer.disconnect();
    const root = el.closest(ROOT);
    if (root) root.removeEventListener("keydown", keepKeys);
    model.off("change:status", announce);
  };
}

export default { render };
