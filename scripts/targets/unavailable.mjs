// An install step that failed because a registry or mirror could not be reached (after retries), as
// opposed to a build or a test that failed. The scripts exit with EX_TEMPFAIL (75) when only such
// errors happened, so that a caller (CI) can tell "try again later" from "this change is broken".

/** A missing tool or runtime that could not be downloaded. */
export class Unavailable extends Error {}

/** The exit code for `errors`: 0 none, 75 only Unavailable ones, 1 otherwise. */
export function exitCode(errors) {
  if (errors.length === 0) return 0
  return errors.every((error) => error instanceof Unavailable) ? 75 : 1
}
