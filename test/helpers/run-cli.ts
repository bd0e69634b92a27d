import { spawn } from 'node:child_process'

const cli = new URL('./cli-from-source.js', import.meta.url).pathname

/**
 * Runs the CLI from source without blocking, so simulators served from the test's own process can answer it. The
 * secrets' variables of the test's environment are left out: only `options.env` gives them.
 */
export function runCli(
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { X2CRM_API_KEY: _a, DATAVERSE_CLIENT_SECRET: _b, ...clean } = process.env
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], {
      cwd: options.cwd,
      env: { ...clean, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}
