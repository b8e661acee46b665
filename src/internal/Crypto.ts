/**
 * AES-256-GCM for stored secrets (node:crypto): a fresh 12-byte nonce on every seal, and
 * additional authenticated data that binds a ciphertext to where it belongs, so a ciphertext
 * copied to another provider or field fails to open.
 *
 * @since 0.1.0
 */
import { Either, Redacted } from "effect"
import * as NodeCrypto from "node:crypto"

/**
 * A sealed value, as stored.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Sealed {
  readonly nonce: Uint8Array
  readonly ciphertext: Uint8Array
  readonly tag: Uint8Array
}

/**
 * A decoded master key.
 *
 * @since 0.1.0
 * @category Models
 */
export type MasterKey = Redacted.Redacted<Buffer>

/**
 * Decodes a base64 master key; it must be exactly 32 bytes.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const masterKey = (base64: Redacted.Redacted<string>): Either.Either<MasterKey, string> => {
  const text = Redacted.value(base64).trim()
  if (!/^[A-Za-z0-9+/_-]+=*$/.test(text)) return Either.left("the master key must be base64")
  const bytes = Buffer.from(text, "base64")
  return bytes.length === 32 ? Either.right(Redacted.make(bytes)) : Either.left(`the master key must be 32 bytes, not ${bytes.length}`)
}

/**
 * A new random master key, base64.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const generateKey = (): Redacted.Redacted<string> => Redacted.make(NodeCrypto.randomBytes(32).toString("base64"))

/**
 * The associated data that binds a secret to its provider and field.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const aad = (provider: string, field: string): string => `dbtk-ai:v1:${provider}:${field}`

/**
 * Encrypts a value.
 *
 * @since 0.1.0
 * @category Functions
 */
export const seal = (key: MasterKey, plaintext: Redacted.Redacted<string>, associated: string): Sealed => {
  const nonce = NodeCrypto.randomBytes(12)
  const cipher = NodeCrypto.createCipheriv("aes-256-gcm", Redacted.value(key), nonce)
  cipher.setAAD(Buffer.from(associated, "utf8"))
  const ciphertext = Buffer.concat([cipher.update(Redacted.value(plaintext), "utf8"), cipher.final()])
  return { nonce, ciphertext, tag: cipher.getAuthTag() }
}

/**
 * Decrypts a value; fails when the key, the associated data or the bytes do not match.
 *
 * @since 0.1.0
 * @category Functions
 */
export const open = (key: MasterKey, sealed: Sealed, associated: string): Either.Either<Redacted.Redacted<string>, "mismatch"> => {
  try {
    const decipher = NodeCrypto.createDecipheriv("aes-256-gcm", Redacted.value(key), sealed.nonce)
    decipher.setAAD(Buffer.from(associated, "utf8"))
    decipher.setAuthTag(sealed.tag)
    const plain = Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]).toString("utf8")
    return Either.right(Redacted.make(plain))
  } catch {
    return Either.left("mismatch")
  }
}
