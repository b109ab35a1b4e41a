// A typedoc plugin (typedoc.json `plugin`): puts every export of the package in one of the API
// reference's groups, by where it is declared, so that 130-odd constants and 50-odd functions are not
// one flat list and no declaration needs a tag. An explicit `@group` tag on a declaration wins. An
// export no rule places is a warning, which typedoc.json's `treatWarningsAsErrors` makes an error: a
// new file gets its rule here. typedoc.json's `groupOrder` orders the groups.
import { Comment, CommentTag, Converter, ReflectionKind } from 'typedoc'

/** Values named like the kernel's constants (`EPOLLIN`, `SO_REUSEPORT`) and the frozen tables of them. */
const CONSTANT = /^[A-Z][A-Z0-9_]*$|^(constants|[a-z]+Constants)$/

/** By declaring file, first match wins (paths from the package root). */
const BY_FILE = [
  [/^lib\/internal\/(errors|abort)\.ts$/, 'Errors'],
  [/^lib\/io\/(batch|many-fds)\.ts$|^lib\/net\/message-batch\.ts$/, 'Batches'],
  [/^lib\/epoll\//, 'Epoll'],
  [/^lib\/io\//, 'I/O'],
  [/^lib\/net\//, 'Sockets'],
  [/^lib\/daemon\//, 'Daemon'],
  [/^lib\/internal\/native\.ts$/, 'Epoll'], // `supported`
  [/^lib\/internal\/validators\.ts$/, 'I/O'], // `Fd`: what every fd argument accepts
]

/** The group of one top-level export, or `undefined` when no rule places it. */
function groupOf(name, kind, file) {
  if (kind === ReflectionKind.Variable && CONSTANT.test(name)) return 'Constants'
  return BY_FILE.find(([pattern]) => pattern.test(file))?.[1]
}

function hasGroupTag(reflection) {
  const comments = [reflection.comment, ...(reflection.signatures ?? []).map((signature) => signature.comment)]
  return comments.some((comment) => comment?.blockTags.some((tag) => tag.tag === '@group'))
}

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    const project = context.project
    for (const reflection of project.children ?? []) {
      if (hasGroupTag(reflection)) continue
      const target = reflection.kindOf(ReflectionKind.Reference) ? reflection.getTargetReflectionDeep() : reflection
      const file = project.getSymbolIdFromReflection(target)?.packagePath ?? ''
      const group = groupOf(reflection.name, target.kind, file)
      if (group === undefined) {
        app.logger.warn(`typedoc-groups: no group for ${reflection.name} (${file}): add a rule in scripts/typedoc-groups.mjs`)
        continue
      }
      reflection.comment ??= new Comment()
      reflection.comment.blockTags.push(new CommentTag('@group', [{ kind: 'text', text: group }]))
    }
  })
}
