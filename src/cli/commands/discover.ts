import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { assertUsablePaths } from '../../paths.ts'
import { describeDiscovery, discover } from '../../discover/discover.ts'
import { measureScope } from '../../discover/measure-scope.ts'
import { fieldsNewSinceMap, type NewField } from '../../mapping/new-fields.ts'
import { parseMapping } from '../../mapping/parse-mapping.ts'
import { buildScopeReport, renderScopeMarkdown, summarizeScope } from '../../discover/scope-report.ts'
import { readTargetSchema } from '../../schema/read-target-schema.ts'
import type { MysqlSource } from '../../source/x2crm/mysql/source.ts'
import type { X2crmCatalog, X2crmSource } from '../../source/x2crm/types.ts'
import { standardTables } from '../../target/dataverse/standard-tables.ts'
import { connect } from '../connect.ts'
import { EXIT } from '../exit-codes.ts'
import { readConfig } from '../inputs.ts'
import { silent, withSession } from '../session.ts'

export interface DiscoverOptions {
  config: string
  out: string
  scope?: string
  json?: boolean
}

/** The fields the config's map (run.mapping) does not name; none without a readable map. */
function newSinceMap(path: string | undefined, fields: Parameters<typeof fieldsNewSinceMap>[1]): NewField[] {
  if (path === undefined || !existsSync(path)) return []
  const parsed = parseMapping(readFileSync(path, 'utf8'))
  return parsed.value === undefined ? [] : fieldsNewSinceMap(parsed.value, fields)
}

/** Reads both schemas and the counts into discovery.json, and writes the scope report beside it. */
export async function discoverCommand(options: DiscoverOptions): Promise<number> {
  const config = readConfig(options.config)
  assertUsablePaths([
    { path: options.out, what: '--out', kind: 'file' },
    { path: options.scope ?? dirname(resolve(options.out)), what: '--scope', kind: 'folder' },
  ])
  await withSession(
    silent,
    (emit) => connect(config, emit),
    async ({ source, metadata, ledger }) => {
      const standard = standardTables()
      // createX2crmClient implements the catalog too; Connections types only the source part.
      const catalog = source as X2crmSource & X2crmCatalog
      const discovery = await discover({
        source: catalog,
        readTable: async (name) => (await readTargetSchema(metadata, [name], standard))[name],
        now: () => new Date(),
      })
      writeFileSync(options.out, `${JSON.stringify(discovery, null, 2)}\n`)
      const facts = await measureScope(
        discovery,
        {
          source: catalog,
          // connect() reads the database whenever source.mysql is configured.
          ...(config.source.mysql !== undefined && { database: source as MysqlSource }),
          runs: () => ledger.runs(),
          now: () => new Date(),
        },
        {
          appUsers: 1 + (config.target.additionalAppUsers?.length ?? 0),
          batchSize: config.run.batchSize,
          ...(config.source.uploads?.dir !== undefined && { uploadsDir: config.source.uploads.dir }),
        },
      )
      const scope = buildScopeReport(discovery, facts)
      const scopeDir = resolve(options.scope ?? dirname(options.out))
      mkdirSync(scopeDir, { recursive: true })
      writeFileSync(join(scopeDir, 'scope.json'), `${JSON.stringify(scope, null, 2)}\n`)
      writeFileSync(join(scopeDir, 'scope.md'), renderScopeMarkdown(scope))
      const newFields = newSinceMap(config.run.mapping, discovery.source.entities)
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ discovery: options.out, scopeDir, scope, newFields })}\n`)
      } else {
        if (newFields.length > 0) {
          process.stdout.write(
            `${newFields.length} X2CRM field${newFields.length > 1 ? 's' : ''} the map (${config.run.mapping ?? ''}) does not name, new since it was confirmed: ` +
              `${newFields.map((f) => `${f.entity}.${f.field}`).join(', ')}. \`x2d365 map propose --update\` adds them.\n`,
          )
        }
        for (const line of describeDiscovery(discovery)) process.stdout.write(`${line}\n`)
        for (const line of summarizeScope(scope)) process.stdout.write(`${line}\n`)
        process.stdout.write(
          `Wrote ${options.out}, ${join(scopeDir, 'scope.md')} and scope.json. Next: \`x2d365 map propose\`.\n`,
        )
      }
    },
  )
  return EXIT.ok
}
