import { describe, expect, it } from 'vitest'
import type { RunEvent } from '../run/events.ts'
import { createHumanRenderer } from './render.ts'

const counts = { created: 0, updated: 0, quarantined: 0, skipped: 0, deleted: 0, restored: 0 }

function rendered(events: readonly (RunEvent | number)[], isTTY = false): string {
  let text = ''
  let clock = 0
  const renderer = createHumanRenderer({ write: (t: string) => void (text += t), isTTY }, () => clock)
  for (const event of events) {
    if (typeof event === 'number') clock += event
    else renderer.event(event)
  }
  return text
}

describe('the progress line', () => {
  it('shows done/total, the rate since the phase started and the time left', () => {
    const text = rendered([
      { type: 'phase.started', phase: 'Contacts', sourceCount: 1000, resumeAfterId: 0 },
      2500,
      {
        type: 'batch.loaded',
        phase: 'Contacts',
        size: 250,
        counts,
        lastSourceId: 250,
        done: 250,
        total: 1000,
      },
    ])
    expect(text).toContain('Contacts: 1000 records in X2CRM\n')
    expect(text).toMatch(/Contacts \[######\.+\] 250\/1000 {2}100 rec\/s {2}8s left\n/)
  })

  it('counts only this process’s work in the rate when a phase resumes part done', () => {
    const text = rendered([
      { type: 'phase.started', phase: 'Contacts', sourceCount: 1000, resumeAfterId: 500 },
      3000,
      {
        type: 'batch.loaded',
        phase: 'Contacts',
        size: 300,
        counts,
        lastSourceId: 800,
        done: 800,
        total: 1000,
      },
    ])
    expect(text).toMatch(/800\/1000 {2}100 rec\/s {2}2s left/)
  })

  it('redraws one line in a terminal, and shows work that is not loading (a delta comparing) the same way', () => {
    const text = rendered(
      [
        { type: 'phase.started', phase: 'Accounts delta', sourceCount: 3000, resumeAfterId: 0 },
        1000,
        {
          type: 'phase.progress',
          phase: 'Accounts delta',
          done: 1000,
          total: 3000,
          step: 1000,
          unit: 'rec/s',
        },
        1000,
        {
          type: 'phase.progress',
          phase: 'Accounts delta',
          done: 2000,
          total: 3000,
          step: 1000,
          unit: 'rec/s',
        },
      ],
      true,
    )
    expect(text.split(`\r${String.fromCharCode(27)}[K`)).toHaveLength(3)
    expect(text).toMatch(/Accounts delta \[#{16}\.{8}\] 2000\/3000 {2}1000 rec\/s {2}1s left$/)
  })
})
