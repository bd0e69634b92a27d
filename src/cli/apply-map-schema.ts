import { ConfigError } from '../errors.ts'
import { applySchema } from '../schema/apply-schema.ts'
import { describePlan, planSchema, tablesOf } from '../schema/plan-schema.ts'
import { readTargetSchema } from '../schema/read-target-schema.ts'
import { standardTables } from '../target/dataverse/standard-tables.ts'
import type { RunConfig } from '../config/config.ts'
import type { Mapping } from '../mapping/types.ts'
import { connectMetadata } from './connect.ts'
import { silent, withSession } from './session.ts'

const out = (text: string) => process.stdout.write(`${text}\n`)

/**
 * What `schema apply` does in Dataverse for `mapping` (the demo calls it with its own map): read the tables, plan,
 * print each change (`would …` with `dryRun`), apply and publish, wait for the alternate keys. Throws a ConfigError
 * naming `mapName` on a conflict. `out` prints a line. Returns how many changes it applied.
 */
export async function applyMapSchema(
  mapping: Mapping,
  config: RunConfig,
  options: {
    license: 'professional' | 'enterprise'
    mapName: string
    dryRun?: boolean
    out?: (line: string) => void
  },
): Promise<number> {
  const { license } = options
  const print = options.out ?? out
  let applied = 0
  await withSession(
    silent,
    () => connectMetadata(config),
    async ({ metadata }) => {
      const current = await readTargetSchema(metadata, tablesOf(mapping), standardTables())
      const plan = planSchema(mapping, current, { license })
      for (const warning of plan.warnings) process.stderr.write(`warning: ${warning}\n`)
      if (plan.conflicts.length > 0) {
        throw new ConfigError(
          plan.conflicts.map((c) => `${options.mapName}: ${c}; change the map and confirm it again`),
        )
      }
      for (const line of describePlan(plan)) print(`${options.dryRun ? 'would ' : ''}${line}`)
      if (options.dryRun === true) return
      // A counter that redraws in a terminal; a line every 25 changes otherwise (logs, CI).
      const tty = process.stderr.isTTY
      let counting = false
      let waitReported = false
      const result = await applySchema(plan, metadata, {
        onOperation: (_op, index, total) => {
          if (tty) {
            counting = true
            process.stderr.write(`\r\x1b[K  ${index + 1}/${total}`)
          } else if ((index + 1) % 25 === 0 || index + 1 === total)
            process.stderr.write(`  ${index + 1}/${total}\n`)
        },
        // One line while the key indexes build (redrawn with the seconds in a terminal).
        keys: {
          onWait: (pending, waitedMs) => {
            const which = pending.map((k) => `${k.table}.${k.key} (${k.status})`).join(', ')
            if (tty) {
              counting = true
              process.stderr.write(
                `\r\x1b[K  waiting for alternate keys to be Active: ${which}, ${Math.floor(waitedMs / 1000)} s`,
              )
            } else if (!waitReported) {
              process.stderr.write(`  waiting for alternate keys to be Active: ${which}\n`)
            }
            waitReported = true
          },
        },
      })
      if (counting) process.stderr.write('\n')
      applied = result.applied.length
      if (result.applied.length > 0) print(`Applied ${result.applied.length} changes and published them.`)
      if (waitReported)
        print(`The alternate keys are Active (after ${Math.round((result.keys?.waitedMs ?? 0) / 1000)} s).`)
    },
  )
  return applied
}
