import { describe, expect, it } from 'vitest'
import {
  dirtyKindOf,
  dirtyKindsByEntity,
  GENERATED_ENTITIES,
  generateRecord,
  generateRecords,
  isDeleted,
  type InstanceShape,
} from './records.ts'

const shape: InstanceShape = {
  seed: 3,
  counts: Object.fromEntries(GENERATED_ENTITIES.map((entity) => [entity, 400])),
  dirty: 0.2,
  deleted: 0.05,
}

describe('generateRecords', () => {
  it('computes record i from (seed, i) alone: any range gives the same records', () => {
    const whole = [...generateRecords(shape, 'Contacts', { from: 1, to: 400 })]
    const parts = [
      ...generateRecords(shape, 'Contacts', { from: 1, to: 150 }),
      ...generateRecords(shape, 'Contacts', { from: 151, to: 400 }),
    ]
    expect(parts).toEqual(whole)
    expect(generateRecord(shape, 'Contacts', 77)).toEqual(whole.find((record) => record.id === 77))
    expect(generateRecord({ ...shape, seed: 4 }, 'Contacts', 77)).not.toEqual(
      generateRecord(shape, 'Contacts', 77),
    )
  })

  it('leaves deleted ids out, and starts Quote and Services at 1000', () => {
    const ids = [...generateRecords(shape, 'Accounts', { from: 1, to: 400 })].map((record) => record.id)
    const deleted = Array.from({ length: 400 }, (_, i) => i + 1).filter((id) =>
      isDeleted(shape, 'Accounts', id),
    )
    expect(deleted.length).toBeGreaterThan(5)
    expect(ids).toHaveLength(400 - deleted.length)
    expect([...generateRecords(shape, 'Services', { from: 1, to: 2000 })][0]?.id).toBeGreaterThanOrEqual(1000)
  })

  it('plants every dirty kind of every module', () => {
    for (const entity of GENERATED_ENTITIES) {
      const kinds = new Set<string>()
      for (let id = 1; id <= 1400; id++) {
        const kind = dirtyKindOf(shape, entity, id)
        if (kind) kinds.add(kind)
      }
      expect([...kinds].sort(), entity).toEqual([...dirtyKindsByEntity[entity]].sort())
    }
  })

  it('makes a hidden record private and assigned to nobody, and links hold "Name_ID"', () => {
    const hiddenId = Array.from({ length: 400 }, (_, i) => i + 1).find(
      (id) => dirtyKindOf(shape, 'Contacts', id) === 'hiddenPrivate' && !isDeleted(shape, 'Contacts', id),
    )
    expect(generateRecord(shape, 'Contacts', hiddenId ?? 0)).toMatchObject({
      visibility: 0,
      assignedTo: 'Anyone',
    })
    const withCompany = [...generateRecords(shape, 'Contacts', { from: 1, to: 50 })].find(
      (record) => typeof record.company === 'string' && /_\d+$/.test(record.company),
    )
    const accountId = Number(/_(\d+)$/.exec(String(withCompany?.company))?.[1])
    const account = generateRecord(shape, 'Accounts', accountId)
    if (account) expect(withCompany?.company).toBe(account.nameId)
  })

  it('has actions of every type', () => {
    const types = new Set(
      [...generateRecords(shape, 'Actions', { from: 1, to: 400 })].map((action) => action.type),
    )
    expect([...types].sort()).toEqual(
      [
        '',
        'attachment',
        'call',
        'email',
        'emailFrom',
        'event',
        'note',
        'time',
        'webactivity',
        'workflow',
      ].sort(),
    )
  })
})
