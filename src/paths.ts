import { accessSync, constants, realpathSync, statSync, type Stats } from 'node:fs'
import { dirname, resolve, sep } from 'node:path'
import { ConfigError } from './errors.ts'

/** What a path given by the user must be: a file x2d365 writes (the ledger, a report) or a folder it writes into. */
export interface PathCheck {
  /** As the user wrote it; resolved against the working directory. */
  path: string
  /** Names the setting or option in the message, e.g. `run.ledger` or `--out`. */
  what: string
  kind: 'file' | 'folder'
  /** Only read: the file must exist and be readable, nothing is created. @default false */
  readOnly?: boolean
}

/**
 * Kernel file systems: files there are not storage. SQLite on a /proc file spins, /sys files take no database, and a
 * report there is nonsense; refusing them up front is simpler than finding out how each one fails. (Devices
 * elsewhere, like /dev/null, are refused as not being files.)
 */
const PSEUDO_ROOTS = ['/proc', '/sys']

/**
 * Why `check.path` cannot be used as asked, in one sentence, or undefined when it can. Looks without touching: no
 * folder is created and no file opened, so a refusal leaves the disk as it was. Root ignores file permissions, so
 * "cannot be written" is only found for read-only file systems when running as root.
 */
export function pathProblem(check: PathCheck): string | undefined {
  const path = resolve(check.path)
  const named = `${check.what}: ${path}`
  const real = realExisting(path)
  if (PSEUDO_ROOTS.some((root) => isUnder(real.path, root) || isUnder(path, root))) {
    return `${named} is on a kernel file system (/proc, /sys), not storage; choose a path on a disk`
  }
  const stats = statOrUndefined(path)
  if (stats !== undefined) {
    if (check.kind === 'file' && stats.isDirectory()) return `${named} is a folder; name a file inside it`
    if (check.kind === 'file' && !stats.isFile()) return `${named} is a device or special file, not a file`
    if (check.kind === 'folder' && !stats.isDirectory()) return `${named} is a file, not a folder`
    if (!canAccess(path, check.readOnly ? constants.R_OK : constants.R_OK | constants.W_OK)) {
      return `${named} cannot be ${check.readOnly ? 'read' : 'written'} (permissions or a read-only file system)`
    }
    // Writing a file creates others beside it (SQLite's -wal and -shm, a report's temporary file).
    if (
      check.kind === 'file' &&
      !check.readOnly &&
      !canAccess(dirname(path), constants.W_OK | constants.X_OK)
    ) {
      return `${named} cannot be written: its folder cannot be written (permissions or a read-only file system)`
    }
    return undefined
  }
  if (check.readOnly) return `${named} does not exist`
  // Nothing there yet: the deepest part of the path that exists must be a folder we can create things in.
  const ancestor = real.ancestor
  if (!statOrUndefined(ancestor)?.isDirectory()) {
    return `${named} cannot be created: ${ancestor} is a file, not a folder`
  }
  if (!canAccess(ancestor, constants.W_OK | constants.X_OK)) {
    return `${named} cannot be created: ${ancestor} cannot be written (permissions or a read-only file system)`
  }
  return undefined
}

/** Throws one ConfigError naming every path that cannot be used; call it before any work starts. */
export function assertUsablePaths(checks: readonly PathCheck[]): void {
  const issues = checks.map(pathProblem).filter((issue) => issue !== undefined)
  if (issues.length > 0) throw new ConfigError(issues)
}

/** The path with its deepest existing part resolved through symbolic links, and that existing part itself. */
function realExisting(path: string): { path: string; ancestor: string } {
  let existing = path
  while (statOrUndefined(existing) === undefined && dirname(existing) !== existing)
    existing = dirname(existing)
  let real = existing
  try {
    real = realpathSync(existing)
  } catch {
    // Unreadable: keep it as written.
  }
  return { path: real + path.slice(existing.length), ancestor: existing }
}

function isUnder(path: string, root: string): boolean {
  return path === root || path.startsWith(root + sep)
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path)
  } catch {
    return undefined
  }
}

function canAccess(path: string, mode: number): boolean {
  try {
    accessSync(path, mode)
    return true
  } catch {
    return false
  }
}
