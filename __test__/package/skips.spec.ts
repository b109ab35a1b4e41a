/**
 * A skipped test must say so: ava's own skip (`skipIf`/`testIf` in helpers/skip-if.ts call `test.skip`)
 * with the reason in its title, decided before the test runs. A test that finds out inside that it
 * cannot run and then calls `t.pass()` (or logs and returns) reports a skip as a pass; this spec reads
 * every spec and fails on each such place.
 */
import test from 'ava'
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'

const TESTS = join(__dirname, '..')

/** One place in a spec that reports a skip as something else. */
interface Finding {
  line: number
  why: string
  text: string
}

/**
 * The places in `source` where a test skips itself from inside: `t.pass()` right before a `return` or
 * returned, `t.pass(reason)`, `t.pass()` after a `t.log()`, a `t.log()` that says "skip", and a skip not
 * made by the helper (`test.skip` written out, which need not carry a reason in its title).
 */
function skipsReportedAsPasses(source: string): Finding[] {
  const lines = source.split('\n')
  const code = (i: number) => lines[i].replace(/\/\/.*$/, '').trim()
  const next = (i: number) => {
    for (let j = i + 1; j < lines.length; j++) if (code(j) !== '') return code(j)
    return ''
  }
  const previous = (i: number, count: number) => {
    const found: string[] = []
    for (let j = i - 1; j >= 0 && found.length < count; j--) if (code(j) !== '') found.push(code(j))
    return found
  }
  const findings: Finding[] = []
  lines.forEach((_, i) => {
    const text = code(i)
    const add = (why: string) => findings.push({ line: i + 1, why, text })
    if (/\bt\.pass\(/.test(text)) {
      if (/\breturn\s+t\.pass\(/.test(text)) add('returns t.pass()')
      else if (/^return\b/.test(next(i))) add('t.pass() then return')
      else if (/\bt\.pass\(\s*[^)\s]/.test(text)) add('t.pass() with a reason')
      else if (previous(i, 3).some((line) => /\bt\.log\(/.test(line))) add('t.log() then t.pass()')
    }
    if (/\bt\.log\(.*\bskip/i.test(text)) add('a skip told by t.log()')
    if (/\btest(\.serial)?\.skip\b/.test(text)) add('test.skip written out: declare it through skipIf/testIf, which put the reason in the title')
  })
  return findings
}

function specFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : specFiles(path)
    return entry.name.endsWith('.spec.ts') ? [path] : []
  })
}

test('the check finds every way a test skips itself from inside, and leaves real passes alone', (t) => {
  const pass = 't.pass'
  const found = (lines: string[]) => skipsReportedAsPasses(lines.join('\n')).map(({ line, why }) => `${line}: ${why}`)
  t.deepEqual(found(['  if (!ok) {', "    t.log('no IPv6 here')", `    ${pass}()`, '    return', '  }']), ['3: t.pass() then return'])
  t.deepEqual(found(['  } catch {', `    return ${pass}('readelf is not installed')`, '  }']), ['2: returns t.pass()'])
  t.deepEqual(found(['  closeAll(fd)', "  t.log('a CAN socket exists, but no vcan interface')", `  ${pass}()`, '})']), ['3: t.log() then t.pass()'])
  t.deepEqual(found([`  if (!ok) ${pass}('nothing to compare with')`]), ['1: t.pass() with a reason'])
  t.deepEqual(found(["    t.log(`skipped: no CAN support (${code})`)", '    return']), ['1: a skip told by t.log()'])
  t.deepEqual(found([";(ok ? test : test.skip)('IPv6 literals work', (t) => {"]), ['1: test.skip written out: declare it through skipIf/testIf, which put the reason in the title'])
  // A test whose last step is waiting for something has nothing else to assert: that is a pass.
  t.deepEqual(found(["  await once(client, 'close')", `  ${pass}()`, '})']), [])
  t.deepEqual(found(["  t.log(`${ops} operations in ${ms} ms`)", '  t.true(ops > 0)']), [])
  t.deepEqual(found(["skipIf(reason)('IPv6 literals work', (t) => {"]), [])
})

test('no spec reports a skip as a pass: every skip is ava’s own, with the reason in the title', (t) => {
  const files = specFiles(TESTS).filter((file) => file !== __filename)
  t.true(files.length >= 50, `${files.length} spec files found under ${TESTS}`)
  const findings = files.flatMap((file) =>
    skipsReportedAsPasses(readFileSync(file, 'utf8')).map(({ line, why, text }) => `${relative(TESTS, file)}:${line}: ${why}: ${text}`),
  )
  t.deepEqual(findings, [], findings.join('\n'))
})
