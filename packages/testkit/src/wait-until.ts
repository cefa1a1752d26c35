// Polls a condition until it holds or a bound passes. Tests use it instead of fixed sleeps,
// so they are as fast as the system allows and still fail (with a message) when it never holds.
// The default bound is generous on purpose: it only has to end a broken test, and 10 s (the old
// default) was exceeded by healthy runs on a loaded 2-core machine. Pass timeoutMs only when the
// bound itself proves something (e.g. "before the next poll"), and keep it well below that.
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  { timeoutMs = 60_000, intervalMs = 25, message = 'condition' } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`waitUntil: ${message} did not hold within ${timeoutMs} ms`);
}
