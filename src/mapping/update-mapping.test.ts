import { describe, expect, it } from 'vitest'
import { parseMapping } from './parse-mapping.ts'
import { addNewFields } from './update-mapping.ts'
import type { WrittenMapping } from './written-mapping.ts'

const confirmed = [
  '# my notes stay',
  'version: 1',
  'entities:',
  '  Contacts:',
  '    table: contact',
  '    fields:',
  '      # checked by hand',
  '      lastName: { target: lastname, transform: text, trim: true }',
  '      c_type: { target: new_type, transform: text, create: { type: String, label: Type, maxLength: 100 } }',
  '    split:',
  '      table: lead',
  '      when: [{ hasCompany: false }]',
  '      fields:',
  '        lastName: { target: lastname, transform: text }',
  '',
].join('\n')

const proposal = (fields: Record<string, unknown>): { written: WrittenMapping; evidence: never } =>
  ({
    written: {
      version: 1,
      entities: {
        Contacts: {
          table: 'contact',
          fields: { lastName: { target: 'lastname', transform: 'text' }, ...fields },
          split: { table: 'lead', match: 'any', when: [{ hasCompany: false }], fields },
        },
      },
    },
    evidence: {} as never,
  }) as unknown as { written: WrittenMapping; evidence: never }

describe('addNewFields (map propose --update)', () => {
  it('adds the new fields to the class and its split, keeping every line and comment as it was', () => {
    const update = addNewFields(
      confirmed,
      proposal({
        c_region: {
          target: 'new_region',
          transform: 'text',
          create: { type: 'String', label: 'Region', maxLength: 100 },
        },
      }),
    )
    expect(update?.added).toEqual(['Contacts.c_region', 'Contacts.split.c_region'])
    expect(update?.conflicts).toEqual([])
    const text = update?.text ?? ''
    expect(text).toContain('# my notes stay')
    expect(text).toContain('# checked by hand')
    expect(text).toContain('lastName: { target: lastname, transform: text, trim: true }')
    expect(text).toContain('# added by map propose --update')
    expect(text).toMatch(
      /c_region: \{ target: new_region, transform: text, create: \{ type: String, label: Region, maxLength: 100 \} \}/,
    )
    const parsed = parseMapping(text)
    expect(parsed.errors).toEqual([])
    expect(
      parsed.value?.entities.find((e) => e.table.logicalName === 'contact')?.fields.map((f) => f.source),
    ).toEqual(['lastName', 'c_type', 'c_region'])
  })

  it('never adds a second line for a column another field fills (no new_type_x2)', () => {
    const update = addNewFields(confirmed, proposal({ c_kind: { target: 'new_type', transform: 'text' } }))
    expect(update?.added).toEqual(['Contacts.split.c_kind'])
    expect(update?.conflicts).toEqual([
      "Contacts.c_kind: its proposed column new_type is already c_type's; map it by hand",
    ])
  })

  it('says nothing was added when the map names every field already', () => {
    expect(addNewFields(confirmed, proposal({}))?.added).toEqual([])
    expect(addNewFields('entities: [', proposal({}))).toBeUndefined()
  })
})
