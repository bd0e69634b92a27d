import type { Command } from 'commander'
import { formatPlan, planToJson } from '../../plan/format-plan.ts'
import { planLoad } from '../../plan/plan-load.ts'
import { EXIT, mappingFor } from './migrate.ts'

export interface PlanCommandOptions {
  mapping?: string
  json?: boolean
}

/** Prints the load plan of a map (the built-in one without `--mapping`). Reads no CRM and writes nothing. */
export function planCommand(options: PlanCommandOptions): number {
  const { mapping, source } = mappingFor(options.mapping, 'plan')
  const plan = planLoad(mapping)
  if (options.json) process.stdout.write(`${JSON.stringify(planToJson(plan), null, 2)}\n`)
  else process.stdout.write(`Map: ${source}\n${formatPlan(plan)}`)
  return EXIT.ok
}

export function registerPlan(program: Command, setExitCode: (code: number) => void): void {
  program
    .command('plan')
    .description(
      'print the order a migration loads the map in: the phases pass by pass, what each waits for, and the links ' +
        'that wait for the second pass and why (reads no CRM)',
    )
    .addHelpText(
      'after',
      `
Exit codes:
  0  printed
  2  the map cannot be used (not confirmed, changed since, or invalid: the message says why)`,
    )
    .option('--mapping <path>', 'a confirmed mapping.yaml (default: the built-in map)')
    .option('--json', 'print the plan as JSON')
    .action((options: PlanCommandOptions) => setExitCode(planCommand(options)))
}
