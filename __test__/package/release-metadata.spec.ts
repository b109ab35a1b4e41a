// What the registry shows and what the release workflow publishes, checked without publishing (the
// whole flow is `npm run release:rehearse`, scripts/release/): every platform package carries the
// root LICENSE, package.json links back to the repository, the README's links work on the registry's
// page (where relative links are dead), and the release workflow's publish steps are what the
// rehearsal runs, with the cli's real spelling of "no GitHub release".
import test from 'ava'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

// @ts-ignore: a plain JavaScript module of the release scripts, without declarations
import { parseSteps } from '../../scripts/release/workflow-steps.mjs'

const ROOT = join(__dirname, '..', '..')
const REPOSITORY = 'https://github.com/epoll-napi/epoll-napi'
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'))
const platforms = readdirSync(join(ROOT, 'npm')).sort()

interface Step {
  name?: string
  uses?: string
  run?: string
  env: Record<string, string>
  with: Record<string, string>
  line: number
}

test('every platform package ships the root LICENSE, listed in its files', (t) => {
  const license = readFileSync(join(ROOT, 'LICENSE'), 'utf8')
  t.true(platforms.length >= 6, platforms.join())
  for (const platform of platforms) {
    t.is(readFileSync(join(ROOT, 'npm', platform, 'LICENSE'), 'utf8'), license, `npm/${platform}/LICENSE`)
    const manifest = readJson(join(ROOT, 'npm', platform, 'package.json'))
    if (manifest.files) t.true(manifest.files.includes('LICENSE'), `npm/${platform}/package.json files: ${manifest.files.join(', ')}`)
    t.is(manifest.license, 'MIT')
  }
})

test('package.json links to the repository, its issues and its README, and asks for no funding', (t) => {
  const pkg = readJson(join(ROOT, 'package.json'))
  t.deepEqual(pkg.repository, { type: 'git', url: `git+${REPOSITORY}.git` })
  t.is(pkg.homepage, `${REPOSITORY}#readme`)
  t.deepEqual(pkg.bugs, { url: `${REPOSITORY}/issues` })
  t.is(pkg.funding, undefined)
  t.is(pkg.scripts['release:rehearse'], 'node scripts/release/rehearse.mjs')
})

test('the README links only to absolute URLs and anchors: relative links are dead on the registry page', (t) => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
  const targets = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1])
  t.true(targets.length > 5)
  t.deepEqual(
    targets.filter((target) => !/^(https?:\/\/|#|mailto:)/.test(target)),
    [],
  )
  // The files it links to exist in the repository, at the path the URL names.
  for (const target of targets.filter((url) => url.startsWith(`${REPOSITORY}/`))) {
    const path = /^https:\/\/github\.com\/epoll-napi\/epoll-napi\/(?:blob|raw)\/main\/([^#?]+)/.exec(target)?.[1]
    t.truthy(path, target)
    t.notThrows(() => readFileSync(join(ROOT, path!)), target)
  }
})

test('the publish job runs napi artifacts, napi prepublish without a GitHub release, then npm publish', (t) => {
  const steps: Step[] = parseSteps(readFileSync(join(ROOT, '.github', 'workflows', 'release.yml'), 'utf8'), 'publish')
  const runs = steps.filter((step) => step.run).map((step) => step.run!.trim())
  t.true(runs.includes('npx napi artifacts'), runs.join('\n'))
  t.true(runs.includes('npx napi prepublish -t npm --no-gh-release'), runs.join('\n'))
  t.true(runs.some((run) => run.startsWith('npm publish ')), runs.join('\n'))
  // The only actions the rehearsal stands in for (scripts/release/rehearse.mjs fails on any other).
  t.deepEqual([...new Set(steps.filter((step) => step.uses).map((step) => step.uses!.split('@')[0]))].sort(), [
    'actions/checkout',
    'actions/download-artifact',
    'actions/setup-node',
  ])
  const publishing = steps.filter((step) => step.run && /napi prepublish|npm publish/.test(step.run))
  for (const step of publishing) t.is(step.env.NODE_AUTH_TOKEN, '${{ secrets.NPM_TOKEN }}', `line ${step.line}`)
})

test('the napi cli turns the GitHub release off with --no-gh-release and rejects --gh-release=false', (t) => {
  // An empty folder: the cli parses its options before it looks for anything to publish.
  const empty = mkdtempSync(join(tmpdir(), 'epoll-napi-prepublish-'))
  try {
    const cli = join(ROOT, 'node_modules', '@napi-rs', 'cli', 'dist', 'cli.js')
    const parse = (flag: string) =>
      spawnSync(process.execPath, [cli, 'prepublish', '-t', 'npm', flag, '--dry-run', '--cwd', empty], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } })
    const rejected = parse('--gh-release=false')
    t.regex(rejected.stdout + rejected.stderr, /Unknown Syntax Error[^\n]*--gh-release=false/)
    const accepted = parse('--no-gh-release')
    t.notRegex(accepted.stdout + accepted.stderr, /Unknown Syntax Error/)
  } finally {
    rmSync(empty, { recursive: true, force: true })
  }
})

test("the rehearsal's workflow reader keeps `|` scripts and env, and refuses a shape it does not know", (t) => {
  const steps: Step[] = parseSteps(readFileSync(join(ROOT, '.github', 'workflows', 'build.yml'), 'utf8'), 'build')
  const pack = steps.find((step) => step.name === 'Pack the platform package')!
  t.is(pack.env.PLATFORM, '${{ matrix.platform }}')
  t.is((pack as Step & { shell?: string }).shell, 'bash')
  t.is(pack.run, 'mkdir -p packages\nnpm pack --ignore-scripts --pack-destination packages "./npm/$PLATFORM"\n')
  const broken = ['jobs:', '  publish:', '    steps:', '      - run: echo', '        env:', '          - A', ''].join('\n')
  t.throws(() => parseSteps(broken, 'publish'), { message: /line 6/ })
  t.throws(() => parseSteps(broken, 'missing'), { message: /no job `missing`/ })
})
