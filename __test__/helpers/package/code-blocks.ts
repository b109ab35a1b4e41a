import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'

/** One TypeScript code block of the documentation, with what it assumes. */
export interface CodeBlock {
  /** Where it is: `README.md:116` (the line of its opening fence). */
  where: string
  /** The section (README) or the function (doc comment) it illustrates, for test titles. */
  context: string
  /** The block as printed, without its fences. */
  code: string
  /** What the block assumes, declared before it (`declare const fd: number`); '' when it assumes nothing. */
  prelude: string
  /** Whether the block runs as a program (`<!-- runs -->`), besides type-checking. */
  runs: boolean
}

/**
 * The ```ts blocks of a Markdown file. HTML comments right before a block's fence (nothing but
 * blank space between) annotate it, unseen on GitHub and npm:
 * - `<!-- prelude: declare const fd: number -->` (one line or several): TypeScript put before the
 *   block, declaring what a fragment assumes;
 * - `<!-- runs -->`: the block, with its prelude, runs and must exit 0.
 */
export function markdownBlocks(path: string, root: string): CodeBlock[] {
  const text = readFileSync(path, 'utf8')
  const file = relative(root, path)
  const blocks: CodeBlock[] = []
  let heading = ''
  let pending: string[] = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]
    if (/^#{1,6} /.test(line)) heading = line.replace(/^#+ /, '')
    if (line.startsWith('<!--')) {
      let comment = line
      while (!comment.includes('-->') && i + 1 < lines.length) comment += `\n${lines[++i]}`
      pending.push(comment.slice(4, comment.indexOf('-->')).trim())
      continue
    }
    if (line.trim() === '' && pending.length > 0) continue
    if (/^```(ts|typescript)\s*$/.test(line)) {
      const start = i
      const body: string[] = []
      while (++i < lines.length && !lines[i].startsWith('```')) body.push(lines[i])
      blocks.push({
        where: `${file}:${start + 1}`,
        context: heading,
        code: body.join('\n'),
        prelude: pending
          .filter((note) => note.startsWith('prelude:'))
          .map((note) => note.slice('prelude:'.length).trim())
          .join('\n'),
        runs: pending.includes('runs'),
      })
    }
    pending = []
  }
  return blocks
}

/** `index.ts` and every TypeScript source under `lib/` (not the compiled `.d.ts` beside them). */
export function sourceFiles(root: string): string[] {
  const found = [join(root, 'index.ts')]
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) found.push(path)
    }
  }
  walk(join(root, 'lib'))
  return found.sort()
}

/**
 * The ```ts blocks inside the doc comments (`/** ... *\/`) of a TypeScript file, the examples typedoc
 * shows. Their preludes are not in the comment (it would show in the API reference): `preludes`
 * gives them, keyed by the block's first line.
 */
export function docCommentBlocks(path: string, root: string, preludes: Record<string, string>): CodeBlock[] {
  const text = readFileSync(path, 'utf8')
  const file = relative(root, path)
  const blocks: CodeBlock[] = []
  for (const comment of text.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
    const firstLine = text.slice(0, comment.index).split('\n').length
    const lines = comment[0].split('\n').map((line) => line.replace(/^\s*\*(?: |$)/, ''))
    const after = text.slice(comment.index + comment[0].length)
    const declared = /^\s*(?:export\s+)?(?:declare\s+)?(?:async\s+)?(?:function\*?|class|const|let|interface|type)\s+(\w+)/.exec(after)
    for (let i = 0; i < lines.length; i++) {
      if (!/^```(ts|typescript)\s*$/.test(lines[i].trim())) continue
      const start = i
      const body: string[] = []
      while (++i < lines.length && !lines[i].trim().startsWith('```')) body.push(lines[i])
      const code = body.join('\n')
      blocks.push({
        where: `${file}:${firstLine + start}`,
        context: declared ? declared[1] : file,
        code,
        prelude: preludes[code.split('\n')[0]] ?? '',
        runs: false,
      })
    }
  }
  return blocks
}
