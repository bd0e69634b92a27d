import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { confirmMapping } from '../../src/mapping/confirm.ts'
import { writeMapping } from '../../src/mapping/write-mapping.ts'
import type { LoadPlanJson } from '../../src/plan/format-plan.ts'

const cli = new URL('../helpers/cli-from-source.js', import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), 'x2d365-plan-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function x2d365(args: string[]) {
  const result = spawnSync(process.execPath, [cli, ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000 })
  return { code: result.status, stdout: result.stdout, stderr: result.stderr }
}

/** A confirmed map: opportunities written before the accounts and contacts they link to, contacts split into leads. */
function writeConfirmedMap(file: string): void {
  const text = writeMapping({
    version: 1,
    entities: {
      Opportunity: {
        table: 'opportunity',
        fields: {
          name: { target: 'name', transform: 'text' },
          accountName: { target: 'parentaccountid', transform: 'link', linkTo: 'Accounts' },
          contactName: { target: 'parentcontactid', transform: 'link', linkTo: 'Contacts' },
        },
      },
      Contacts: {
        table: 'contact',
        fields: {
          lastName: { target: 'lastname', transform: 'text' },
          company: { target: 'parentcustomerid_account', transform: 'link', linkTo: 'Accounts' },
        },
        split: {
          table: 'lead',
          when: [{ field: 'leadstatus', in: ['New'] }],
          fields: { lastName: { target: 'lastname', transform: 'text' } },
        },
      },
      Accounts: {
        table: 'account',
        fields: {
          name: { target: 'name', transform: 'text' },
          primaryContact: { target: 'primarycontactid', transform: 'link', linkTo: 'Contacts', pass: 2 },
        },
      },
    },
  })
  writeFileSync(join(dir, file), text)
  const lock = confirmMapping(text, 'dana', new Date('2025-01-02T03:04:05Z'))
  writeFileSync(join(dir, file.replace(/\.yaml$/, '.lock.json')), `${JSON.stringify(lock)}\n`)
}

describe('x2d365 plan', () => {
  it('prints the built-in map: phases pass by pass, what each waits for, the deferred links and why', () => {
    const run = x2d365(['plan'])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).toContain(
      'Map: the built-in map (accounts, contacts, their timeline, products, quotes, cases, marketing lists)\n',
    )
    expect(run.stdout).toMatch(
      /1\. Accounts → account \(accounts\)\n\s+2\. Contacts → contact \(contacts\)\n\s+waits for Accounts \(company\)/,
    )
    expect(run.stdout).toContain('14. Quote lines→quotedetail → quotedetail (quotedetails)')
    expect(run.stdout).toContain('15. Services → incident (incidents)\n       waits for Contacts (contactId)')
    expect(run.stdout).toContain('16. X2List → list (lists)')
    expect(run.stdout).toContain('17. Accounts.links → account (accounts)')
    expect(run.stdout).toContain('in pass 1 it would close the cycle Accounts → Contacts → Accounts')
  })

  it('prints the plan of a confirmed map as JSON: opportunities after both contact tables', () => {
    writeConfirmedMap('mapping.yaml')
    const run = x2d365(['plan', '--mapping', 'mapping.yaml', '--json'])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const plan = JSON.parse(run.stdout) as LoadPlanJson
    expect(plan.passes).toEqual([
      { pass: 1, phases: ['Accounts', 'Contacts', 'Contacts→lead', 'Opportunity'] },
      { pass: 2, phases: ['Accounts.links'] },
    ])
    expect(plan.phases.find((p) => p.name === 'Opportunity')?.waitsFor).toEqual([
      { field: 'accountName', nav: 'parentaccountid', parent: 'Accounts', phases: ['Accounts'] },
      {
        field: 'contactName',
        nav: 'parentcontactid',
        parent: 'Contacts',
        phases: ['Contacts', 'Contacts→lead'],
      },
    ])
    expect(plan.deferred).toMatchObject([
      {
        phase: 'Accounts',
        field: 'primaryContact',
        reason: { type: 'cycle', cycle: ['Accounts', 'Contacts', 'Accounts'] },
      },
    ])
  })

  it('refuses a map nobody confirmed, with exit 2 and what to do', () => {
    writeFileSync(join(dir, 'draft.yaml'), 'version: 1\nentities: {}\n')
    const run = x2d365(['plan', '--mapping', 'draft.yaml'])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/x2d365 map confirm/)
    expect(run.stdout).toBe('')
  })
})
