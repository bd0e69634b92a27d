/**
 * A TCP proxy on 127.0.0.1 that holds every chunk `rttMs / 2` each way, in order: a database or an API across a
 * network, for benchmarks (`bench/mysql-vs-api.ts --rtt-ms 10`). It runs in a process of its own, so its work is
 * neither the reader's nor the simulator's.
 *
 *   const proxy = await startDelayProxy({ host: '127.0.0.1', port: 3306 }, 10)  // proxy.port, proxy.close()
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { connect, createServer, type Socket } from 'node:net'
import { fileURLToPath } from 'node:url'

export interface DelayProxy {
  port: number
  close(): Promise<void>
}

export async function startDelayProxy(
  to: { host: string; port: number },
  rttMs: number,
): Promise<DelayProxy> {
  const proc: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), to.host, String(to.port), String(rttMs / 2)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  const port = await new Promise<number>((resolve, reject) => {
    let out = ''
    proc.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const line = /^(\d+)\n/.exec(out)
      if (line) resolve(Number(line[1]))
    })
    proc.on('error', reject)
    proc.on('exit', (code) => reject(new Error(`delay proxy exited with ${code}`)))
  })
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        proc.on('exit', () => resolve())
        proc.kill()
      }),
  }
}

/** The proxy itself: `delay-proxy.ts host port delayMs`; prints the port it listens on. */
function serveProxy(host: string, port: number, delayMs: number) {
  const forward = (from: Socket, to: Socket) => {
    from.on('data', (chunk) => setTimeout(() => to.write(chunk), delayMs))
    from.on('end', () => setTimeout(() => to.end(), delayMs))
    from.on('error', () => to.destroy())
  }
  const server = createServer((client) => {
    const upstream = connect(port, host)
    forward(client, upstream)
    forward(upstream, client)
  })
  server.listen(0, '127.0.0.1', () => {
    const address = server.address()
    process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`)
  })
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [host = '127.0.0.1', port = '0', delayMs = '0'] = process.argv.slice(2)
  serveProxy(host, Number(port), Number(delayMs))
}
