// The training worker's entry point, started by the page as a classic worker. Its query names
// the build: `?build=relaxed` loads `worker_relaxed` (matrix products on relaxed SIMD), anything
// else loads `worker` (baseline simd128). It loads the no-modules glue Trunk builds for that
// binary, then the wasm, whose start function installs the message handler and posts `Ready`;
// the page sends nothing before that.
const build = new URLSearchParams(self.location.search).get('build') === 'relaxed'
  ? 'worker_relaxed'
  : 'worker';
importScripts(`./${build}.js`);
wasm_bindgen({ module_or_path: `./${build}_bg.wasm` }).catch((error) => {
  // The page shows a text message as a problem (the protocol's own messages are bytes).
  const hint = build === 'worker_relaxed' ? '; Kernels → simd128 starts the other build' : '';
  const text = `The training worker (${build}) could not start: ${error}${hint}`;
  console.error(text);
  self.postMessage(text);
});
