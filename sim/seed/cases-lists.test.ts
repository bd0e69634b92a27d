import { describe, expect, it } from 'vitest'
import { generate } from './generate.ts'

describe('generated cases, lists, tags and relationships', () => {
  const { dataset, listItems } = generate({ seed: 7, accounts: 200, contacts: 1000 })
  const cases = dataset.records['Services'] ?? []
  const lists = dataset.records['X2List'] ?? []

  it('makes about one case per 10 contacts, numbered from 1000, some resolved, some closed without response', () => {
    expect(cases).toHaveLength(100)
    expect(cases[0]?.['id']).toBe(1000)
    const share = (status: string) => cases.filter((c) => c['status'] === status).length / cases.length
    expect(share('Closed - Resolved')).toBeGreaterThan(0.15)
    expect(share('Closed - No Response')).toBeGreaterThan(0.02)
    expect(cases.some((c) => c['contactId'] === null)).toBe(true)
    expect(cases.some((c) => typeof c['parentCase'] === 'string')).toBe(true)
  })

  it('makes static lists with members (some known only by e-mail) and a dynamic one without', () => {
    expect(lists.map((l) => l['type'])).toEqual(['static', 'dynamic'])
    const members = listItems.filter((i) => i.listId === 1)
    expect(members.length).toBe(lists[0]?.['count'])
    expect(members.length).toBeGreaterThanOrEqual(5)
    expect(listItems.some((i) => i.listId === 2)).toBe(false)
  })

  it('tags a fifth of the contacts and labels some relationships; the same seed gives the same data', () => {
    const tagged = Object.keys(dataset.tags?.['Contacts'] ?? {}).length
    expect(tagged).toBeGreaterThan(150)
    expect(tagged).toBeLessThan(250)
    const labelled = (dataset.relationships ?? []).filter((r) => r['firstLabel'] !== null)
    expect(labelled.length).toBeGreaterThan(20)
    expect(generate({ seed: 7, accounts: 200, contacts: 1000 }).listItems).toEqual(listItems)
    // Accounts and contacts are those the generator made before it made these.
    expect(
      generate({ seed: 7, accounts: 200, contacts: 1000, casesListsTags: false }).dataset.records['Contacts'],
    ).toEqual(dataset.records['Contacts'])
  })
})
