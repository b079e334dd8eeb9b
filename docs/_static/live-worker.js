// spelled-out live cells: Python (Pyodide) in a Web Worker, so the page never freezes.
//
// live.js starts this worker as a module worker and talks to it with messages
// {id, op, ...}; each gets one reply {id, value} or {id, error}. Ops: "start" (load Pyodide
// and the wheels, import the kernel; replies with timings), "run" (a cell's source and
// name; replies with its outputs, graphs drawn as SVG by Graphviz here), "reset", and "resources" (what this worker
// downloaded, for the benchmark: a worker's requests are not in the page's timeline).
// A cell that runs too long is stopped by terminating the worker.
"use strict";

let page = null; // a promise of the kernel's Page
const timings = {};

// After its first start in this browser, Python starts from a copy of its memory taken
// right after that start (a Pyodide memory snapshot), kept in the site's Cache Storage:
// this skips the interpreter's own start-up, most of the time to ready on later pages.
// The snapshot holds no files (the standard library and the wheels are set up again on
// every start) and is tied to this Pyodide build: one that does not load is thrown away.
const SNAPSHOTS = "spelled-out-live-python";

async function startPython(loadPyodide, indexURL) {
  const key = new URL("memory-snapshot", indexURL).href;
  let cache = null;
  try {
    cache = await caches.open(SNAPSHOTS);
    const kept = await cache.match(key);
    if (kept) {
      const snapshot = new Uint8Array(await kept.arrayBuffer());
      try {
        const pyodide = await loadPyodide({ indexURL, packages: [], _loadSnapshot: snapshot });
        timings.snapshot = "used";
        return pyodide;
      } catch {
        await cache.delete(key);
      }
    }
  } catch {
    cache = null; // no Cache Storage here (say, a private window): start the long way
  }
  if (!cache) return loadPyodide({ indexURL, packages: [] });
  const pyodide = await loadPyodide({ indexURL, packages: [], _makeSnapshot: true });
  // Stored while this page goes on (not awaited); if it fails (a full disk, say), the
  // next page starts the long way and tries again.
  cache.put(key, new Response(pyodide.makeMemorySnapshot())).catch(() => {});
  timings.snapshot = "made";
  return pyodide;
}

// Graphviz compiled to WebAssembly. viz-global.js is a browser script, not a module, but
// imported as one it still sets globalThis.Viz.
let viz = null; // a promise of a Viz instance
function drawer(vizURL) {
  viz ??= import(vizURL).then(() => self.Viz.instance());
  return viz;
}

// The cell's outputs (the kernel's JSON), each graph's DOT source drawn as SVG text.
async function drawn(json) {
  const result = JSON.parse(json);
  for (const out of result.outputs) {
    if (out.type !== "dot") continue;
    try {
      out.svg = (await drawer()).renderString(out.text, { format: "svg" });
    } catch (error) {
      out.drawError = String((error && error.message) || error);
    }
  }
  return result;
}

async function start({ indexURL, vizURL, wheels }) {
  const t0 = performance.now();
  drawer(vizURL).catch(() => {}); // loads beside Python; a failure shows on the first graph
  const lap = (name) => (timings[name] = Math.round(performance.now() - t0));
  const { loadPyodide } = await import(new URL("pyodide.mjs", indexURL).href);
  // The wheels download while Python starts; Pyodide compiles its WebAssembly as it
  // streams in (WebAssembly.instantiateStreaming), which lets Chromium cache the compiled
  // code for the next page. No packages are loaded: the cells need only the standard
  // library and our own pure-Python wheels.
  const [pyodide, archives] = await Promise.all([
    startPython(loadPyodide, indexURL).then((p) => (lap("pyodide"), p)),
    Promise.all(
      wheels.map(async (url) => {
        const response = await fetch(url);
        if (!response.ok) throw new Error(`could not load ${url}: HTTP ${response.status}`);
        return response.arrayBuffer();
      }),
    ),
  ]);
  for (const archive of archives) pyodide.unpackArchive(archive, "wheel");
  pyodide.runPython("import importlib; importlib.invalidate_caches()");
  lap("wheels");
  const kernel = pyodide.pyimport("live_kernel");
  // graphviz (and the modules it imports) is the same for every cell: importing it now
  // keeps that work out of the reader's first Run. micrograd is imported by the cells.
  pyodide.runPython("import graphviz");
  lap("kernel");
  return kernel.Page();
}

self.onmessage = async ({ data }) => {
  const { id, op } = data;
  try {
    let value = null;
    if (op === "start") {
      page ??= start(data);
      await page;
      value = timings;
    } else if (op === "run") {
      value = await drawn((await page).run(data.code, data.name));
    } else if (op === "reset") {
      (await page).reset();
    } else if (op === "resources") {
      value = performance
        .getEntriesByType("resource")
        .map((r) => ({ name: r.name, transferSize: r.transferSize, decodedBodySize: r.decodedBodySize }));
    } else {
      throw new Error(`unknown op ${op}`);
    }
    self.postMessage({ id, value });
  } catch (error) {
    self.postMessage({ id, error: String((error && error.message) || error) });
  }
};
