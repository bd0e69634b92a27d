import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { applyMapEdit } from './map-edits.ts'

const MAP = `# header comment
version: 1
settings:
  publisherPrefix: new_
  tags: { mode: multiselect }
entities:
  Contacts:
    table: contact
    fields:
      # 0.72 name "title" ~ jobtitle
      title: { target: jobtitle, transform: text, review: confidence 0.72 }
      # 0.95 CRM synonym
      email: { target: emailaddress1, transform: email }
      # 0.60 no standard column
      leadSource: { target: new_leadsource, transform: choice, review: check it }
    parties: { owner: 1, regarding: 2 }
    split:
      table: lead
      match: all
      when:
        - { field: leadstatus, in: [New] }
      fields:
        # 0.70 maybe
        title: { target: jobtitle, transform: text, review: check }
`

const data = (text: string) =>
  parse(text) as {
    settings: Record<string, unknown>
    entities: { Contacts: Record<string, unknown> & { fields: Record<string, Record<string, unknown>> } }
  }

describe('applyMapEdit', () => {
  it('accepts one line: only its review key goes; comments, order and unknown keys stay', () => {
    const text = applyMapEdit(MAP, { type: 'accept', entity: 'Contacts', section: 'fields', field: 'title' })
    expect(text).toContain(
      '# 0.72 name "title" ~ jobtitle\n      title: { target: jobtitle, transform: text }\n',
    )
    expect(text).toContain('# header comment')
    expect(text).toContain('parties: { owner: 1, regarding: 2 }')
    expect(text).toContain('leadSource: { target: new_leadsource, transform: choice, review: check it }')
    expect(Object.keys(data(text).entities.Contacts.fields)).toEqual(['title', 'email', 'leadSource'])
  })

  it('accepts every flagged line of an object, the split table’s too', () => {
    const text = applyMapEdit(MAP, { type: 'acceptAll', entity: 'Contacts' })
    expect(text).not.toMatch(/review:/)
    expect(text).toContain('# 0.70 maybe')
  })

  it('replaces a line in place, keeping its evidence comment', () => {
    const text = applyMapEdit(MAP, {
      type: 'setLine',
      entity: 'Contacts',
      section: 'fields',
      field: 'leadSource',
      line: { target: 'leadsourcecode', transform: 'choice', choices: { Google: 1, Web: 8 } },
    })
    expect(text).toContain(
      '# 0.60 no standard column\n      leadSource: { target: leadsourcecode, transform: choice, choices: { Google: 1, Web: 8 } }\n',
    )
    const skipped = applyMapEdit(MAP, {
      type: 'setLine',
      entity: 'Contacts',
      section: 'split',
      field: 'title',
      line: { skip: true, reason: 'left out' },
    })
    expect(skipped).toContain('title: { skip: true, reason: left out }')
  })

  it('writes the split rule, the tags strategy and the repairs', () => {
    let text = applyMapEdit(MAP, {
      type: 'setSplit',
      entity: 'Contacts',
      match: 'any',
      when: [
        { field: 'leadstatus', in: ['New', 'Assigned'] },
        { hasCompany: false, field: 'company' },
      ],
    })
    text = applyMapEdit(text, { type: 'setTags', tags: { mode: 'none' } })
    text = applyMapEdit(text, { type: 'setRepairs', repairs: { linkByName: false } })
    expect(text).toContain('- { field: leadstatus, in: [ New, Assigned ] }')
    const written = data(text)
    expect(written.settings).toEqual({
      publisherPrefix: 'new_',
      tags: { mode: 'none' },
      repairs: { linkByName: false },
    })
    expect(written.entities.Contacts['split']).toMatchObject({ match: 'any', table: 'lead' })
  })

  it('says what is missing instead of inventing it', () => {
    expect(() =>
      applyMapEdit(MAP, { type: 'accept', entity: 'Contacts', section: 'fields', field: 'nope' }),
    ).toThrow('entities.Contacts.fields has no field nope')
    expect(() => applyMapEdit(MAP, { type: 'acceptAll', entity: 'Leads' })).toThrow('no entity Leads')
    expect(() => applyMapEdit('a: [', { type: 'acceptAll', entity: 'Leads' })).toThrow('does not parse')
  })
})
