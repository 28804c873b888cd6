/**
 * Loaded before Prism: it must not look for code blocks in the page by itself (its
 * automatic highlighting writes HTML into elements); the diff view asks it for tokens only.
 */
const scope = globalThis as { Prism?: { manual?: boolean; disableWorkerMessageHandler?: boolean } };
scope.Prism = { ...scope.Prism, manual: true, disableWorkerMessageHandler: true };

export {};
