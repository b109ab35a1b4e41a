// The target × runtime table test:targets prints (Markdown, so it can go into the README as is).

/** Formats result rows `{ target, runtime, passed, failed, skipped, seconds }` as a Markdown table. */
export function formatTable(rows) {
  const lines = ['| target | runtime | passed | failed | skipped | time |', '| --- | --- | ---: | ---: | ---: | ---: |']
  for (const row of rows) lines.push(`| ${row.target} | ${row.runtime} | ${row.passed} | ${row.failed} | ${row.skipped} | ${row.seconds ? `${row.seconds.toFixed(0)} s` : '–'} |`)
  return lines.join('\n')
}
