import { describe, expect, it } from 'vitest'
import { actionMaps } from '../mapping/default-actions.ts'
import { ACCOUNT, CONTACT, accountsContactsMapping } from '../mapping/default-map.ts'
import type { EntityMap, FieldMap, Mapping } from '../mapping/types.ts'
import {
  classesInOrder,
  firstPass,
  phaseEntitySets,
  planLoad,
  rowPhaseName,
  rowPhaseOf,
  type LoadPlan,
} from './plan-load.ts'

const table = (logicalName: string) => ({
  logicalName,
  entitySet: `${logicalName}s`,
  primaryId: `${logicalName}id`,
})

/** A link field `source` → the class `entity` (loaded into `into`), in pass 1 unless told. */
function aLink(source: string, entity: string, into: string, pass: 1 | 2 = 1): FieldMap {
  return {
    source,
    target: `${source}_${into}`,
    transform: 'link',
    linkTo: { entity, table: table(into) },
    pass,
  }
}

function aMap(
  entity: string,
  into: string,
  fields: FieldMap[] = [],
  more: Partial<EntityMap> = {},
): EntityMap {
  return {
    entity,
    table: table(into),
    fields: [{ source: 'name', target: 'name', transform: 'text' }, ...fields],
    ...more,
  }
}

const names = (plan: LoadPlan) => plan.phases.map((p) => p.name)

describe('planLoad', () => {
  it('plans the built-in map: accounts, contacts after them, then the account links that had to wait', () => {
    const plan = planLoad(accountsContactsMapping())
    expect(names(plan)).toEqual(['Accounts', 'Contacts', 'Accounts.links'])
    expect(plan.passes).toEqual([
      { pass: 1, phases: ['Accounts', 'Contacts'] },
      { pass: 2, phases: ['Accounts.links'] },
    ])
    expect(plan.phases.map((p) => [p.name, p.pass, p.entity, p.table.entitySet, p.records])).toEqual([
      ['Accounts', 1, 'Accounts', 'accounts', 'all'],
      ['Contacts', 1, 'Contacts', 'contacts', 'all'],
      ['Accounts.links', 2, 'Accounts', 'accounts', 'all'],
    ])
    const [accounts, contacts, links] = plan.phases
    expect(accounts?.waitsFor).toEqual([])
    expect(contacts?.waitsFor).toEqual([
      { field: 'company', nav: 'parentcustomerid_account', parent: 'Accounts', phases: ['Accounts'] },
    ])
    expect(links?.linksOf).toBe('Accounts')
    expect(links?.waitsFor.map((w) => [w.field, w.parent, w.phases])).toEqual([
      ['parentAccount', 'Accounts', ['Accounts']],
      ['primaryContact', 'Contacts', ['Contacts']],
    ])
    expect(plan.cycles).toEqual([])
  })

  it('says why each link waits: a self-reference, and a cycle it would close in the first pass', () => {
    expect(planLoad(accountsContactsMapping()).deferred).toEqual([
      {
        phase: 'Accounts',
        linkPhase: 'Accounts.links',
        field: 'parentAccount',
        nav: 'parentaccountid',
        parent: 'Accounts',
        reason: { type: 'self-reference' },
      },
      {
        phase: 'Accounts',
        linkPhase: 'Accounts.links',
        field: 'primaryContact',
        nav: 'primarycontactid',
        parent: 'Contacts',
        reason: { type: 'cycle', cycle: ['Accounts', 'Contacts', 'Accounts'] },
      },
    ])
  })

  it('finds a longer cycle through the classes in between', () => {
    const plan = planLoad({
      entities: [
        aMap('Accounts', 'account', [aLink('lastTask', 'Actions', 'task', 2)]),
        aMap('Opportunity', 'opportunity', [aLink('accountName', 'Accounts', 'account')]),
        aMap('Actions', 'task', [aLink('opportunity', 'Opportunity', 'opportunity')]),
      ],
    })
    expect(plan.deferred.map((d) => d.reason)).toEqual([
      { type: 'cycle', cycle: ['Accounts', 'Actions', 'Opportunity', 'Accounts'] },
    ])
  })

  it('tells a link the map put in pass 2 without need, and whether its parent loads before or after', () => {
    const plan = planLoad({
      entities: [
        aMap('Accounts', 'account', [aLink('owner', 'Contacts', 'contact', 2)]),
        aMap('Contacts', 'contact'),
        aMap('Opportunity', 'opportunity', [aLink('accountName', 'Accounts', 'account', 2)]),
      ],
    })
    expect(plan.deferred.map((d) => [d.phase, d.field, d.reason])).toEqual([
      ['Accounts', 'owner', { type: 'chosen', parentLoads: 'after' }],
      ['Opportunity', 'accountName', { type: 'chosen', parentLoads: 'before' }],
    ])
    expect(plan.passes[1]).toEqual({ pass: 2, phases: ['Accounts.links', 'Opportunity.links'] })
  })

  it('orders opportunities and tasks after the accounts and contacts they link to, whatever order the map gives', () => {
    const mapping: Mapping = {
      entities: [
        aMap('Actions', 'task', [
          aLink('opportunity', 'Opportunity', 'opportunity'),
          aLink('contact', 'Contacts', 'contact'),
        ]),
        aMap('Opportunity', 'opportunity', [
          aLink('accountName', 'Accounts', 'account'),
          aLink('contactName', 'Contacts', 'contact'),
        ]),
        aMap('Contacts', 'contact', [aLink('company', 'Accounts', 'account')]),
        aMap('Accounts', 'account', [aLink('primaryContact', 'Contacts', 'contact', 2)]),
      ],
    }
    const plan = planLoad(mapping)
    expect(names(plan)).toEqual(['Accounts', 'Contacts', 'Opportunity', 'Actions', 'Accounts.links'])
    expect(plan.phases[2]?.waitsFor.map((w) => `${w.field} → ${w.parent}`)).toEqual([
      'accountName → Accounts',
      'contactName → Contacts',
    ])
    expect(plan.phases[3]?.waitsFor.map((w) => `${w.field} → ${w.parent}`)).toEqual([
      'opportunity → Opportunity',
      'contact → Contacts',
    ])
    expect(classesInOrder(plan)).toEqual(['Accounts', 'Contacts', 'Opportunity', 'Actions'])
  })

  it('keeps the order given between classes that do not wait for each other, and is the same on every call', () => {
    const mapping: Mapping = {
      entities: [aMap('Product', 'product'), aMap('Campaign', 'campaign'), aMap('Accounts', 'account')],
    }
    expect(names(planLoad(mapping))).toEqual(['Product', 'Campaign', 'Accounts'])
    expect(planLoad(mapping)).toEqual(planLoad(mapping))
    // Planning the plan's own order again changes nothing.
    const again = planLoad({
      entities: firstPass(planLoad(accountsContactsMapping())).map((p) => p.entityMap),
    })
    expect(names(again)).toEqual(names(planLoad(accountsContactsMapping())))
  })

  it('loads a split class into its tables one after the other; what links to the class waits for both', () => {
    const rule = { match: 'any' as const, conditions: [{ type: 'tag' as const, tags: ['lead'] }] }
    const plan = planLoad({
      entities: [
        aMap('Opportunity', 'opportunity', [aLink('contactName', 'Contacts', 'contact')]),
        aMap('Contacts', 'contact', [aLink('company', 'Accounts', 'account')], {
          where: { ...rule, negate: true },
        }),
        aMap('Contacts', 'lead', [aLink('company', 'Accounts', 'account', 2)], {
          name: 'Contacts→lead',
          where: rule,
        }),
        aMap('Accounts', 'account'),
      ],
    })
    expect(names(plan)).toEqual([
      'Accounts',
      'Contacts',
      'Contacts→lead',
      'Opportunity',
      'Contacts→lead.links',
    ])
    const [, contacts, leads, opportunity, leadLinks] = plan.phases
    expect(contacts).toMatchObject({ records: 'others', split: ['Contacts', 'Contacts→lead'] })
    expect(leads).toMatchObject({ records: 'matching', split: ['Contacts', 'Contacts→lead'], waitsFor: [] })
    expect(leads?.table.entitySet).toBe('leads')
    expect(plan.phases[0]?.split).toBeUndefined()
    expect(opportunity?.waitsFor[0]?.phases).toEqual(['Contacts', 'Contacts→lead'])
    expect(leadLinks).toMatchObject({ linksOf: 'Contacts→lead', split: ['Contacts', 'Contacts→lead'] })
    expect(plan.deferred).toMatchObject([
      { phase: 'Contacts→lead', field: 'company', reason: { type: 'chosen', parentLoads: 'before' } },
    ])
    expect(phaseEntitySets(plan.phases)).toEqual(
      new Map([
        ['Accounts', 'accounts'],
        ['Contacts', 'contacts'],
        ['Contacts→lead', 'leads'],
        ['Opportunity', 'opportunitys'],
        ['Contacts→lead.links', 'leads'],
      ]),
    )
  })

  it('reports first-pass cycles (a map built in code; parseMapping refuses them) and still lists every phase', () => {
    const plan = planLoad({
      entities: [
        aMap('Accounts', 'account', [aLink('primaryContact', 'Contacts', 'contact')]),
        aMap('Contacts', 'contact', [aLink('company', 'Accounts', 'account')]),
        aMap('Tasks', 'task', [aLink('parent', 'Tasks', 'task')]),
      ],
    })
    expect(plan.cycles).toEqual([
      ['Accounts', 'Contacts', 'Accounts'],
      ['Tasks', 'Tasks'],
    ])
    expect(names(plan).sort()).toEqual(['Accounts', 'Contacts', 'Tasks'])
  })

  it('does not wait for a class the map does not load, nor for itself in the link pass', () => {
    const plan = planLoad({
      entities: [aMap('Contacts', 'contact', [aLink('company', 'Accounts', 'account')])],
    })
    expect(plan.phases[0]?.waitsFor).toEqual([])
    expect(plan.passes).toEqual([{ pass: 1, phases: ['Contacts'] }])
    expect(plan.deferred).toEqual([])
  })
})

describe('planLoad with actions routed by type', () => {
  const regardingTo = [
    { entity: 'Accounts', table: ACCOUNT },
    { entity: 'Contacts', table: CONTACT },
  ]
  const plan = planLoad({ entities: [...actionMaps(regardingTo), ...accountsContactsMapping().entities] })
  const first = plan.passes[0]?.phases ?? []

  it('loads every table of the actions after each class they may be about, whatever order the map gives', () => {
    expect(first.slice(0, 2)).toEqual(['Accounts', 'Contacts'])
    expect(first.slice(2)).toEqual([
      'Actions→task',
      'Actions→phonecall',
      'Actions→appointment',
      'Actions→email',
      'Actions→email received',
      'Actions→annotation',
    ])
    const task = plan.phases.find((p) => p.name === 'Actions→task')
    expect(task?.waitsFor.map((w) => [w.nav, w.parent])).toEqual([
      ['regardingobjectid', 'Accounts'],
      ['regardingobjectid', 'Contacts'],
    ])
  })

  it('gives the first table the records no table takes (to quarantine them), and no other phase', () => {
    const routed = plan.phases.filter((p) => p.unrouted !== undefined).map((p) => p.name)
    expect(routed).toEqual(['Actions→task'])
    expect(plan.phases.find((p) => p.name === 'Actions→task')?.unrouted).toHaveLength(6)
  })

  it('closes activities in the link pass, after every record is in; notes have no state', () => {
    expect(plan.passes[1]?.phases).toEqual([
      'Accounts.links',
      'Actions→task.links',
      'Actions→phonecall.links',
      'Actions→appointment.links',
      'Actions→email.links',
      'Actions→email received.links',
    ])
    expect(plan.deferred.some((d) => d.phase.startsWith('Actions'))).toBe(false)
  })
})

describe('rowPhaseOf', () => {
  it('names the first-pass phase whose table holds a row, also for a link pass the ledger recorded', () => {
    const phases = planLoad(accountsContactsMapping()).phases
    expect(rowPhaseOf(phases, 'Contacts')?.name).toBe('Contacts')
    expect(rowPhaseOf(phases, 'Accounts.links')?.name).toBe('Accounts')
    expect(rowPhaseOf(phases, 'Contacts.links')?.name).toBe('Contacts')
    expect(rowPhaseOf(phases, 'Leads')).toBeUndefined()
    expect(rowPhaseName('Contacts→lead.links')).toBe('Contacts→lead')
  })
})
