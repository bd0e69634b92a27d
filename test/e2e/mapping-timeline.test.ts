import { describe, expect, it } from 'vitest'
import { actionMaps, mediaMap } from '../../src/mapping/default-actions.ts'
import { DEFAULT_OPPORTUNITY_CLOSE } from '../../src/mapping/default-objects.ts'
import { parseMapping } from '../../src/mapping/parse-mapping.ts'
import { proposeMapping } from '../../src/mapping/propose-mapping.ts'
import type { EntityMap } from '../../src/mapping/types.ts'
import { validateMapping } from '../../src/mapping/validate-mapping.ts'
import { writeMapping } from '../../src/mapping/write-mapping.ts'
import { defaultSourceSchema, defaultTargetSchema } from './mapping-schemas.ts'

/** What parseMapping adds to every entity map, taken off to compare with the built-in maps. */
const bare = (map: EntityMap | undefined) => {
  if (map === undefined) return undefined
  const { skipped: _skipped, sourceIdColumn: _column, ...rest } = map
  return rest
}

describe('map propose: the timeline round-trips through mapping.yaml', () => {
  const source = defaultSourceSchema()
  const target = defaultTargetSchema()
  const proposal = proposeMapping(source, target)
  const text = writeMapping(proposal.written, proposal.evidence)
  const parsed = parseMapping(text)
  const byName = new Map((parsed.value?.entities ?? []).map((e) => [e.name ?? e.entity, e]))

  it('writes Actions by type, Media → notes with their file and the opportunity close, which parse and validate', () => {
    expect(parsed.errors).toEqual([])
    expect(validateMapping(parsed.value ?? { entities: [] }, source, target).errors).toEqual([])
    expect(text).toMatch(
      /^ {2}Actions→phonecall:\n {4}# The X2CRM class.*\n {4}entity: Actions\n {4}table: phonecall\n/m,
    )
    expect(text).toMatch(/when:\n {6}- \{ field: type, in: \[ call \] \}/)
    expect(text).toMatch(/parties: \{ owner: 1, regarding: 2 \}/)
    expect(text).toMatch(/attachments: true/)
    expect(text).toMatch(/close: \{ field: salesStage, won: \[ Won \], lost: \[ Lost \]/)
    expect([...byName.keys()]).toEqual(
      expect.arrayContaining([
        'Actions→task',
        'Actions→phonecall',
        'Actions→appointment',
        'Actions→email',
        'Actions→email received',
        'Actions→annotation',
        'Media→annotation',
        'Opportunity',
      ]),
    )
    expect(byName.has('Actions')).toBe(false)
  })

  it('gives back exactly the built-in maps (propose → write → parse → equal)', () => {
    // The regarding classes as the proposal loads them: a split class (Contacts → contact and lead) in both tables.
    const regarding = byName.get('Actions→task')?.fields.find((f) => f.transform === 'regarding')
    const regardingTo = regarding?.regardingTo ?? []
    expect(regardingTo.map((r) => `${r.entity}:${r.table.logicalName}`)).toEqual(
      expect.arrayContaining([
        'Accounts:account',
        'Contacts:contact',
        'Contacts:lead',
        'Opportunity:opportunity',
      ]),
    )
    for (const builtIn of [...actionMaps(regardingTo), mediaMap(regardingTo)]) {
      expect(bare(byName.get(builtIn.name ?? builtIn.entity)), builtIn.name).toEqual(builtIn)
    }
    expect(byName.get('Opportunity')?.close).toEqual(DEFAULT_OPPORTUNITY_CLOSE)
    // Every other Actions field is written `skip: true`, so validate does not warn about fields left unmentioned.
    expect(byName.get('Actions→phonecall')?.skipped).toContain('workflowId')
  })

  it('refuses parties, close and attachments on a table that has none, with the line', () => {
    const broken = parseMapping(`version: 1
entities:
  Accounts:
    table: account
    fields: { name: { target: name, transform: text } }
    parties: { owner: 1, regarding: 2 }
    close: { field: salesStage, won: [Won], lost: [Won] }
    attachments: true
  Opportunity:
    table: opportunity
    fields: { name: { target: name, transform: text } }
    close: { field: salesStage, won: [Won], lost: [won] }
  Notes:
    entity: Actions
    table: annotation
    when: [{ field: type, in: [note] }]
    split: { table: task, when: [{ field: type, in: [''] }], fields: {} }
    fields: { subject: { target: subject, transform: actionSubject } }
`)
    expect(broken.errors).toEqual([
      'entities.Accounts.parties (line 6): account rows have no activity parties; `parties` belongs to email, phonecall, appointment, fax, letter: take it out',
      'entities.Accounts.close (line 7): only opportunities are closed by WinOpportunity/LoseOpportunity, not account: take `close` out',
      "entities.Accounts.attachments (line 8): files go into a note's documentbody: `attachments: true` needs `table: annotation`, not account",
      'entities.Opportunity.close.lost (line 12): "won" is listed as won and as lost; keep it in one of them',
      'entities.Notes.when (line 16): `when` and `split` do not go together: route the records with one of them',
    ])
    const typed = parseMapping(`version: 1
entities:
  Opportunity:
    table: opportunity
    fields: {}
    parties: { owner: 0, regarding: 2 }
`)
    expect(typed.errors).toEqual([
      expect.stringMatching(/^entities\.Opportunity\.parties\.owner \(line 6\): /),
    ])
  })
})
