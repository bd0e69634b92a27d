import { describe, expect, it } from 'vitest'
import type { FieldMap, TransformContext } from './types.ts'
import {
  cleanEmail,
  cleanPhone,
  cleanText,
  cleanUrl,
  DESTROYED_WARNING,
  resolveLink,
  resolveOwner,
} from './transforms.ts'

describe('cleanText', () => {
  it.each([
    ['  Acme  ', 'Acme'],
    [42, '42'],
    ['Müller & Söhne GmbH', 'Müller & Söhne GmbH'],
    ['<p>Met at <b>conference</b></p>', '<p>Met at <b>conference</b></p>'],
    ['', null],
    ['   ', null],
    [null, null],
    [undefined, null],
  ])('%j → %j with trim: true (as every text was before issue 14)', (value, expected) => {
    expect(cleanText(value, { trim: true })).toEqual({ value: expected })
  })

  it.each([
    ['  Acme  ', '  Acme  '],
    ['Prefers calls.\nAsk for Sam.\n', 'Prefers calls.\nAsk for Sam.\n'],
    [`${'n'.repeat(61_439)}\n`, `${'n'.repeat(61_439)}\n`],
    [42, '42'],
    ['', null],
    [' \n\t ', null],
    [null, null],
  ])('keeps %j exactly without trim', (value, expected) => {
    expect(cleanText(value)).toEqual({ value: expected })
  })

  it("flags the ???? X2CRM's database left where emoji were, and keeps the text", () => {
    expect(cleanText('Zoë ????')).toEqual({ value: 'Zoë ????', warning: DESTROYED_WARNING })
    expect(DESTROYED_WARNING).toBe("contains characters X2CRM's database destroyed (????)")
  })

  it('does not flag a single question mark or ☕, which survive', () => {
    expect(cleanText('Loves ☕?')).toEqual({ value: 'Loves ☕?' })
  })

  it('leaves an object empty, with a warning', () => {
    expect(cleanText({ a: 1 })).toEqual({ value: null, warning: 'unexpected value {"a":1}; left empty' })
  })
})

describe('cleanEmail', () => {
  it.each(['info@acme.example.com', 'juergen.mueller@mueller.example.de', 'a+tag@x.io'])(
    'keeps %s',
    (value) => {
      expect(cleanEmail(value)).toEqual({ value })
    },
  )

  it('trims, and empties an empty address without a warning', () => {
    expect(cleanEmail(' a@b.co ')).toEqual({ value: 'a@b.co' })
    expect(cleanEmail('')).toEqual({ value: null })
    expect(cleanEmail(null)).toEqual({ value: null })
  })

  it.each(['not-an-email@@example', 'no-at-sign.example.com', 'a@localhost', 'two words@example.com'])(
    'leaves %s empty, naming the value',
    (value) => {
      expect(cleanEmail(value)).toEqual({
        value: null,
        warning: `"${value}" is not a valid e-mail address; left empty`,
      })
    },
  )
})

describe('cleanPhone', () => {
  it('keeps the number as typed, trimmed', () => {
    expect(cleanPhone(' +1 (555) 232-1416 ')).toEqual({ value: '+1 (555) 232-1416' })
    expect(cleanPhone(5550100)).toEqual({ value: '5550100' })
    expect(cleanPhone('')).toEqual({ value: null })
  })
})

describe('cleanUrl', () => {
  it('keeps a web address as typed, without adding a scheme', () => {
    expect(cleanUrl('acme.example.com')).toEqual({ value: 'acme.example.com' })
    expect(cleanUrl(' https://acme.example.com/x ')).toEqual({ value: 'https://acme.example.com/x' })
    expect(cleanUrl('')).toEqual({ value: null })
  })

  it('warns about a value with spaces in it, and keeps it', () => {
    expect(cleanUrl('see our site')).toEqual({
      value: 'see our site',
      warning: '"see our site" does not look like a web address; kept as typed',
    })
  })
})

describe('resolveOwner', () => {
  const users: Record<string, string> = { jsmith: 'guid-jsmith', lchen: 'guid-lchen' }
  const ownerFor = (username: string) => users[username]

  it('binds a mapped user as owner', () => {
    expect(resolveOwner('jsmith', ownerFor)).toEqual({ value: '/systemusers(guid-jsmith)' })
  })

  it.each(['Anyone', '', '  ', null])('leaves %j unassigned, without a warning', (value) => {
    expect(resolveOwner(value, ownerFor)).toEqual({ value: null })
  })

  it('gives a record assigned to Anyone to the default owner, not the application user, when there is one', () => {
    expect(resolveOwner('Anyone', ownerFor, 'guid-default')).toEqual({
      value: '/systemusers(guid-default)',
      warning: 'assigned to Anyone in X2CRM; the default owner takes it',
    })
    expect(resolveOwner('', ownerFor, 'guid-default')).toEqual({ value: null })
  })

  it('keeps the first of several users, and says which were dropped', () => {
    expect(resolveOwner('jsmith, lchen', ownerFor)).toEqual({
      value: '/systemusers(guid-jsmith)',
      warning: 'assigned to jsmith, lchen; Dataverse keeps one owner, jsmith; lchen dropped',
    })
  })

  it('drops group ids, with a warning', () => {
    expect(resolveOwner('3, lchen', ownerFor)).toEqual({
      value: '/systemusers(guid-lchen)',
      warning: 'assigned to X2CRM group 3, which cannot own a Dataverse row; dropped',
    })
    expect(resolveOwner(3, ownerFor)).toEqual({
      value: null,
      warning: 'assigned to X2CRM group 3, which cannot own a Dataverse row; dropped',
    })
  })

  it('does not bind a user with no Dataverse user, and says so', () => {
    expect(resolveOwner('pwagner', ownerFor)).toEqual({
      value: null,
      warning: 'X2CRM user "pwagner" has no Dataverse user; the row gets the default owner',
    })
  })
})

describe('resolveLink', () => {
  const ctx: TransformContext = {
    targetIdFor: (entity, id) => `${entity}-guid-${id}`,
    ownerFor: () => undefined,
  }
  const company: FieldMap = {
    source: 'company',
    target: 'parentcustomerid_account',
    transform: 'link',
    linkTo: {
      entity: 'Accounts',
      table: { logicalName: 'account', entitySet: 'accounts', primaryId: 'accountid' },
    },
  }

  it('turns a nameId into a lookup to bind, in pass 1 by default', () => {
    expect(resolveLink('Hooli_13', company, ctx)).toEqual({
      value: {
        field: 'company',
        nav: 'parentcustomerid_account',
        entitySet: 'accounts',
        parentKey: 'Accounts:13',
        parentTargetId: 'Accounts-guid-13',
        pass: 1,
      },
    })
  })

  it('keeps the pass of the field', () => {
    expect(resolveLink('Hooli_13', { ...company, pass: 2 }, ctx).value?.pass).toBe(2)
  })

  describe('repair linkByName', () => {
    const names: Record<string, number[]> = { 'Acme Corp': [12], Globex: [3, 4] }
    const named: TransformContext = { ...ctx, idsNamed: (_entity, name) => names[name] ?? [] }

    it('links plain text to the one record of exactly that name, and says so', () => {
      const result = resolveLink('Acme Corp', company, named)
      expect(result.value).toMatchObject({ parentKey: 'Accounts:12', parentTargetId: 'Accounts-guid-12' })
      expect(result.warning).toBe(
        'repair linkByName: "Acme Corp" is plain text, not a link to an X2CRM Accounts record; ' +
          'linked to Accounts 12, the one record of that name',
      )
    })

    it('never guesses: several or none leave it empty, naming the candidates or the count', () => {
      expect(resolveLink('Globex', company, named)).toEqual({
        value: null,
        warning:
          'repair linkByName: "Globex" is plain text, not a link to an X2CRM Accounts record; ' +
          '2 Accounts records have that name (3, 4); not linked',
      })
      expect(resolveLink('acme corp', company, named).warning).toMatch(
        /; no Accounts record has that name; not linked$/,
      )
    })

    it('is off when the map switches it off, or when the class was not read whole', () => {
      expect(resolveLink('Acme Corp', company, named, false).value).toBeNull()
      expect(resolveLink('Acme Corp', company, { ...ctx, idsNamed: () => undefined })).toEqual({
        value: null,
        warning: '"Acme Corp" is plain text, not a link to an X2CRM Accounts record; not linked',
      })
    })
  })

  it('still gives a lookup for a dangling id: the run decides, knowing what loaded', () => {
    expect(resolveLink('Ghost_999999', company, ctx).value?.parentKey).toBe('Accounts:999999')
  })

  it('links nothing for plain text, with a warning naming it', () => {
    expect(resolveLink('Unknown Company That Does Not Exist Inc', company, ctx)).toEqual({
      value: null,
      warning:
        '"Unknown Company That Does Not Exist Inc" is plain text, not a link to an X2CRM Accounts record; not linked',
    })
  })

  it('links nothing for an empty value, silently', () => {
    expect(resolveLink(null, company, ctx)).toEqual({ value: null })
    expect(resolveLink('', company, ctx)).toEqual({ value: null })
  })

  it('refuses a link field without linkTo: the mapping was not validated', () => {
    const { linkTo: _, ...broken } = company
    expect(() => resolveLink('Hooli_13', broken, ctx)).toThrow(/without linkTo/)
  })
})
