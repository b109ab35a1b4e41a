/**
 * Which watcher delivers readiness to the event loop in this runtime.
 *
 * Bun's libuv exports are stubs that panic, and Deno's `uv_poll` never fires for an addon's handle
 * (checked with Deno 2.9): both get the watcher thread. `EPOLL_NAPI_WATCHER=thread` forces it (tests).
 */
export function useWatcherThread(): boolean {
  const versions = process.versions as Record<string, string | undefined>
  return versions.bun !== undefined || versions.deno !== undefined || process.env.EPOLL_NAPI_WATCHER === 'thread'
}
