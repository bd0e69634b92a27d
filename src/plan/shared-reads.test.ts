import { describe, expect, it } from 'vitest'
import { defaultMapping } from '../mapping/default-map.ts'
import { planLoad } from './plan-load.ts'
import { sharedReads, waves } from './shared-reads.ts'

describe('sharedReads', () => {
  it('reads Actions once per pass for its six tables, and every other class once', () => {
    const groups = sharedReads(planLoad(defaultMapping()).phases).map((g) => g.map((p) => p.name))
    const actions = groups.filter((g) => g.some((name) => name.startsWith('Actions')))
    expect(actions).toEqual([
      [
        'Actions→task',
        'Actions→phonecall',
        'Actions→appointment',
        'Actions→email',
        'Actions→email received',
        'Actions→annotation',
      ],
      [
        'Actions→task.links',
        'Actions→phonecall.links',
        'Actions→appointment.links',
        'Actions→email.links',
        'Actions→email received.links',
      ],
    ])
    // Each class is read once per pass: no two groups of one pass share a class.
    const reads = sharedReads(planLoad(defaultMapping()).phases).map((g) => `${g[0]?.pass}:${g[0]?.entity}`)
    expect(new Set(reads).size).toBe(reads.length)
  })

  it('keeps the order of the phases, and reads apart phases of one class that are not adjacent', () => {
    const phases = [
      { name: 'a1', entity: 'A', pass: 1 as const },
      { name: 'a2', entity: 'A', pass: 1 as const },
      { name: 'b', entity: 'B', pass: 1 as const },
      { name: 'a3', entity: 'A', pass: 1 as const },
      { name: 'a1.links', entity: 'A', pass: 2 as const },
    ]
    expect(sharedReads(phases).map((g) => g.map((p) => p.name))).toEqual([
      ['a1', 'a2'],
      ['b'],
      ['a3'],
      ['a1.links'],
    ])
    expect(sharedReads([])).toEqual([])
  })
})

describe('waves', () => {
  it('runs each first-pass group alone in plan order, and the link-pass groups together', () => {
    const phases = [
      { name: 'a', entity: 'A', pass: 1 as const },
      { name: 'b1', entity: 'B', pass: 1 as const },
      { name: 'b2', entity: 'B', pass: 1 as const },
      { name: 'c', entity: 'C', pass: 1 as const },
      { name: 'a.links', entity: 'A', pass: 2 as const },
      { name: 'b1.links', entity: 'B', pass: 2 as const },
      { name: 'b2.links', entity: 'B', pass: 2 as const },
      { name: 'c.links', entity: 'C', pass: 2 as const },
    ]
    expect(waves(sharedReads(phases)).map((wave) => wave.map((g) => g.map((p) => p.name)))).toEqual([
      [['a']],
      [['b1', 'b2']],
      [['c']],
      [['a.links'], ['b1.links', 'b2.links'], ['c.links']],
    ])
    expect(waves([])).toEqual([])
  })
})
