import { existsSync } from 'node:fs'
import type { Command } from 'commander'
import { parse } from 'yaml'
import { z } from 'zod'
import { ConfigError } from '../../errors.ts'
import { DEFAULT_OBJECTS } from '../../mapping/default-objects.ts'
import {
  ownerQueueRefusal,
  reconcileOwners,
  type OwnerDecisions,
  type OwnerReconciliation,
  type SystemUserRow,
} from '../../mapping/reconcile-users.ts'
import { connect } from '../connect.ts'
import { readTextFile } from './map.ts'
import { EXIT, readConfig } from './migrate.ts'

const Decisions = z.strictObject({
  byHand: z.record(z.string(), z.string().email()).optional(),
  defaultOwner: z.string().email().optional(),
  inactive: z.enum(['match', 'default']).optional(),
})

/** users.yaml → the decisions; every problem with its path. A missing file is no decision. */
export function readOwnerDecisions(path: string): OwnerDecisions {
  if (!existsSync(path)) return {}
  let data: unknown
  try {
    data = parse(readTextFile(path, 'owner decisions', 'see `x2d365 users --help`')) ?? {}
  } catch (error) {
    throw new ConfigError([
      `${path}: the YAML does not parse (${error instanceof Error ? error.message.split('\n')[0] : ''})`,
    ])
  }
  const parsed = Decisions.safeParse(data)
  if (!parsed.success)
    throw new ConfigError(parsed.error.issues.map((i) => `${path}: ${i.path.join('.')}: ${i.message}`))
  return parsed.data
}

/** The reconciliation as lines a person reads. */
export function describeOwners(result: OwnerReconciliation): string[] {
  const lines = result.matched.map(
    (m) => `  ${m.username} → ${m.systemuserid} (by ${m.by}, ${m.records} records)`,
  )
  lines.unshift(`Matched ${result.matched.length} X2CRM users:`)
  if (result.queue.length > 0) {
    lines.push(`Queue: ${result.queue.length} owners without a Dataverse user:`)
    for (const q of result.queue) {
      lines.push(
        `  ${q.username} (${q.fullName}, ${q.email ?? 'no e-mail'}${q.active ? '' : ', inactive'}): ${q.records} records; ${q.reason}`,
      )
    }
  }
  return lines
}

export function registerUsers(program: Command, setExitCode: (code: number) => void): void {
  program
    .command('users')
    .description('match X2CRM users to Dataverse users (e-mail, then name); list the owners still to resolve')
    .addHelpText(
      'after',
      `
users.yaml (optional) records your decisions:
  byHand: { jdoe: jane.doe@contoso.com }   an X2CRM username → a Dataverse user's e-mail
  defaultOwner: crm-admin@contoso.com      owns what nobody else can (else run.defaultOwnerEmail)
  inactive: default                        inactive X2CRM users' records go to the default owner (or: match)
Exit code 2 while the queue is open: migrate will not start until each owner is mapped or a default is set.`,
    )
    .option('-c, --config <path>', 'configuration file', 'x2d365.yaml')
    .option('-u, --users <path>', 'owner decisions', 'users.yaml')
    .action(async (options: { config: string; users: string }) => {
      const config = readConfig(options.config)
      const decisions = readOwnerDecisions(options.users)
      const defaultOwner = decisions.defaultOwner ?? config.run.defaultOwnerEmail
      const { source, target, ledger } = connect(config, () => undefined)
      try {
        const users = await source.users()
        const counts: Record<string, number> = {}
        for (const user of users) {
          for (const { entity } of DEFAULT_OBJECTS) {
            const n = await source.count(entity, { assignedTo: user.username }).catch(() => 0)
            counts[user.username] = (counts[user.username] ?? 0) + n
          }
        }
        const systemUsers: SystemUserRow[] = []
        for await (const row of target.query('systemusers', {
          select: ['systemuserid', 'internalemailaddress', 'fullname', 'isdisabled'],
        })) {
          systemUsers.push(row as unknown as SystemUserRow)
        }
        const result = reconcileOwners(users, systemUsers, counts, {
          ...decisions,
          ...(defaultOwner === undefined ? {} : { defaultOwner }),
        })
        for (const line of describeOwners(result)) process.stdout.write(`${line}\n`)
        const refusal = ownerQueueRefusal(result)
        if (refusal !== undefined) {
          process.stderr.write(`${refusal}\n`)
          setExitCode(EXIT.config)
          return
        }
        process.stdout.write('Every owner is resolved.\n')
        setExitCode(EXIT.ok)
      } finally {
        await ledger.close()
      }
    })
}
