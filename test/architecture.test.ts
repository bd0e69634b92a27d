import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

/**
 * Which part of the code may import which. The migration flows source → mapping → plan → run → target, with the
 * ledger and the reports beside the run; imports point down this table, never up it, and never between siblings:
 *
 * - `root`: the files directly in src/ (`errors.ts`, `csv.ts`), leaves every part may import.
 * - `domain`: the vocabulary every layer shares (`SourceKey`, `RecordHash`), types and one-liners; imports only root.
 * - `http`, then the two outside systems: `source/x2crm` and `target/dataverse` know HTTP and their own protocol,
 *   never each other, never the mapping, the ledger or the run.
 * - `ledger`: the run's memory; a sibling of the sources, it knows only the domain's keys. It defines the stores
 *   (`HashStore`, `FixStore`) that the run hands to the parts below it.
 * - `mapping` and `plan`: pure decisions. They may read X2CRM's record types and its value parsers
 *   (`source/x2crm/normalize/`), and Dataverse's types, but nothing that does I/O.
 * - `schema`: plans and applies the Dataverse columns a map needs.
 * - `run`: streams source → mapping → target and writes the ledger.
 * - `report` (renders what runs did and may read their types), `config` (describes the options of all of them, so
 *   it imports only their types), `discover`, then `web` (the map review page: the mapping's pure functions and
 *   the owner decisions' parser, only types from the sources; the CLI gathers its data), then `cli`, which may import
 *   anything, the simulators included.
 *
 * `'any'`: any import. `'type'`: only `import type` / `export type … from` (erased at run time, so no code and no
 * I/O comes along). A list of folders: types from anywhere, values only from under those folders. Unit tests beside
 * the code follow their folder's row and may also import sim/ and test/; sim/ imports only types from src/.
 */
type Allowance = 'any' | 'type' | readonly string[]

const AREAS = [
  'root',
  'domain',
  'http',
  'source/x2crm',
  'target/dataverse',
  'ledger',
  'mapping',
  'plan',
  'schema',
  'run',
  'report',
  'config',
  'discover',
  'web',
  'cli',
] as const
type Area = (typeof AREAS)[number]

const ALLOWED: Readonly<Record<Area, Partial<Record<Area, Allowance>>>> = {
  root: {},
  domain: { root: 'any' },
  http: { root: 'any' },
  'source/x2crm': { root: 'any', domain: 'any', http: 'any' },
  'target/dataverse': { root: 'any', domain: 'any', http: 'any' },
  ledger: { root: 'any', domain: 'any' },
  mapping: {
    root: 'any',
    domain: 'any',
    'source/x2crm': ['normalize/'],
    'target/dataverse': 'type',
  },
  plan: {
    root: 'any',
    domain: 'any',
    'source/x2crm': ['normalize/'],
    'target/dataverse': 'type',
    mapping: 'any',
  },
  schema: {
    root: 'any',
    domain: 'any',
    'source/x2crm': 'type',
    'target/dataverse': 'any',
    mapping: 'any',
    plan: 'any',
  },
  run: {
    root: 'any',
    domain: 'any',
    http: 'any',
    'source/x2crm': 'any',
    'target/dataverse': 'any',
    ledger: 'any',
    mapping: 'any',
    plan: 'any',
  },
  report: {
    root: 'any',
    domain: 'any',
    'source/x2crm': 'any',
    'target/dataverse': 'any',
    ledger: 'any',
    mapping: 'any',
    plan: 'any',
    run: 'any',
  },
  config: {
    root: 'any',
    domain: 'type',
    'source/x2crm': 'type',
    'target/dataverse': 'type',
    ledger: 'type',
    mapping: 'type',
    plan: 'type',
    run: 'type',
  },
  discover: {
    root: 'any',
    domain: 'any',
    http: 'any',
    'source/x2crm': 'any',
    'target/dataverse': 'any',
    ledger: 'any',
    mapping: 'any',
    plan: 'any',
    schema: 'any',
    run: 'any',
    report: 'any',
  },
  web: {
    root: 'any',
    domain: 'any',
    'source/x2crm': 'type',
    'target/dataverse': 'type',
    mapping: 'any',
    config: 'any',
    discover: 'type',
  },
  cli: Object.fromEntries(AREAS.map((area) => [area, 'any'])),
}

/**
 * CLI commands importing other commands: shared helpers (`readConfig`, `mappingFor`, `EXIT`…) belong in a module of
 * their own, not in whichever command defined them first. These are the imports that are left; the list may only
 * shrink (an import that is gone must be taken off it, so it cannot come back unnoticed).
 */
const COMMAND_IMPORTS_STILL_TO_REMOVE: readonly string[] = []

const repo = resolve(dirname(new URL(import.meta.url).pathname), '..')

interface Import {
  /** Repository-relative, `/`-separated. */
  from: string
  to: string
  typeOnly: boolean
  line: number
}

function tsFiles(dir: string): string[] {
  return readdirSync(join(repo, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`
    if (entry.isDirectory()) return tsFiles(path)
    return entry.name.endsWith('.ts') ? [path] : []
  })
}

/** Every relative import of a file: static, re-exports, dynamic `import()`, and `import('…')` in types. */
function importsOf(file: string, text = readFileSync(join(repo, file), 'utf8')): Import[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true)
  const found: Import[] = []
  const add = (specifier: ts.Expression | undefined, typeOnly: boolean, node: ts.Node) => {
    if (specifier === undefined || !ts.isStringLiteralLike(specifier)) return
    if (!specifier.text.startsWith('.')) return
    const to = relative(repo, resolve(repo, dirname(file), specifier.text))
      .split('\\')
      .join('/')
    const line = source.getLineAndCharacterOfPosition(node.getStart()).line + 1
    found.push({ from: file, to, typeOnly, line })
  }
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node)) {
      add(node.moduleSpecifier, node.importClause?.isTypeOnly === true, node)
    } else if (ts.isExportDeclaration(node)) {
      add(node.moduleSpecifier, node.isTypeOnly, node)
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node.arguments[0], false, node)
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node.argument.literal, true, node)
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node.moduleReference.expression, node.isTypeOnly, node)
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return found
}

/** The area of a file under src/, or where else it is. */
function areaOf(path: string): Area | 'sim' | 'test' | 'bench' | 'outside' | `unknown ${string}` {
  const parts = path.split('/')
  if (parts[0] === 'sim') return 'sim'
  if (parts[0] === 'test') return 'test'
  if (parts[0] === 'bench') return 'bench'
  if (parts[0] !== 'src') return 'outside'
  if (parts.length === 2) return 'root'
  const folder =
    parts[1] === 'source' || parts[1] === 'target' ? parts.slice(1, 3).join('/') : (parts[1] ?? '')
  return (AREAS as readonly string[]).includes(folder) ? (folder as Area) : `unknown ${folder}`
}

/** Why this import goes against the table, or undefined when it may be. */
function violation(imported: Import): string | undefined {
  const from = areaOf(imported.from)
  const to = areaOf(imported.to)
  const where = `${imported.from}:${imported.line} imports ${imported.to}`
  const isTest = imported.from.endsWith('.test.ts')
  if (from === 'sim') {
    if (to.startsWith('unknown') || (AREAS as readonly string[]).includes(to)) {
      return imported.typeOnly
        ? undefined
        : `${where}: the simulators may import only types from src/ (import type)`
    }
    return undefined
  }
  if (from === 'test' || from === 'bench' || from === 'outside') return undefined
  if (from.startsWith('unknown')) return `${where}: src/${from.slice(8)} has no row in the table; add one`
  if (from === to) return undefined
  if (to === 'sim' || to === 'test') {
    if (isTest || from === 'cli') return undefined
    return `${where}: only the CLI (and tests) may import the simulators or test helpers`
  }
  if (to === 'bench' || to === 'outside') return `${where}: src/ must not import what lies outside it`
  if (to.startsWith('unknown')) return `${where}: src/${to.slice(8)} has no row in the table; add one`
  const allowance = ALLOWED[from as Area][to as Area]
  if (allowance === undefined) return `${where}: ${from} must not import ${to}`
  if (allowance === 'any' || imported.typeOnly) return undefined
  const folder = to === 'root' ? 'src' : `src/${to}`
  if (allowance !== 'type' && allowance.some((under) => imported.to.startsWith(`${folder}/${under}`))) {
    return undefined
  }
  const values =
    allowance === 'type' ? '' : ` (values only from ${allowance.map((u) => `${folder}/${u}`).join(', ')})`
  return `${where}: ${from} may import only types from ${to}${values}; use import type`
}

const files = [...tsFiles('src'), ...tsFiles('sim')]
const imports = files.flatMap((file) => importsOf(file))

describe('architecture', () => {
  it('reads imports of every kind, so the rules below see them all', () => {
    expect(files.length).toBeGreaterThan(200)
    const text = [
      "import { a, type B } from './values.ts'",
      "import type { C } from '../ledger/ledger.ts'",
      "export { d } from './reexported.ts'",
      "export type { E } from './types.ts'",
      "import 'node:fs'",
      "const lazy = () => import('../../sim/serve.ts')",
      "let t: import('../domain/source-key.ts').SourceKey",
    ].join('\n')
    expect(importsOf('src/run/example.ts', text).map((i) => [i.to, i.typeOnly, i.line])).toEqual([
      ['src/run/values.ts', false, 1],
      ['src/ledger/ledger.ts', true, 2],
      ['src/run/reexported.ts', false, 3],
      ['src/run/types.ts', true, 4],
      ['sim/serve.ts', false, 6],
      ['src/domain/source-key.ts', true, 7],
    ])
  })

  it('imports point down the table: no folder imports one above it or a sibling, and pure ones import only types', () => {
    const wrong = imports.map(violation).filter((v) => v !== undefined)
    expect(wrong).toEqual([])
  })

  it('knows the rule it enforces: an upward import fails it', () => {
    const upward = { from: 'src/ledger/ledger.ts', to: 'src/source/x2crm/delta.ts', typeOnly: true, line: 1 }
    expect(violation(upward)).toMatch(/ledger must not import source\/x2crm/)
    const valueIntoMapping = {
      from: 'src/mapping/x.ts',
      to: 'src/target/dataverse/client.ts',
      typeOnly: false,
      line: 1,
    }
    expect(violation(valueIntoMapping)).toMatch(/only types/)
    expect(violation({ ...valueIntoMapping, typeOnly: true })).toBeUndefined()
    const simValue = { from: 'sim/x2crm/store.ts', to: 'src/source/x2crm/types.ts', typeOnly: false, line: 1 }
    expect(violation(simValue)).toMatch(/only types/)
    const newFolder = { from: 'src/gui/ui.ts', to: 'src/run/events.ts', typeOnly: true, line: 1 }
    expect(violation(newFolder)).toMatch(/no row in the table/)
  })

  // CLI rule, separate: the CLI's own restructuring removes these; until then the list may only shrink.
  it('CLI commands do not import one another (beyond the listed imports still to remove)', () => {
    const between = imports
      .filter((i) => /^src\/cli\/commands\/[^/]+$/.test(i.from) && /^src\/cli\/commands\/[^/]+$/.test(i.to))
      .filter((i) => !i.from.endsWith('.test.ts'))
      .map((i) => `${i.from.slice('src/cli/commands/'.length)} → ${i.to.slice('src/cli/commands/'.length)}`)
    const actual = [...new Set(between)].sort()
    expect(actual.filter((i) => !COMMAND_IMPORTS_STILL_TO_REMOVE.includes(i))).toEqual([])
    expect(COMMAND_IMPORTS_STILL_TO_REMOVE.filter((i) => !actual.includes(i))).toEqual([])
  })
})
