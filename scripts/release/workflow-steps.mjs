// Reads the steps of one job of a GitHub Actions workflow, so that the release rehearsal runs the release
// workflow's own commands rather than a copy of them. A small reader for the shape our workflows have
// (block-style YAML, `jobs:` at column 0, each job's `steps:` a list of mappings whose values are plain
// scalars, `|` blocks or one level of nested mapping such as `env:` and `with:`); it throws on anything
// else rather than guess.
import { readFileSync } from 'node:fs'

/**
 * @typedef {object} Step
 * @property {string} [name]
 * @property {string} [uses]
 * @property {string} [run] the shell script (a `|` block keeps its lines).
 * @property {Record<string, string>} env
 * @property {Record<string, string>} with
 * @property {number} line 1-based line of the step in the file.
 */

const unquote = (value) => {
  const text = value.trim()
  if ((text.startsWith("'") && text.endsWith("'")) || (text.startsWith('"') && text.endsWith('"'))) return text.slice(1, -1)
  return text
}

const indentOf = (line) => line.length - line.trimStart().length

/** The steps of `job` in the workflow file at `path`. */
export function readSteps(path, job) {
  return parseSteps(readFileSync(path, 'utf8'), job)
}

/** The steps of `job` in the workflow text `yaml`. */
export function parseSteps(yaml, job) {
  const lines = yaml.split('\n')
  const jobsAt = lines.findIndex((line) => /^jobs:\s*$/.test(line))
  if (jobsAt < 0) throw new Error('workflow: no `jobs:`')
  const jobAt = lines.findIndex((line, i) => i > jobsAt && new RegExp(`^  ${job}:\\s*$`).test(line))
  if (jobAt < 0) throw new Error(`workflow: no job \`${job}\``)
  let end = lines.findIndex((line, i) => i > jobAt && /^ {0,2}\S/.test(line) && !/^\s*#/.test(line))
  if (end < 0) end = lines.length
  const stepsAt = lines.findIndex((line, i) => i > jobAt && i < end && /^ {4}steps:\s*$/.test(line))
  if (stepsAt < 0) throw new Error(`workflow: job \`${job}\` has no steps`)

  const steps = []
  let step
  let nested // the mapping a `key:` with nothing after it opened (env, with)
  let block // { key, indent, lines } of a `|` scalar being read
  for (let i = stepsAt + 1; i < end; i++) {
    const line = lines[i]
    if (block) {
      if (line.trim() === '' || indentOf(line) >= block.indent) {
        block.lines.push(line.slice(block.indent))
        continue
      }
      step[block.key] = `${block.lines.join('\n').replace(/\n+$/, '')}\n`
      block = undefined
    }
    if (line.trim() === '' || /^\s*#/.test(line)) continue
    const indent = indentOf(line)
    let text = line.trim()
    if (indent === 6 && text.startsWith('- ')) {
      step = { env: {}, with: {}, line: i + 1 }
      steps.push(step)
      nested = undefined
      text = text.slice(2)
    } else if (!step || indent < 8) {
      throw new Error(`workflow: line ${i + 1} is not a step: ${line}`)
    } else if (indent >= 10 && nested) {
      const match = /^([\w-]+):\s*(.*)$/.exec(text)
      if (!match) throw new Error(`workflow: line ${i + 1}: expected \`key: value\` under ${nested}`)
      step[nested][match[1]] = unquote(match[2])
      continue
    }
    const match = /^([\w-]+):\s*(.*)$/.exec(text)
    if (!match) throw new Error(`workflow: line ${i + 1}: expected \`key: value\`: ${line}`)
    const [, key, value] = match
    nested = undefined
    if (value === '') {
      if (key !== 'env' && key !== 'with') throw new Error(`workflow: line ${i + 1}: \`${key}:\` with nothing after it`)
      nested = key
    } else if (value === '|') {
      const next = lines.slice(i + 1).find((candidate) => candidate.trim() !== '')
      block = { key, indent: next ? indentOf(next) : 0, lines: [] }
    } else {
      step[key] = unquote(value)
    }
  }
  if (block) step[block.key] = `${block.lines.join('\n').replace(/\n+$/, '')}\n`
  return steps
}
