/**
 * The types of `@db-toolkit/ai/electron`, free of Effect: the shapes of Electron's `ipcMain` and
 * `safeStorage` it needs, the options of `install` and the handle it returns.
 *
 * @since 0.1.0
 */

/**
 * What `install` needs of Electron's `ipcMain`.
 *
 * @since 0.1.0
 * @category Models
 */
export interface IpcMain {
  handle(channel: string, listener: (event: unknown, ...args: Array<unknown>) => unknown): void
  removeHandler?(channel: string): void
}

/**
 * Electron's `safeStorage`, as the master-key store uses it.
 *
 * @since 0.1.0
 * @category Models
 */
export interface SafeStorage {
  isEncryptionAvailable(): boolean
  encryptString(plainText: string): Buffer
  decryptString(encrypted: Buffer): string
  getSelectedStorageBackend?(): string
}

/**
 * Where `install` reports what the app should know (the stack could not start, a key store
 * fell back): Electron's `console` or the app's logger.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Logger {
  readonly error?: ((message: string) => void) | undefined
  readonly warn?: ((message: string) => void) | undefined
}

/**
 * Options of `install`.
 *
 * @since 0.1.0
 * @category Models
 */
export interface InstallOptions {
  /** `app.getPath("userData")`: the database `ai.db` and the key file live here. */
  readonly userDataDir: string
  /** Electron's `safeStorage`: the master key is kept encrypted with it (`ai.key.enc`). */
  readonly safeStorage?: SafeStorage | undefined
  /** With `safeStorage` on Linux without a keyring: keep the key in a 0600 file instead of refusing. */
  readonly allowPlainTextKey?: boolean | undefined
  /** The database type of a connection (`connectionManager.getConnection(id)?.db_type`). */
  readonly dbTypeOf?: ((connectionId: string) => string | undefined | PromiseLike<string | undefined>) | undefined
  /** A `.env` file of the `.env` era to import once (never the packaged app's own resources). */
  readonly migrateEnvFrom?: string | undefined
  readonly logger?: Logger | undefined
}

/**
 * How a channel is served.
 *
 * @since 0.1.0
 * @category Models
 */
export type Listener = (event: unknown, ...args: Array<unknown>) => unknown

/**
 * Whether the AI stack started.
 *
 * @since 0.1.0
 * @category Models
 */
export type Readiness = { readonly ok: true } | { readonly ok: false; readonly error: string }

/**
 * What `install` returns.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Installed {
  /** Every channel registered. */
  readonly channels: ReadonlyArray<string>
  /** Settles once the AI stack has started, or could not (the channels then answer why); never rejects. */
  readonly ready: Promise<Readiness>
  /** Removes the channels and closes the stack (requests in flight get a moment to finish). */
  readonly dispose: () => Promise<void>
}

