// Preloaded (node --import) into a CLI child process by test/downloads.test.ts: the CLI's
// downloads go to the test's loopback server instead of the official hosts, path and all.
const base = process.env.CLASSIFIER_TEST_REDIRECT;
if (base) {
  const realFetch = globalThis.fetch;
  globalThis.fetch = (input, init) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? String(input) : input.url);
    return realFetch(new URL(url.pathname.slice(1), base), init);
  };
}
