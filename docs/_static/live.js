// spelled-out live cells: edit and run a micrograd chapter's cells in the page.
//
// The page carries its plan as JSON (#live-plan, written by docs/_ext/live.py): every code
// cell's source, whether it can run here, and why not. Python is Pyodide, loaded from this
// site's own _static/live/ into a Web Worker (live-worker.js) once the page has loaded and
// the browser is idle, or on the first Run; graphs are drawn there too, as SVG text, by
// Graphviz compiled to WebAssembly (@viz-js/viz). Cells share one namespace and run in page order: running a
// cell first runs the cells above it that have not run yet. Reset starts the page afresh.
(() => {
  "use strict";
  const planElement = document.getElementById("live-plan");
  if (!planElement) return;
  const plan = JSON.parse(planElement.textContent);
  const BASE = new URL("live/", document.currentScript.src);
  const OVER_FILE =
    "Live cells need the book served over HTTP: run `make serve` and open the address it prints.";

  const STOPPED =
    "Stopped: Python was ended, with what the page ran; the next Run starts it again.";

  const cells = plan.cells.map((p) => ({
    plan: p,
    element: document.querySelector(`div.cell.live-cell-${p.index}`),
    ran: false,
    editor: null,
    output: null,
    bar: null,
  }));
  let runtime = null; // a promise of {page}, whose run and reset return promises
  let worker = null;
  let ready = false; // Python has started
  let current = null; // the cell running now
  let lastId = 0;
  const pending = new Map(); // message id -> {resolve, reject}
  let busy = false;
  const timings = {}; // milliseconds, for the benchmark: laps since Python's start, *At since navigation

  const make = (tag, className, text) => {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const duration = (ms) => (ms < 1000 ? `${Math.max(1, Math.round(ms))} ms` : `${(ms / 1000).toFixed(1)} s`);

  // --- the runtime ---------------------------------------------------------------------

  // Python runs in a Web Worker (live-worker.js): starting it and running a long cell never
  // freeze the page, and a cell that runs too long is stopped by ending the worker.
  function call(op, args = {}) {
    return new Promise((resolve, reject) => {
      const id = ++lastId;
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, op, ...args });
    });
  }

  function settle({ data }) {
    const waiting = pending.get(data.id);
    if (!waiting) return;
    pending.delete(data.id);
    if (data.error !== undefined) waiting.reject(new Error(data.error));
    else waiting.resolve(data.value);
  }

  // End the worker (and with it Python and everything the page ran); the next Run starts
  // a new one.
  function stopPython(why) {
    if (worker) worker.terminate();
    worker = null;
    runtime = null;
    ready = false;
    for (const { reject } of pending.values()) reject(new Error(why));
    pending.clear();
    for (const cell of cells) cell.ran = false;
  }

  function boot() {
    if (!runtime) {
      timings.startedAt = Math.round(performance.now()); // since the page's navigation
      worker = new Worker(new URL(`../${plan.worker}`, BASE), { type: "module" });
      worker.onmessage = settle;
      worker.onerror = (event) => {
        event.preventDefault();
        stopPython(event.message || "the Python worker failed to load");
      };
      const started = call("start", {
        indexURL: new URL("pyodide/", BASE).href,
        vizURL: new URL("viz/viz-global.js", BASE).href,
        wheels: plan.wheels.map((w) => new URL(`wheels/${w}`, BASE).href),
      });
      runtime = started.then((laps) => {
        Object.assign(timings, laps);
        timings.readyAt = Math.round(performance.now());
        ready = true;
        return {
          page: {
            run: (code, name) => call("run", { code, name }), // the outputs, as an object
            reset: () => call("reset"),
          },
        };
      });
      const failed = runtime;
      runtime.catch(() => {
        if (runtime === failed) stopPython("Python failed to start"); // retried on next Run
      });
    }
    return runtime;
  }

  // Start Python once the page has loaded and the browser is idle, so that a reader's
  // first Run finds it ready (or nearly): the download and start happen while they read,
  // in the worker, off the page's thread. Not over file:// (it cannot work there), not on
  // a page without a live cell, and not when the reader asked the browser to save data.
  function preload() {
    if (location.protocol === "file:" || !cells.some((c) => c.plan.live && c.bar)) return;
    if (navigator.connection && navigator.connection.saveData) return;
    const go = () => {
      if (!runtime) {
        timings.preloaded = true;
        boot().catch(() => {}); // a failure shows on the first Run, which tries again
      }
    };
    if ("requestIdleCallback" in window) requestIdleCallback(go, { timeout: 2000 });
    else setTimeout(go, 500);
  }

  // --- the page ------------------------------------------------------------------------

  function notebookLink() {
    const a = document.querySelector('.dropdown-download-buttons a[href$=".ipynb"]');
    return a ? a.getAttribute("href") : null;
  }

  function setStatus(cell, text, state) {
    const status = cell.bar.querySelector(".live-status");
    status.textContent = text;
    cell.bar.dataset.state = state;
  }

  function source(cell) {
    return cell.editor ? cell.editor.value : cell.plan.source;
  }

  function fit(editor) {
    editor.rows = editor.value.split("\n").length;
  }

  // The rendered code becomes a plain text editor holding the cell's source.
  function openEditor(cell) {
    if (cell.editor) return cell.editor;
    const input = cell.element.querySelector("div.cell_input");
    const shown = input.querySelector("div.highlight");
    const editor = make("textarea", "live-editor");
    editor.value = cell.plan.source;
    editor.spellcheck = false;
    editor.setAttribute("aria-label", `Python source of ${cell.plan.name}`);
    editor.addEventListener("input", () => fit(editor));
    editor.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.shiftKey || event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        run(cell);
      } else if (event.key === "Tab" && !event.shiftKey) {
        event.preventDefault();
        editor.setRangeText("    ", editor.selectionStart, editor.selectionEnd, "end");
      }
    });
    shown.hidden = true;
    shown.after(editor);
    cell.editor = editor;
    cell.shown = shown;
    fit(editor);
    return editor;
  }

  function outputArea(cell) {
    if (!cell.output) {
      const area = make("div", "cell_output docutils container live-output");
      const originals = cell.element.querySelectorAll("div.cell_output");
      originals.forEach((o) => (o.hidden = true));
      (originals.length ? originals[originals.length - 1] : cell.bar).after(area);
      cell.output = area;
    }
    return cell.output;
  }

  function textOutput(kind, text) {
    const box = make("div", `output ${kind} highlight-myst-ansi notranslate`);
    const highlight = make("div", "highlight");
    highlight.appendChild(make("pre", "", text));
    box.appendChild(highlight);
    return box;
  }

  function show(cell, result, note) {
    const area = outputArea(cell);
    const parts = [];
    if (note) parts.push(make("p", "live-note", note));
    for (const out of result.outputs) {
      if (out.type === "dot") {
        const box = make("div", "output live-graph");
        if (out.svg) {
          const svg = new DOMParser().parseFromString(out.svg, "image/svg+xml").documentElement;
          box.appendChild(document.importNode(svg, true));
        } else {
          box.appendChild(make("p", "live-error-line", `Graphviz: ${out.drawError}`));
        }
        parts.push(box);
      } else {
        parts.push(textOutput(out.type === "stream" ? "stream" : "text_plain", out.text));
      }
    }
    if (result.error) {
      const box = make("div", "output live-error");
      box.appendChild(make("p", "live-error-line", result.error.line));
      box.appendChild(make("pre", "live-traceback", result.error.traceback));
      parts.push(box);
    }
    area.replaceChildren(...parts);
    area.hidden = parts.length === 0;
  }

  async function run(cell) {
    if (busy) return;
    if (location.protocol === "file:") {
      setStatus(cell, OVER_FILE, "file");
      return;
    }
    busy = true;
    let pythonReady = false;
    const started = performance.now();
    const editor = openEditor(cell);
    document.body.classList.add("live-started");
    current = cell;
    cell.bar.querySelector(".live-run").textContent = "Stop";
    setStatus(
      cell,
      ready ? "Running…" : "Starting Python in your browser (about 14 MB, once)…",
      "running",
    );
    try {
      const { page } = await boot();
      pythonReady = true;
      let note = "";
      for (const other of cells) {
        if (other === cell) break;
        if (other.ran) continue;
        other.ran = true;
        const code = other.plan.live ? source(other) : other.plan.prelude;
        if (!code.trim()) continue;
        const earlier = await page.run(code, other.plan.name);
        if (earlier.error && other.editor) show(other, earlier);
        if (earlier.error && !note && !other.plan.tags.includes("raises-exception")) {
          note = `While running the cells above in page order, ${other.plan.name} raised ${earlier.error.line}`;
        }
      }
      const ranAt = performance.now();
      const result = await page.run(editor.value, cell.plan.name);
      cell.ran = true;
      const pythonMs = performance.now() - ranAt;
      show(cell, result, note);
      const total = performance.now() - started;
      cell.bar.dataset.pythonMs = pythonMs.toFixed(1);
      cell.bar.dataset.totalMs = total.toFixed(1);
      setStatus(
        cell,
        result.error ? "Raised an error" : `Ran in ${duration(total)}`,
        result.error ? "error" : "done",
      );
    } catch (error) {
      if (error.message === STOPPED) setStatus(cell, STOPPED, "stopped");
      else {
        const what = pythonReady ? "The browser stopped Python" : "Could not start Python";
        setStatus(cell, `${what}: ${error.message || error}`, "failed");
      }
    } finally {
      busy = false;
      current = null;
      cell.bar.querySelector(".live-run").textContent = "Run";
    }
  }

  async function reset() {
    if (busy) return;
    if (runtime) await (await runtime).page.reset();
    for (const cell of cells) {
      cell.ran = false;
      if (cell.editor) {
        cell.shown.hidden = false;
        cell.editor.remove();
        cell.editor = null;
      }
      if (cell.output) {
        cell.output.remove();
        cell.output = null;
        cell.element.querySelectorAll("div.cell_output").forEach((o) => (o.hidden = false));
      }
      if (cell.bar && cell.plan.live) setStatus(cell, "", "idle");
    }
    document.body.classList.remove("live-started");
  }

  function addControls(cell) {
    const input = cell.element && cell.element.querySelector("div.cell_input");
    if (!input) return; // a cell whose code the page does not show still runs in order
    const bar = make("div", "live-bar");
    cell.bar = bar;
    if (cell.plan.live) {
      const runButton = make("button", "live-run", "Run");
      runButton.type = "button";
      runButton.title =
        location.protocol === "file:"
          ? OVER_FILE
          : "Edit and run this cell in your browser (Shift+Enter runs from the editor)";
      runButton.addEventListener("click", () =>
        busy && current === cell ? stopPython(STOPPED) : run(cell),
      );
      const resetButton = make("button", "live-reset", "Reset");
      resetButton.type = "button";
      resetButton.title = "Forget what the page's cells did and restore their code";
      resetButton.addEventListener("click", reset);
      const status = make("span", "live-status");
      status.setAttribute("aria-live", "polite");
      bar.append(status, resetButton, runButton);
      bar.dataset.state = "idle";
    } else {
      const href = notebookLink();
      const mark = make(href ? "a" : "span", "live-offline", "runs in the downloaded notebook");
      if (href) {
        mark.href = href;
        mark.setAttribute("download", href.split("/").pop());
      }
      mark.title = `This cell ${cell.plan.reason}: download the chapter as a notebook (.ipynb) to run it.`;
      bar.append(mark, make("span", "live-reason", `(${cell.plan.reason})`));
      bar.dataset.state = "offline";
    }
    input.after(bar);
  }

  cells.forEach(addControls);
  if (document.readyState === "complete") preload();
  else window.addEventListener("load", preload, { once: true });
  // For the tests and the benchmark (tests/book/test_live.py, bench/live_cells.py).
  window.spelledOutLive = {
    cells,
    run: (i) => run(cells[i]),
    reset,
    stop: () => stopPython(STOPPED),
    python: boot,
    timings,
    workerResources: () => (worker ? call("resources") : Promise.resolve([])),
  };
})();
