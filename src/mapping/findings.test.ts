import { describe, expect, it } from 'vitest'
import { createFindingsCollector, mergeFindings } from './findings.ts'

const now = new Date('2026-01-01T00:00:00Z')
const nowSeconds = now.getTime() / 1000

describe('findings', () => {
  it("lets go of one class's keys and keeps the others'", () => {
    const findings = createFindingsCollector({ now })
    findings.observe('Contacts', { id: 1, email: 'ann@example.com' })
    findings.observe('X2Leads', { id: 1, email: 'ann@example.com' })
    findings.forgetKeys('Contacts')
    findings.observe('Contacts', { id: 2, email: 'ann@example.com' })
    findings.observe('X2Leads', { id: 2, email: 'ann@example.com' })
    expect(findings.findings().duplicateEmail?.examples.map((e) => e.sourceKeys)).toEqual([
      ['X2Leads:1', 'X2Leads:2'],
    ])
  })

  it('keeps what it found when it lets go of its keys, and compares later records with later ones only', () => {
    const findings = createFindingsCollector({ now })
    findings.observe('Contacts', { id: 1, email: 'ann@example.com' })
    findings.observe('Contacts', { id: 2, email: 'ann@example.com' })
    findings.forgetKeys()
    findings.observe('Contacts', { id: 3, email: 'ann@example.com' })
    expect(findings.findings().duplicateEmail?.count).toBe(1)
    findings.observe('Contacts', { id: 4, email: 'ann@example.com' })
    expect(findings.findings().duplicateEmail?.examples.map((e) => e.sourceKeys)).toEqual([
      ['Contacts:1', 'Contacts:2'],
      ['Contacts:3', 'Contacts:4'],
    ])
  })

  it('reports duplicates by e-mail ignoring case and by name + company, with both ids', () => {
    const findings = createFindingsCollector({ now })
    findings.observe('Contacts', { id: 1, email: 'Ann@Example.com', firstName: 'Ann', lastName: 'Lee' })
    findings.observe('Contacts', {
      id: 2,
      email: 'ann@example.COM ',
      firstName: 'Ann',
      lastName: 'Lee',
      company: 'Acme_4',
    })
    findings.observe('Contacts', {
      id: 3,
      email: 'bob@example.com',
      firstName: 'ann',
      lastName: 'LEE',
      company: 'Acme',
    })
    // The same e-mail in another class is no duplicate within X2CRM's class.
    findings.observe('X2Leads', { id: 1, email: 'ann@example.com' })
    expect(findings.findings().duplicateEmail).toEqual({
      count: 1,
      examples: [
        { sourceKeys: ['Contacts:1', 'Contacts:2'], detail: 'e-mail "ann@example.com" ignoring case' },
      ],
    })
    expect(findings.findings().duplicateNameCompany).toEqual({
      count: 1,
      examples: [{ sourceKeys: ['Contacts:2', 'Contacts:3'], detail: 'name "ann LEE" at "Acme"' }],
    })
  })

  it('reports future timestamps, private and group-only records, and records of inactive users', () => {
    const findings = createFindingsCollector({ now, inactiveUsers: new Set(['old']) })
    findings.observe('Accounts', {
      id: 7,
      name: 'A',
      createDate: nowSeconds - 10,
      lastUpdated: nowSeconds + 86400,
    })
    findings.observe('Accounts', { id: 8, name: 'B', visibility: 0, assignedTo: 'ann, old' })
    findings.observe('Accounts', { id: 9, name: 'C', visibility: '2', assignedTo: 'ann' })
    expect(findings.findings()).toEqual({
      futureTimestamp: {
        count: 1,
        examples: [
          { sourceKeys: ['Accounts:7'], detail: 'lastUpdated 2026-01-02T00:00:00.000Z is in the future' },
        ],
      },
      privateRecord: {
        count: 1,
        examples: [{ sourceKeys: ['Accounts:8'], detail: 'visibility 0 (private)' }],
      },
      inactiveOwner: {
        count: 1,
        examples: [{ sourceKeys: ['Accounts:8'], detail: 'assigned to old, inactive in X2CRM' }],
      },
      groupVisibility: {
        count: 1,
        examples: [{ sourceKeys: ['Accounts:9'], detail: "visibility 2 (the owner's groups only)" }],
      },
    })
  })

  it('keeps a few examples and adds up counts when merged', () => {
    const a = createFindingsCollector({ now, examples: 2 })
    for (let id = 1; id <= 4; id++) a.observe('Accounts', { id, visibility: 0 })
    expect(a.findings().privateRecord?.count).toBe(4)
    expect(a.findings().privateRecord?.examples).toHaveLength(2)
    const merged = mergeFindings(a.findings(), a.findings(), 3)
    expect(merged.privateRecord?.count).toBe(8)
    expect(merged.privateRecord?.examples).toHaveLength(3)
  })
})
