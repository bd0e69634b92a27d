import { spawnSync } from 'node:child_process'
import { accessSync, chmodSync, constants } from 'node:fs'

/**
 * Makes a folder unwritable, also for root, who ignores permissions: `chattr +i` (immutable; ext4 and most local
 * file systems) when running as root, else `chmod 555`. Returns how to undo it, or undefined when neither works
 * here (a test then skips: it cannot show what it checks).
 */
export function makeUnwritable(dir: string): (() => void) | undefined {
  if (process.getuid?.() !== 0) {
    chmodSync(dir, 0o555)
    return writable(dir) ? undefined : () => chmodSync(dir, 0o755)
  }
  const set = spawnSync('chattr', ['+i', dir], { encoding: 'utf8' })
  if (set.status !== 0) return undefined
  const undo = () => void spawnSync('chattr', ['-i', dir])
  if (writable(dir)) {
    undo()
    return undefined
  }
  return undo
}

function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK)
    return true
  } catch {
    return false
  }
}
