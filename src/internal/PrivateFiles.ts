/**
 * Files only their owner may read: the database (and the `-wal`/`-shm` files SQLite makes beside
 * it), its backups and the key file are 0600, a data folder the library creates is 0700. Modes
 * are given when a file is created (never through `process.umask`, which is process-wide) and
 * files the library owns that were left looser are tightened when opened.
 *
 * These are synchronous and throw Node's errors; callers wrap them in `Effect.try` with their
 * own error type.
 *
 * @since 0.1.0
 */
import * as NodeCrypto from "node:crypto"
import * as Fs from "node:fs"

/**
 * The mode of every file the library writes.
 *
 * @since 0.1.0
 * @category Constants
 */
export const FILE_MODE = 0o600

/**
 * The mode of a data folder the library creates.
 *
 * @since 0.1.0
 * @category Constants
 */
const DIR_MODE = 0o700

/**
 * Creates the folder (and its missing parents) with mode 0700. A folder that exists is left as
 * it is: it is the app's, and its mode is the app's choice.
 *
 * @since 0.1.0
 * @category Functions
 */
export const ensureDir = (dir: string): void => {
  // The first folder created, or undefined when the whole path was there already.
  const created = Fs.mkdirSync(dir, { recursive: true, mode: DIR_MODE })
  // mkdir's mode passes through the umask; a folder made just now gets exactly 0700.
  if (created !== undefined) Fs.chmodSync(dir, DIR_MODE)
}

/**
 * Creates an empty file with mode 0600 unless it exists (then it is left alone); returns whether
 * it was created. SQLite gives the `-wal`, `-shm` and journal files the mode of the database
 * file, so creating the database this way before SQLite opens it makes all of them private.
 *
 * @since 0.1.0
 * @category Functions
 */
export const createEmpty = (path: string): boolean => {
  try {
    Fs.closeSync(Fs.openSync(path, "wx", FILE_MODE))
    return true
  } catch (e) {
    // Another process created it between our look and our open: theirs stands.
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false
    throw e
  }
}

/**
 * Sets the file's mode to 0600 when group or others have any access; a missing file is fine.
 * Returns whether the mode was changed.
 *
 * @since 0.1.0
 * @category Functions
 */
export const tighten = (path: string): boolean => {
  const stat = statOrUndefined(path)
  if (stat === undefined || (stat.mode & 0o077) === 0) return false
  Fs.chmodSync(path, FILE_MODE)
  return true
}

/**
 * Writes a file whole with mode 0600: a temporary file, created exclusively, renamed over the
 * target, so a reader sees the old content or the new, and the target is never looser than
 * 0600 even for a moment.
 *
 * @since 0.1.0
 * @category Functions
 */
export const writeAtomic = (path: string, data: string | Uint8Array): void => {
  const tmp = `${path}.tmp-${process.pid}-${NodeCrypto.randomBytes(4).toString("hex")}`
  Fs.writeFileSync(tmp, data, { flag: "wx", mode: FILE_MODE })
  try {
    Fs.renameSync(tmp, path)
  } catch (e) {
    Fs.rmSync(tmp, { force: true })
    throw e
  }
}

const statOrUndefined = (path: string): Fs.Stats | undefined => {
  try {
    return Fs.statSync(path)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined
    throw e
  }
}
