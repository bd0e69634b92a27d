import { existsSync } from 'node:fs'
import { formatPlan, planToJson } from '../../plan/format-plan.ts'
import { planLoad } from '../../plan/plan-load.ts'
import { EXIT } from '../exit-codes.ts'
import { mappingFor, mappingPathOf } from '../inputs.ts'

export interface PlanCommandOptions {
  config: string
  mapping?: string
  json?: boolean
}

/**
 * Prints the load plan of the map migrate would use: `--mapping`, else the config's `run.mapping`, else the built-in
 * map. Reads no CRM and writes nothing.
 */
export function planCommand(options: PlanCommandOptions): number {
  const path = options.mapping ?? (existsSync(options.config) ? mappingPathOf(options.config) : undefined)
  const { mapping, source } = mappingFor(path, 'plan')
  const plan = planLoad(mapping)
  if (options.json) process.stdout.write(`${JSON.stringify(planToJson(plan), null, 2)}\n`)
  else process.stdout.write(`Map: ${source}\n${formatPlan(plan)}`)
  return EXIT.ok
}
