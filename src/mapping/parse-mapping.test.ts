import { describe, expect, it } from 'vitest'
import { parseMapping } from './parse-mapping.ts'
import { writeMapping } from './write-mapping.ts'
import type { WrittenMapping } from './written-mapping.ts'

const written: WrittenMapping = {
  version: 1,
  entities: {
    Contacts: {
      table: 'contact',
      fields: {
        lastName: { target: 'lastname', transform: 'text' },
        company: { target: 'parentcustomerid_account', transform: 'link', linkTo: 'Accounts' },
        leadSource: {
          target: 'leadsourcecode',
          transform: 'choice',
          choices: { Google: 1, Webinar: 100000000 },
          newOptions: { '100000000': 'Webinar' },
        },
        visibility: { skip: true, reason: 'Dataverse security replaces it' },
      },
      split: {
        table: 'lead',
        when: [{ field: 'leadstatus', in: ['New', 'Assigned'] }, { hasCompany: false }],
        fields: { lastName: { target: 'lastname', transform: 'text' } },
      },
    },
    Accounts: {
      table: 'account',
      fields: {
        name: { target: 'name', transform: 'text' },
        parentAccount: { target: 'parentaccountid', transform: 'link', linkTo: 'Accounts', pass: 2 },
        primaryContact: { target: 'primarycontactid', transform: 'link', linkTo: 'Contacts', pass: 2 },
      },
    },
  },
}

describe('parseMapping', () => {
  it('reads what writeMapping writes, entities in load order, the split as two entity maps', () => {
    const text = writeMapping(written, {
      Contacts: { lastName: { confidence: 0.97, reasons: ['synonym of lastname'] } },
    })
    expect(text).toContain('# 0.97 synonym of lastname')
    const parsed = parseMapping(text)
    expect(parsed.errors).toEqual([])
    const entities = parsed.value?.entities ?? []
    expect(entities.map((e) => e.name ?? e.entity)).toEqual(['Accounts', 'Contacts', 'Contacts→lead'])
    const contact = entities[1]
    expect(contact?.where).toMatchObject({ negate: true, match: 'any' })
    expect(contact?.fields.map((f) => f.source)).toEqual(['lastName', 'company', 'leadSource'])
    expect(contact?.fields[1]).toMatchObject({
      linkTo: { entity: 'Accounts', table: { entitySet: 'accounts', primaryId: 'accountid' } },
      pass: 1,
    })
    expect(contact?.fields[2]?.newOptions).toEqual({ '100000000': 'Webinar' })
    expect(entities[2]?.where?.conditions).toEqual([
      { type: 'field', field: 'leadstatus', in: ['New', 'Assigned'] },
      { type: 'hasCompany', field: 'company', value: false },
    ])
    expect(parsed.value?.settings).toEqual({
      publisherPrefix: 'new_',
      sourceIdColumn: 'new_x2crmid',
      tags: { mode: 'multiselect', column: 'new_x2crmtags' },
    })
  })

  it('reports YAML that does not parse with its line, and no stack trace', () => {
    const parsed = parseMapping('version: 1\nentities:\n  Accounts: { table: account\n')
    expect(parsed.value).toBeUndefined()
    expect(parsed.errors[0]).toMatch(/^YAML \(line \d+, column \d+\): .+; fix the syntax and run again$/)
    expect(parsed.errors.join()).not.toMatch(/at \w+ \(/)
  })

  it('reports every schema problem at once with its path and line', () => {
    const text = [
      'version: 1',
      'entities:',
      '  Accounts:',
      '    table: account',
      '    fields:',
      '      name: { target: 5, transform: text }',
      '      website: { target: websiteurl, transform: hyperlink }',
    ].join('\n')
    const { errors } = parseMapping(text)
    expect(errors).toHaveLength(2)
    expect(errors[0]).toMatch(/^entities\.Accounts\.fields\.name\.target \(line 6\): .*expected string/)
    expect(errors[1]).toMatch(/^entities\.Accounts\.fields\.website\.transform \(line 7\): /)
  })

  it('refuses a first-pass cycle and names it; a pass-2 link breaks it', () => {
    const cyclic = structuredClone(written)
    const primary = cyclic.entities['Accounts']?.fields['primaryContact']
    if (primary && !('skip' in primary)) primary.pass = 1
    const { errors } = parseMapping(writeMapping(cyclic))
    expect(errors).toEqual([
      expect.stringMatching(
        /^entities \(line \d+\): the load order has a cycle (Contacts → Accounts → Contacts|Accounts → Contacts → Accounts)/,
      ),
    ])
  })

  it('refuses a self-reference in pass 1', () => {
    const self = structuredClone(written)
    const parent = self.entities['Accounts']?.fields['parentAccount']
    if (parent && !('skip' in parent)) delete parent.pass
    expect(parseMapping(writeMapping(self)).errors[0]).toMatch(/cycle Accounts → Accounts/)
  })

  it('needs linkTo on links and choices on choice fields, and knows every linkTo', () => {
    const text = [
      'version: 1',
      'entities:',
      '  Contacts:',
      '    table: contact',
      '    fields:',
      '      company: { target: parentcustomerid_account, transform: link }',
      '      accountName: { target: parentcustomerid_account, transform: link, linkTo: Companies }',
      '      leadSource: { target: leadsourcecode, transform: choice }',
      '      title: { target: jobtitle, transform: text, choices: { a: 1 } }',
    ].join('\n')
    const { errors } = parseMapping(text)
    expect(errors).toEqual([
      expect.stringMatching(
        /^entities\.Contacts\.fields\.company\.linkTo \(line 6\): a link needs `linkTo:`/,
      ),
      expect.stringMatching(
        /^entities\.Contacts\.fields\.accountName\.linkTo \(line 7\): Companies is not an entity/,
      ),
      expect.stringMatching(
        /^entities\.Contacts\.fields\.leadSource \(line 8\): `transform: choice` needs `choices:`/,
      ),
      expect.stringMatching(
        /^entities\.Contacts\.fields\.title \(line 9\): `choices` and `newOptions` belong/,
      ),
    ])
  })

  it('reads dedupe columns of a map and of its split, written on one line with what they do above', () => {
    const deduped = structuredClone(written)
    const accounts = deduped.entities['Accounts']
    const contacts = deduped.entities['Contacts']
    if (accounts === undefined || contacts?.split === undefined) throw new Error('fixture changed')
    accounts.dedupe = { columns: ['name'] }
    contacts.split.dedupe = { columns: ['lastname'] }
    const text = writeMapping(deduped)
    expect(text).toMatch(
      /# A record not loaded yet is loaded onto the one existing row.*\n.*\n {4}dedupe: \{ columns: \[ name \] \}/,
    )
    const parsed = parseMapping(text)
    expect(parsed.errors).toEqual([])
    const byName = new Map(parsed.value?.entities.map((e) => [e.name ?? e.entity, e]))
    expect(byName.get('Accounts')?.dedupe).toEqual({ columns: ['name'] })
    expect(byName.get('Contacts→lead')?.dedupe).toEqual({ columns: ['lastname'] })
    expect(byName.get('Contacts')?.dedupe).toBeUndefined()
  })

  it('refuses dedupe columns the map does not fill, listed twice, or none at all', () => {
    const text = [
      'version: 1',
      'entities:',
      '  Accounts:',
      '    table: account',
      '    fields:',
      '      name: { target: name, transform: text }',
      '      parentAccount: { target: parentaccountid, transform: link, linkTo: Accounts, pass: 2 }',
      '    dedupe: { columns: [name, websiteurl, name, parentaccountid] }',
      '  Contacts:',
      '    table: contact',
      '    fields: {}',
      '    dedupe: { columns: [] }',
    ].join('\n')
    const { errors } = parseMapping(text)
    expect(errors).toEqual([expect.stringMatching(/^entities\.Contacts\.dedupe\.columns \(line 12\): .*>=1/)])
    const fixed = parseMapping(text.replace('dedupe: { columns: [] }', 'dedupe: { columns: [lastname] }'))
    expect(fixed.errors).toEqual([
      expect.stringMatching(
        /^entities\.Accounts\.dedupe\.columns \(line 8\): no field of this map fills websiteurl; /,
      ),
      'entities.Accounts.dedupe.columns (line 8): name is listed twice',
      expect.stringMatching(
        /^entities\.Accounts\.dedupe\.columns \(line 8\): no field of this map fills parentaccountid/,
      ),
      expect.stringMatching(
        /^entities\.Contacts\.dedupe\.columns \(line 12\): no field of this map fills lastname/,
      ),
    ])
  })

  it('warns about lines still flagged for review', () => {
    const text = writeMapping({
      version: 1,
      entities: {
        Accounts: {
          table: 'account',
          fields: { type: { target: 'description', transform: 'text', review: 'guessed from the label' } },
        },
      },
    })
    const parsed = parseMapping(text)
    expect(parsed.errors).toEqual([])
    expect(parsed.warnings).toEqual([
      expect.stringMatching(
        /^entities\.Accounts\.fields\.type \(line \d+\): flagged for review: guessed from the label/,
      ),
    ])
  })
})

describe('parseMapping: trim', () => {
  const withField = (field: Record<string, unknown>) =>
    writeMapping({
      version: 1,
      entities: { Accounts: { table: 'account', fields: { name: field as never } } },
    })

  it('keeps text exact unless the map says trim: true', () => {
    const trimmed = parseMapping(withField({ target: 'name', transform: 'text', trim: true }))
    expect(trimmed.value?.entities[0]?.fields[0]).toMatchObject({ source: 'name', trim: true })
    const exact = parseMapping(withField({ target: 'name', transform: 'text' }))
    expect(exact.value?.entities[0]?.fields[0]?.trim).toBeUndefined()
  })

  it('refuses trim on a transform other than text', () => {
    const parsed = parseMapping(withField({ target: 'emailaddress1', transform: 'email', trim: true }))
    expect(parsed.errors.join('\n')).toMatch(/`trim` belongs to `transform: text` only/)
  })
})

describe('parseMapping: repairs', () => {
  it('turns repairs on by default, off by settings or per entity (the entity wins)', () => {
    const text = (settings: string, entity: string) =>
      [
        'version: 1',
        ...(settings === '' ? [] : ['settings:', `  repairs: ${settings}`]),
        'entities:',
        '  Accounts:',
        '    table: account',
        ...(entity === '' ? [] : [`    repairs: ${entity}`]),
        '    fields:',
        '      name: { target: name, transform: text }',
      ].join('\n')
    const repairsOf = (settings: string, entity: string) =>
      parseMapping(text(settings, entity)).value?.entities[0]?.repairs
    expect(repairsOf('', '')).toBeUndefined()
    const on = { linkByName: true, caseInsensitiveClass: true, caseInsensitiveChoice: true }
    expect(repairsOf('{ linkByName: false }', '')).toEqual({ ...on, linkByName: false })
    expect(repairsOf('{ linkByName: false }', '{ linkByName: true }')).toEqual(on)
    expect(repairsOf('{ caseInsensitiveClass: false }', '{ caseInsensitiveChoice: false }')).toEqual({
      ...on,
      caseInsensitiveClass: false,
      caseInsensitiveChoice: false,
    })
    expect(parseMapping(text('{ guess: true }', '')).errors.join()).toMatch(/guess/)
  })
})
