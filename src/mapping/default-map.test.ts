import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { TransformName } from './types.ts'
import { reads } from './compatibility.ts'
import { defaultMapping } from './default-map.ts'

interface Column {
  name: string
  type: string
  target?: string[]
  nav?: Record<string, string>
  readOnly?: boolean
}
interface Table {
  entitySet: string
  primaryId: string
  columns: Column[]
}

const tables = JSON.parse(
  readFileSync(new URL('../../sim/dataverse/tables.json', import.meta.url), 'utf8'),
) as Record<string, Table>

/** Dataverse attribute types each value transform can fill. */
const COMPATIBLE: Record<Exclude<TransformName, 'link' | 'owner'>, readonly string[]> = {
  regarding: ['Lookup'],
  activityState: ['State'],
  actionSubject: ['String'],
  secondsToMinutes: ['Integer'],
  priceList: ['Lookup'],
  unit: ['Lookup', 'Boolean'],
  text: ['String', 'Memo'],
  email: ['String'],
  phone: ['String'],
  url: ['String'],
  integer: ['Integer', 'BigInt'],
  decimal: ['Decimal', 'Money', 'Double'],
  boolean: ['Boolean'],
  unixToIso: ['DateTime'],
  unixToDate: ['DateTime'],
  choice: ['Picklist', 'State', 'Status'],
  multiChoice: ['MultiSelectPicklist'],
}

interface X2crmDefaults {
  models: Record<string, { fields: { fieldName: string; type: string; linkType?: string | null }[] }>
}

/** X2CRM 7.1 default fields (sim/x2crm/defaults.json, taken from docs/x2crm/fields.json). */
const x2crm = JSON.parse(
  readFileSync(new URL('../../sim/x2crm/defaults.json', import.meta.url), 'utf8'),
) as X2crmDefaults

const mapping = defaultMapping()

describe('defaultMapping', () => {
  it('loads accounts before contacts, then their timeline', () => {
    expect(mapping.entities.map((e) => `${e.name ?? e.entity} → ${e.table.logicalName}`)).toEqual([
      'Accounts → account',
      'Contacts → contact',
      'Opportunity → opportunity',
      'Actions→task → task',
      'Actions→phonecall → phonecall',
      'Actions→appointment → appointment',
      'Actions→email → email',
      'Actions→email received → email',
      'Actions→annotation → annotation',
      'Media→annotation → annotation',
    ])
    expect(mapping.entities.find((e) => e.entity === 'Opportunity')?.close?.won).toEqual(['Won'])
    expect(mapping.entities.find((e) => e.entity === 'Media')?.attachments).toBe(true)
  })

  for (const entityMap of mapping.entities) {
    const table = tables[entityMap.table.logicalName]

    describe(entityMap.name ?? entityMap.entity, () => {
      it('names its table as tables.json does', () => {
        expect(table).toBeDefined()
        expect(entityMap.table).toEqual({
          logicalName: entityMap.table.logicalName,
          entitySet: table?.entitySet,
          primaryId: table?.primaryId,
        })
      })

      it('reads each X2CRM field once', () => {
        const sources = entityMap.fields.map((f) => f.source)
        expect(new Set(sources).size).toBe(sources.length)
      })

      it('writes each Dataverse column at most once', () => {
        const targets = entityMap.fields.map((f) => f.target)
        expect(new Set(targets).size).toBe(targets.length)
      })

      for (const field of entityMap.fields) {
        it(`${field.source} (${field.transform}) is an X2CRM default field of a type the transform reads`, () => {
          const source = x2crm.models[entityMap.entity]?.fields.find((f) => f.fieldName === field.source)
          expect(source, `X2CRM ${entityMap.entity} has no field ${field.source}`).toBeDefined()
          expect(reads(field.transform, source?.type ?? '')).toBe(true)
          if (field.transform === 'link') expect(source?.linkType).toBe(field.linkTo?.entity)
        })

        it(`${field.source} → ${field.target} (${field.transform}) fits a writable column`, () => {
          const columns = table?.columns ?? []
          if (field.transform === 'link') {
            const column = columns.find((c) => Object.values(c.nav ?? {}).includes(field.target))
            const linkTo = field.linkTo
            expect(column, `no lookup binds as ${field.target}`).toBeDefined()
            expect(linkTo).toBeDefined()
            expect(column?.nav?.[linkTo?.table.logicalName ?? '']).toBe(field.target)
            expect(tables[linkTo?.table.logicalName ?? '']?.entitySet).toBe(linkTo?.table.entitySet)
            expect(column?.readOnly).not.toBe(true)
            return
          }
          const column = columns.find((c) => c.name === field.target)
          expect(column, `${entityMap.table.logicalName} has no column ${field.target}`).toBeDefined()
          expect(column?.readOnly).not.toBe(true)
          if (field.transform === 'owner') {
            expect(column?.type).toBe('Owner')
            expect(column?.target).toContain('systemuser')
          } else {
            expect(COMPATIBLE[field.transform]).toContain(column?.type)
          }
        })
      }
    })
  }

  it('sets the self-reference and the cycle in pass 2, the company in pass 1', () => {
    const passes = mapping.entities.flatMap((e) =>
      e.fields.filter((f) => f.transform === 'link').map((f) => `${e.entity}.${f.source}: ${f.pass ?? 1}`),
    )
    expect(passes).toEqual([
      'Accounts.parentAccount: 2',
      'Accounts.primaryContact: 2',
      'Contacts.company: 1',
      'Opportunity.accountName: 1',
      'Opportunity.contactName: 1',
    ])
  })

  it('matches accounts already in Dataverse by name and website, and contacts not at all', () => {
    expect(mapping.entities.slice(0, 2).map((e) => [e.entity, e.dedupe?.columns])).toEqual([
      ['Accounts', ['name', 'websiteurl']],
      ['Contacts', undefined],
    ])
    expect(mapping.entities.filter((e) => e.dedupe !== undefined)).toHaveLength(1)
  })
})
