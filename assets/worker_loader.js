// The training worker's entry point, started by the page as a classic worker. It loads the
// no-modules glue Trunk builds for the `worker` binary, then the wasm, whose start function
// installs the message handler and posts `Ready`; the page sends nothing before that.
importScripts('./worker.js');
wasm_bindgen({ module_or_path: './worker_bg.wasm' }).catch((error) => {
  console.error(`the training worker could not start: ${error}`);
});
