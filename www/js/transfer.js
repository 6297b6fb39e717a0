// The transfer box: one transfer at a time, with a progress bar (bytes, %, speed), Cancel, and
// optional Pause / Resume (single-file downloads). Texts follow the language switch; focus goes
// to Cancel when a transfer starts and back to the control that started it when it ends.
import { t, live } from "./i18n.js";
import * as fmt from "./format.js";

const $ = (id) => document.getElementById(id);

export class Transfer {
  /**
   * @param {object} o
   * @param {() => string} o.title   heading of the box (re-run after a language switch)
   * @param {boolean} [o.pausable]
   * @param {() => void} [o.onIdle]  called when the transfer has ended (buttons re-enabled)
   * @param {HTMLElement} [o.origin] where focus returns when the transfer ends
   */
  constructor({ title, pausable = false, onIdle, origin }) {
    this.controller = new AbortController();
    this.signal = this.controller.signal;
    this.cancelled = false;
    this.paused = false;
    this.onIdle = onIdle;
    this.origin = origin ?? null;
    this.started = performance.now();
    this.samples = [];
    this.lastPaint = 0;
    this.box = $("transfer");
    this.bar = $("tr-bar");
    this.text = $("tr-text");
    this.cancelBtn = $("tr-cancel");
    this.pauseBtn = $("tr-pause");
    this.resumeBtn = $("tr-resume");
    live($("tr-title"), title);
    this.box.hidden = false;
    this.box.dataset.state = "running";
    this.bar.removeAttribute("value"); // indeterminate until the first figures arrive
    live(this.text, () => "");
    this.cancelBtn.hidden = false;
    this.cancelBtn.disabled = false;
    this.pauseBtn.hidden = !pausable;
    this.resumeBtn.hidden = true;
    this.cancelBtn.onclick = () => this.cancel();
    this.pauseBtn.onclick = () => {
      this.paused = true;
      this.controller.abort();
    };
    // One key press away from stopping it (the buttons that started it are now disabled).
    this.box.scrollIntoView?.({ block: "nearest" });
    this.cancelBtn.focus();
  }

  cancel() {
    this.cancelled = true;
    this.controller.abort();
  }

  /** `approx`: the total is an estimate (a zip's size is only known once it has been produced). */
  progress(loaded, total, approx = false) {
    const now = performance.now();
    this.loaded = loaded;
    this.total = total;
    this.approx = approx;
    this.samples.push([now, loaded]);
    while (this.samples.length > 2 && now - this.samples[0][0] > 3000) this.samples.shift();
    if (now - this.lastPaint < 100) return;
    this.lastPaint = now;
    this.paint(loaded, total, approx);
  }

  speed() {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last[0] - first[0] < 50) {
      const secs = (performance.now() - this.started) / 1000;
      return secs > 0 ? (this.loaded ?? 0) / secs : 0;
    }
    return ((last[1] - first[1]) * 1000) / (last[0] - first[0]);
  }

  paint(loaded, total, approx) {
    const bps = this.speed();
    if (typeof total === "number" && total > 0) {
      let fraction = loaded / total;
      if (approx) fraction = Math.min(fraction, 0.99);
      fraction = Math.min(fraction, 1);
      this.bar.max = 100;
      this.bar.value = Math.round(fraction * 1000) / 10;
      this.box.dataset.percent = String(Math.floor(fraction * 100));
      live(this.text, () =>
        t(approx ? "trProgressApprox" : "trProgress", {
          loaded: fmt.size(loaded),
          total: fmt.size(total),
          pct: fmt.percent(fraction),
          speed: fmt.speed(bps),
        }),
      );
    } else {
      this.bar.removeAttribute("value");
      live(this.text, () => t("trProgressUnknown", { loaded: fmt.size(loaded), speed: fmt.speed(bps) }));
    }
  }

  /** A message under the bar: a function returning the text (re-run after a language switch). */
  message(text) {
    live(this.text, text);
  }

  /** Success: the bar shows 100 %. */
  finish(text) {
    this.bar.max = 100;
    this.bar.value = 100;
    this.box.dataset.percent = "100";
    this.box.dataset.state = "done";
    live(this.text, text);
    this.end();
  }

  /** The bar at the last figures received (progress() paints at most every 100 ms). */
  settle() {
    if (typeof this.loaded === "number") this.paint(this.loaded, this.total, this.approx);
  }

  /** Stopped by Cancel, or failed: the bar stays where it was. */
  stop(state, text) {
    this.settle();
    this.box.dataset.state = state;
    live(this.text, text || (() => ""));
    this.end();
  }

  /** Paused or interrupted with a way to resume: shows the Resume button. */
  suspend(state, text, onResume) {
    this.settle();
    this.box.dataset.state = state;
    live(this.text, text);
    this.cancelBtn.disabled = false;
    this.pauseBtn.hidden = true;
    this.resumeBtn.hidden = false;
    this.resumeBtn.onclick = () => {
      this.resumeBtn.hidden = true;
      onResume();
    };
    this.cancelBtn.onclick = () => {
      this.resumeBtn.hidden = true;
      this.cancelled = true;
      this.stop("cancelled", () => t("trCancelled", { loaded: fmt.size(this.loaded ?? 0) }));
      this.onSuspendCancel?.();
    };
    this.resumeBtn.focus();
    this.onIdle?.();
  }

  end() {
    const hadFocus = this.box.contains(document.activeElement) || document.activeElement === document.body;
    this.cancelBtn.hidden = true;
    this.pauseBtn.hidden = true;
    this.resumeBtn.hidden = true;
    this.onIdle?.();
    // The focused button just disappeared: back to where the user started, or the box's title.
    if (hadFocus || document.activeElement === document.body || !document.activeElement) {
      const o = this.origin;
      if (o?.isConnected && !o.disabled && o.offsetParent !== null) o.focus();
      else $("tr-title").focus();
    }
  }
}
