// The documentation's code compiles, and what can run runs. Every ```ts block of README.md and every
// ```ts example in the doc comments of index.ts and lib/ (what typedoc shows) becomes a module of its
// own, `import`ing the package by name as a user's file would (the built `index.d.ts`, through a
// node_modules link to this repository: `npm run build:ts` after changing lib/), and the whole set is
// type-checked by one `strict` TypeScript program.
//
// A block that is a fragment says what it assumes, in a prelude put before it:
// - in README.md, HTML comments right before the fence (invisible on GitHub and npm):
//     <!-- prelude: declare const fd: number; declare function serve(fd: number, events: number): void -->
//     <!-- runs -->   (the block, with its prelude, also runs under this Node and must exit 0)
// - in doc comments, where a comment would show in the API reference: DOC_PRELUDES below, keyed by
//   the block's first line. A doc-comment example that imports nothing from the package gets every
//   export of the package imported for it.
// A new block that does not compile fails here with the compiler's messages and its file:line.
import test from 'ava'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import ts from 'typescript'

import { ROOT } from '../helpers/child.js'
import { docCommentBlocks, markdownBlocks, sourceFiles, type CodeBlock } from '../helpers/package/code-blocks.js'
import { scaled } from '../helpers/emulation.js'
import { skipIf } from '../helpers/skip-if.js'

const NODE22 = join(ROOT, 'runtimes', 'node_modules', 'node22', 'bin', 'node')
const NODE24 = join(ROOT, 'runtimes', 'node_modules', 'node24', 'bin', 'node')

/** What the doc-comment examples assume, by their first line. */
const DOC_PRELUDES: Record<string, string> = {
  "import { Epoll, EPOLLIN, EPOLLET, describeEvents } from 'epoll-napi'": 'declare const fd: number',
  'const batch = new MessageBatch(64, { slotSize: 1500, addresses: true })':
    'declare const fd: number\ndeclare function handle(data: Uint8Array, offset: number, length: number): void',
  'setSocketOption(fd, SOL_SOCKET, SO_RCVBUF, 1 << 20)': 'declare const fd: number',
  'const members = new Int32Array(1024)   // the room\'s fds, kept by the server':
    'declare const size: number\ndeclare const message: Buffer\ndeclare function backlogOrHangUp(fd: number, result: number): void',
  'const events = new Uint32Array(2 * 256), lengths = new Int32Array(256)': 'declare const ep: Epoll\ndeclare const listener: number',
}

const blocks: CodeBlock[] = [
  ...markdownBlocks(join(ROOT, 'README.md'), ROOT),
  ...sourceFiles(ROOT).flatMap((file) => docCommentBlocks(file, ROOT, DOC_PRELUDES)),
]
const isDocComment = (block: CodeBlock) => !block.where.startsWith('README.md')

/** `import { Epoll, EPOLLIN, ... } from 'epoll-napi'`: every runtime export, plus the types the preludes use. */
function importEverything(): string {
  const names = Object.keys(require(ROOT) as object).filter((name) => name !== '__esModule' && name !== 'default')
  return `import { ${names.join(', ')} } from 'epoll-napi'\n`
}

/** The module a block becomes: prelude, then the block as printed (the line numbers of errors are the block's). */
function moduleText(block: CodeBlock): string {
  const importsItself = block.code.includes("from 'epoll-napi'")
  const prelude = (isDocComment(block) && !importsItself ? importEverything() : '') + block.prelude
  // one line for the whole prelude, so that a diagnostic's line minus one is the block's line
  return `${prelude.split('\n').join('; ')}\n${block.code}\n`
}

let work: string
const diagnostics = new Map<number, string[]>()

test.before(() => {
  work = mkdtempSync(join(tmpdir(), 'epoll-napi-readme-'))
  mkdirSync(join(work, 'node_modules'))
  symlinkSync(ROOT, join(work, 'node_modules', 'epoll-napi'), 'dir')
  const files = blocks.map((block, i) => {
    const file = join(work, `block-${i}.mts`)
    writeFileSync(file, moduleText(block))
    return file
  })
  const options: ts.CompilerOptions = {
    strict: true,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2023.d.ts', 'lib.esnext.disposable.d.ts'],
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: ['node'],
    typeRoots: [join(ROOT, 'node_modules', '@types')],
    skipLibCheck: true,
    outDir: join(work, 'out'),
  }
  const program = ts.createProgram(files, options)
  program.emit()
  files.forEach((file, i) => {
    const source = program.getSourceFile(file)!
    const found = [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]
    diagnostics.set(
      i,
      found.map((diagnostic) => {
        const { line } = source.getLineAndCharacterOfPosition(diagnostic.start ?? 0)
        const where = line === 0 ? 'prelude' : `block line ${line}`
        return `${where}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`
      }),
    )
  })
})

test.after.always(() => {
  if (work) rmSync(work, { recursive: true, force: true })
})

test('every ```ts fence of README.md and of the doc comments is found, and some blocks run', (t) => {
  const fences = (text: string, fence: RegExp) => text.split('\n').filter((line) => fence.test(line)).length
  const readme = fences(readFileSync(join(ROOT, 'README.md'), 'utf8'), /^```(ts|typescript)\s*$/)
  const docs = sourceFiles(ROOT).reduce((sum, file) => sum + fences(readFileSync(file, 'utf8'), /^\s*\*\s*```(ts|typescript)\s*$/), 0)
  t.is(blocks.filter((block) => !isDocComment(block)).length, readme)
  t.is(blocks.filter(isDocComment).length, docs)
  t.true(readme > 0 && docs > 0)
  t.true(blocks.some((block) => block.runs), 'some block runs')
})

test('every prelude of the doc-comment table belongs to a block (a changed first line needs its entry moved)', (t) => {
  const firstLines = new Set(blocks.filter(isDocComment).map((block) => block.code.split('\n')[0]))
  t.deepEqual(Object.keys(DOC_PRELUDES).filter((line) => !firstLines.has(line)), [])
})

blocks.forEach((block, i) => {
  test(`${block.where} (${block.context}) type-checks with strict against the package`, (t) => {
    t.deepEqual(diagnostics.get(i), [], `${block.where}:\n${block.code}`)
  })
  if (block.runs) {
    test(`${block.where} (${block.context}) runs`, (t) => {
      const result = spawnSync(process.execPath, [join(work, 'out', `block-${i}.mjs`)], {
        cwd: work,
        encoding: 'utf8',
        timeout: scaled(30_000),
      })
      t.is(result.status, 0, result.stderr)
      t.is(result.stderr, '')
    })
  }
})

// The README's word on `using`: Node 24 runs it natively (here through its type stripping, the block
// exactly as printed); Node 22 and 20 reject it, typed or not, so there it must be compiled (tsc,
// esbuild/tsx lower it) or written as try/finally.
const quickStart = blocks.findIndex((block) => block.context === 'Quick start' && block.code.includes('using '))

const missing = (path: string, name: string) => !existsSync(path) && `${name} is not installed in runtimes/ (npm ci installs it)`

skipIf(missing(NODE24, 'Node 24'))('the Quick start uses `using` and runs as printed in Node 24 (type stripping, native `using`)', (t) => {
  t.not(quickStart, -1)
  const file = join(work, 'quick-start.mts')
  writeFileSync(file, blocks[quickStart].code)
  const result = spawnSync(NODE24, [file], { cwd: work, encoding: 'utf8', timeout: scaled(30_000) })
  t.is(result.status, 0, result.stderr)
})

const rejecting: [name: string, node: string, reason: string | false][] = [
  ['Node 22', NODE22, missing(NODE22, 'Node 22')],
  ['Node 20', process.execPath, !process.version.startsWith('v20.') && `this suite runs on Node ${process.version}`],
]
for (const [name, node, reason] of rejecting) {
  skipIf(reason)(`${name} rejects the Quick start's \`using\`, as the README says, even with its types stripped`, (t) => {
    const file = join(work, `quick-start-${name.replace(' ', '')}.mjs`)
    const stripped = ts.transpileModule(blocks[quickStart].code, {
      compilerOptions: { target: ts.ScriptTarget.ESNext, module: ts.ModuleKind.ESNext },
    }).outputText
    t.true(stripped.includes('using ep = new Epoll()'), stripped)
    writeFileSync(file, stripped)
    const result = spawnSync(node, [file], { cwd: work, encoding: 'utf8', timeout: scaled(30_000) })
    t.not(result.status, 0)
    t.regex(result.stderr, /SyntaxError/)
  })
}
