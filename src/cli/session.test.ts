import { describe, expect, it } from 'vitest'
import type { RunEvent } from '../run/events.ts'
import type { Renderer } from './render.ts'
import { withSession } from './session.ts'

/** A renderer and connections that write down what happened to them, in order. */
function recorder() {
  const log: string[] = []
  const renderer: Renderer = {
    event: (event) => log.push(`event ${event.type}`),
    flush: () => log.push('flush'),
  }
  const open = () => {
    log.push('open')
    return { close: async () => void log.push('close') }
  }
  return { log, renderer, open }
}

const chosen: RunEvent = { type: 'source.chosen', source: 'api', detail: 'https://crm.example' }

describe('withSession', () => {
  it('runs the work with the connections and the renderer’s events, then flushes and closes', async () => {
    const { log, renderer, open } = recorder()
    const result = await withSession(renderer, open, async (connections, emit) => {
      expect(typeof connections.close).toBe('function')
      emit(chosen)
      return 42
    })
    expect(result).toBe(42)
    expect(log).toEqual(['open', 'event source.chosen', 'flush', 'close'])
  })

  it('flushes and closes when the work throws, and lets the error through', async () => {
    const { log, renderer, open } = recorder()
    await expect(withSession(renderer, open, () => Promise.reject(new Error('target down')))).rejects.toThrow(
      'target down',
    )
    expect(log).toEqual(['open', 'flush', 'close'])
  })

  it('hands the connections the same event sink, for events they emit while connecting', async () => {
    const { log, renderer } = recorder()
    await withSession(
      renderer,
      (emit) => {
        emit(chosen)
        return { close: async () => undefined }
      },
      async () => undefined,
    )
    expect(log).toEqual(['event source.chosen', 'flush'])
  })
})
