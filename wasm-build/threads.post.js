// Runs inside the module factory, after the runtime. Under Node, the pthread
// pool's worker_threads would keep the process alive after the user's script
// has finished; unref them so Node can exit (Emscripten 3.1.6 does not).
Module['qkvUnrefWorkers'] = function() {
  if (typeof PThread != 'object') return;
  [].concat(PThread.unusedWorkers, PThread.runningWorkers).forEach(function(w) {
    if (w && typeof w.unref == 'function') w.unref();
  });
};
