import { describe, expect, it } from 'vitest'
import type { Discovery } from '../discover/discover.ts'
import type { ReviewData } from './gather.ts'
import { handleReview, type ReviewContext, type ReviewRequest } from './handlers.ts'
import { contentHash, type PageView } from './review-view.ts'

const TOKEN = 'k7Qd0Yb1x2d365tokenAAAAAAAAAAAA'
const ORIGIN = 'http://127.0.0.1:4321'

const column = (name: string, type = 'String', maxLength = 100) => ({ name, type, maxLength })
const table = (entitySet: string, primaryId: string) => ({
  entitySet,
  primaryId,
  primaryName: 'fullname',
  columns: [
    { name: primaryId, type: 'Uniqueidentifier', primaryId: true },
    column('jobtitle'),
    column('emailaddress1'),
    column('description', 'Memo', 2000),
  ],
})
const field = (fieldName: string, type: string, linkType: string | null = null) => ({
  fieldName,
  attributeLabel: fieldName,
  type,
  linkType,
  custom: false,
  required: false,
  readOnly: false,
})
const discovery: Discovery = {
  discoveredAt: '2026-11-26T00:00:00Z',
  source: {
    entities: {
      Contacts: [field('title', 'varchar'), field('email', 'email'), field('leadstatus', 'dropdown', '100')],
    },
    dropdowns: [{ id: 100, name: 'Lead status', options: { New: 'New', Dead: 'Dead' }, multi: false }],
  },
  counts: { Contacts: 3 },
  unreadable: {},
  users: [],
  target: { contact: table('contacts', 'contactid'), lead: table('leads', 'leadid') },
}

const MAP = `version: 1
entities:
  Contacts:
    table: contact
    fields:
      # 0.72 name "title" ~ jobtitle
      title: { target: jobtitle, transform: text, review: confidence 0.72 }
      # 0.95 CRM synonym
      email: { target: emailaddress1, transform: email }
      leadstatus: { target: nosuchcolumn, transform: text }
    dedupe: { columns: [emailaddress1] }
    split:
      table: lead
      match: all
      when:
        - { field: leadstatus, in: [New] }
      fields:
        title: { target: jobtitle, transform: text }
        email: { target: emailaddress1, transform: email }
        leadstatus: { skip: true }
`

const data: ReviewData = {
  discovery,
  samples: {
    Contacts: {
      title: { sampled: 3, filled: 2, top: [{ value: '<script>alert(1)</script>', count: 2 }] },
    },
  },
  splitRecords: {
    Contacts: [
      { id: 1, leadstatus: 'New' },
      { id: 2, leadstatus: 'Dead' },
      { id: 3, leadstatus: 'new ' },
    ],
  },
  owners: [{ key: 'jdoe', kind: 'user', name: 'Jane Doe', email: 'j@x.example', active: true, records: 4 }],
  dataverseUsers: [
    { id: 'u1', email: 'jane@contoso.com', name: 'Jane', disabled: false },
    { id: 'u2', email: 'old@contoso.com', name: 'Old', disabled: true },
  ],
  teams: [{ id: 't1', name: 'Sales' }],
}

function context(files: Partial<ReviewContext['files']> = {}): ReviewContext {
  return {
    token: TOKEN,
    origin: ORIGIN,
    files: { mapping: MAP, users: undefined, lock: undefined, ...files },
    data,
    assets: { html: '<html>', js: 'js', css: 'css' },
    now: () => new Date('2026-12-01T10:00:00Z'),
  }
}

const get = (url: string, headers: Record<string, string> = {}): ReviewRequest => ({
  method: 'GET',
  url,
  headers: { host: '127.0.0.1:4321', ...headers },
  body: '',
})

const post = (
  route: string,
  body: unknown,
  headers: Record<string, string | undefined> = {},
): ReviewRequest => ({
  method: 'POST',
  url: `/${TOKEN}/api/${route}`,
  headers: {
    host: '127.0.0.1:4321',
    origin: ORIGIN,
    'sec-fetch-site': 'same-origin',
    'content-type': 'application/json',
    'x-review-token': TOKEN,
    ...headers,
  },
  body: JSON.stringify(body),
})

async function state(ctx = context()): Promise<PageView> {
  const { response } = await handleReview(get(`/${TOKEN}/api/state`), ctx)
  expect(response.status).toBe(200)
  return JSON.parse(response.body) as PageView
}

describe('the review page handlers', () => {
  it('refuses every request without the token, or for another host, and never sends CORS headers', async () => {
    for (const url of [
      '/',
      '/api/state',
      `/${TOKEN.slice(0, -1)}/`,
      `/${TOKEN}x/api/state`,
      `/x/${TOKEN}/`,
    ]) {
      const { response } = await handleReview(get(url), context())
      expect(response.status, url).toBe(403)
    }
    const rebound = await handleReview(get(`/${TOKEN}/`, { host: 'evil.example:4321' }), context())
    expect(rebound.response.status).toBe(403)
    const page = await handleReview(get(`/${TOKEN}/`), context())
    expect(page.response.status).toBe(200)
    expect(Object.keys(page.response.headers).filter((h) => h.startsWith('access-control'))).toEqual([])
    expect(page.response.headers['content-security-policy']).toContain("script-src 'self'")
  })

  it('refuses state changes from another site, without the token header, or not as JSON', async () => {
    const edit = { hash: contentHash(MAP), edit: { type: 'acceptAll', entity: 'Contacts' } }
    const cases: [Record<string, string | undefined>, number][] = [
      [{ 'x-review-token': undefined }, 403],
      [{ 'x-review-token': `${TOKEN}x` }, 403],
      [{ origin: 'https://evil.example' }, 403],
      [{ origin: undefined }, 403],
      [{ 'sec-fetch-site': 'cross-site' }, 403],
      [{ 'content-type': 'text/plain' }, 415],
    ]
    for (const [headers, status] of cases) {
      const result = await handleReview(post('map', edit, headers), context())
      expect(result.response.status, JSON.stringify(headers)).toBe(status)
      expect(result.writes).toBeUndefined()
    }
    expect((await handleReview(post('map', edit), context())).writes?.mapping).toBeDefined()
  })

  it('shows each line with samples, evidence, review flag and problems beside it; other keys read-only', async () => {
    const view = await state()
    const contacts = view.objects[0]
    expect(contacts?.records).toBe(3)
    expect(contacts?.other).toEqual({ dedupe: { columns: ['emailaddress1'] } })
    const title = contacts?.lines.find((l) => l.section === 'fields' && l.field === 'title')
    expect(title).toMatchObject({
      confidence: 0.72,
      evidence: 'name "title" ~ jobtitle',
      line: { review: 'confidence 0.72' },
      sample: { top: [{ value: '<script>alert(1)</script>', count: 2 }] },
    })
    const status = contacts?.lines.find((l) => l.section === 'fields' && l.field === 'leadstatus')
    expect(status?.problems.join('\n')).toMatch(/^error: .*nosuchcolumn/)
    expect(status?.options).toEqual({ New: 'New', Dead: 'Dead' })
    expect(contacts?.split?.preview).toMatchObject({ total: 3, split: 2, kept: 1 })
    expect(view.owners[0]?.resolution).toBe('no Dataverse user has the e-mail j@x.example or the same name')
    expect(view.review).toBe(1)
    expect(view.lock.state).toBe('none')
  })

  it('resolves owners as `x2d365 users` does, with the config’s default owner', async () => {
    const view = await state({ ...context(), data: { ...data, defaultOwnerEmail: 'jane@contoso.com' } })
    expect(view.owners[0]?.resolution).toBe('goes to the default owner jane@contoso.com')
  })

  it('counts a split rule live without saving it', async () => {
    const { response, writes } = await handleReview(
      post('split-preview', {
        entity: 'Contacts',
        match: 'any',
        when: [{ field: 'leadstatus', in: ['Dead'] }],
      }),
      context(),
    )
    expect(JSON.parse(response.body)).toMatchObject({ total: 3, split: 1, kept: 2 })
    expect(writes).toBeUndefined()
  })

  it('saves an edit only against the content it saw: a changed file answers 409 and nothing is written', async () => {
    const edit = { type: 'accept', entity: 'Contacts', section: 'fields', field: 'title' }
    const saved = await handleReview(post('map', { hash: contentHash(MAP), edit }), context())
    expect(saved.response.status).toBe(200)
    expect(saved.writes?.mapping).toContain(
      '# 0.72 name "title" ~ jobtitle\n      title: { target: jobtitle, transform: text }',
    )
    expect((JSON.parse(saved.response.body) as PageView).review).toBe(0)

    const stale = await handleReview(
      post('map', { hash: contentHash(MAP), edit }),
      context({ mapping: `${MAP}\n` }),
    )
    expect(stale.response.status).toBe(409)
    expect(stale.response.body).toContain('changed since this page read it')
    expect(stale.writes).toBeUndefined()
  })

  it('maps an owner to a team or an enabled user; a disabled user is refused', async () => {
    const team = await handleReview(
      post('owner', { hash: contentHash(undefined), owner: 'jdoe', choice: { kind: 'team', name: 'Sales' } }),
      context(),
    )
    expect(team.writes?.users).toBe('byHand:\n  jdoe:\n    team: Sales\n')
    expect((JSON.parse(team.response.body) as PageView).owners[0]?.resolution).toBe('your choice: team Sales')
    expect((JSON.parse(team.response.body) as PageView).owners[0]?.choice).toEqual({
      kind: 'team',
      name: 'Sales',
    })
    const user = await handleReview(
      post('owner', {
        hash: contentHash(team.writes?.users),
        owner: 'jdoe',
        choice: { kind: 'user', email: 'jane@contoso.com' },
      }),
      context({ users: team.writes?.users }),
    )
    expect(user.writes?.users).toBe('byHand:\n  jdoe: jane@contoso.com\n')
    expect((JSON.parse(user.response.body) as PageView).owners[0]?.resolution).toBe(
      'your choice: jane@contoso.com',
    )
    const disabled = await handleReview(
      post('owner', {
        hash: contentHash(undefined),
        owner: 'jdoe',
        choice: { kind: 'user', email: 'old@contoso.com' },
      }),
      context(),
    )
    expect(disabled.response.status).toBe(400)
    expect(disabled.response.body).toContain('is disabled')
    expect(disabled.writes).toBeUndefined()
  })

  it('confirms like `map confirm`: not while lines await review or problems remain; then writes the lock', async () => {
    const refused = await handleReview(post('confirm', { hash: contentHash(MAP), by: 'Ann' }), context())
    expect(refused.response.status).toBe(400)
    expect(refused.writes).toBeUndefined()
    const fixed = MAP.replace(', review: confidence 0.72', '').replace('nosuchcolumn', 'description')
    const noName = await handleReview(
      post('confirm', { hash: contentHash(fixed), by: ' ' }),
      context({ mapping: fixed }),
    )
    expect(noName.response.status).toBe(400)
    const confirmed = await handleReview(
      post('confirm', { hash: contentHash(fixed), by: 'Ann' }),
      context({ mapping: fixed }),
    )
    expect(confirmed.response.status).toBe(200)
    expect(JSON.parse(confirmed.writes?.lock ?? '{}')).toMatchObject({
      who: 'Ann',
      when: '2026-12-01T10:00:00.000Z',
    })
    expect((JSON.parse(confirmed.response.body) as PageView).lock.state).toBe('current')
  })
})
