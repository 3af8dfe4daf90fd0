// Root hooks for every mocha run. The leak check lives in test/helpers (see fake-browser).
export {};
