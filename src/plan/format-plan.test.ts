import { describe, expect, it } from 'vitest'
import { accountsContactsMapping } from '../mapping/default-map.ts'
import type { EntityMap, FieldMap } from '../mapping/types.ts'
import { formatPlan, planToJson } from './format-plan.ts'
import { planLoad } from './plan-load.ts'

const table = (logicalName: string) => ({
  logicalName,
  entitySet: `${logicalName}s`,
  primaryId: `${logicalName}id`,
})
const link = (source: string, entity: string, into: string, pass: 1 | 2 = 1): FieldMap => ({
  source,
  target: `${source}id`,
  transform: 'link',
  linkTo: { entity, table: table(into) },
  pass,
})
const map = (entity: string, into: string, fields: FieldMap[], more: Partial<EntityMap> = {}): EntityMap => ({
  entity,
  table: table(into),
  fields,
  ...more,
})

describe('formatPlan', () => {
  it('prints the built-in map phase by phase, what each waits for, and why the account links wait', () => {
    expect(formatPlan(planLoad(accountsContactsMapping()))).toBe(
      [
        'Load plan: 3 phases in 2 passes, 2 X2CRM classes.',
        '',
        'Pass 1: each record, with the links whose parents are loaded already',
        '  1. Accounts → account (accounts)',
        '  2. Contacts → contact (contacts)',
        '       waits for Accounts (company)',
        '',
        'Pass 2: the links that had to wait, set on the rows of pass 1',
        '  3. Accounts.links → account (accounts)',
        '       sets parentAccount → Accounts, primaryContact → Contacts',
        '',
        'Links set in pass 2, and why:',
        '  Accounts.parentAccount → Accounts (parentaccountid): a record of the same class, which may load later in the same phase',
        '  Accounts.primaryContact → Contacts (primarycontactid): in pass 1 it would close the cycle Accounts → Contacts → Accounts',
        '',
      ].join('\n'),
    )
  })

  it('says which records of a split class each table takes, and waits for both tables of a parent', () => {
    const rule = { match: 'any' as const, conditions: [{ type: 'tag' as const, tags: ['lead'] }] }
    const text = formatPlan(
      planLoad({
        entities: [
          map('Contacts', 'contact', [], { where: { ...rule, negate: true } }),
          map('Contacts', 'lead', [], { name: 'Contacts→lead', where: rule }),
          map('Opportunity', 'opportunity', [
            link('contactName', 'Contacts', 'contact'),
            link('owner', 'Contacts', 'contact', 2),
          ]),
        ],
      }),
    )
    expect(text).toContain(
      '  1. Contacts → contact (contacts), the records the split rule leaves; the rest go to Contacts→lead\n',
    )
    expect(text).toContain(
      '  2. Contacts→lead → lead (leads), the records the split rule takes; the rest go to Contacts\n',
    )
    expect(text).toContain(
      '  3. Opportunity → opportunity (opportunitys)\n       waits for Contacts + Contacts→lead (contactName)\n',
    )
    expect(text).toContain(
      'Opportunity.owner → Contacts (ownerid): the map sets `pass: 2`; Contacts loads first, so pass 1 could set it',
    )
  })

  it('names a cycle the first pass cannot load', () => {
    const text = formatPlan(
      planLoad({
        entities: [
          map('Accounts', 'account', [link('primaryContact', 'Contacts', 'contact')]),
          map('Contacts', 'contact', [link('company', 'Accounts', 'account')]),
        ],
      }),
    )
    expect(text).toContain(
      'Cycles of first-pass links (no order loads them; set `pass: 2` on one link of each):\n',
    )
    expect(text).toContain('  Accounts → Contacts → Accounts\n')
  })
})

describe('planToJson', () => {
  it('keeps the plan and leaves out the entity maps', () => {
    const json = planToJson(planLoad(accountsContactsMapping()))
    expect(json.phases.map((p) => p.name)).toEqual(['Accounts', 'Contacts', 'Accounts.links'])
    expect(json.phases.some((p) => 'entityMap' in p)).toBe(false)
    expect(json.deferred).toHaveLength(2)
    expect(JSON.parse(JSON.stringify(json))).toEqual(json)
  })
})
