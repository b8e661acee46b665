/**
 * A fake of Electron's `safeStorage` that behaves as Electron 39's does: `encryptString` gives
 * opaque bytes tied to one machine's (and user's) secret, `decryptString` throws Electron's own
 * message on anything else, and both throw when encryption is not available.
 */
import * as NodeCrypto from "node:crypto"

// Electron 39's declaration (electron.d.ts, `interface SafeStorage`): the store must accept it as it is.
export interface ElectronSafeStorage {
  decryptString(encrypted: Buffer): string
  encryptString(plainText: string): Buffer
  getSelectedStorageBackend(): ("basic_text" | "gnome_libsecret" | "kwallet" | "kwallet5" | "kwallet6" | "unknown")
  isEncryptionAvailable(): boolean
  setUsePlainTextEncryption(usePlainText: boolean): void
}

type Backend = ReturnType<ElectronSafeStorage["getSelectedStorageBackend"]>

/**
 * A fake of Electron's `safeStorage` on one "machine": AES-256-GCM under a secret only that
 * machine has, behind Electron's "v10" prefix; Electron's error messages.
 */
export const machine = (name: string, initial: { readonly available?: boolean; readonly backend?: Backend } = {}) => {
  const secret = NodeCrypto.createHash("sha256").update(`keyring of ${name}`).digest()
  const state = { available: initial.available ?? true, backend: initial.backend ?? "gnome_libsecret" as Backend, failEncrypt: false }
  const encrypted: Array<unknown> = []
  const storage: ElectronSafeStorage = {
    isEncryptionAvailable: () => state.available,
    getSelectedStorageBackend: () => state.backend,
    setUsePlainTextEncryption: () => undefined,
    encryptString(plainText) {
      encrypted.push(plainText)
      if (typeof plainText !== "string") throw new TypeError("Error processing argument at index 0, conversion failure from object")
      if (!state.available || state.failEncrypt) {
        throw new Error("Error while encrypting the text provided to safeStorage.encryptString. Encryption is not available.")
      }
      const nonce = NodeCrypto.randomBytes(12)
      const cipher = NodeCrypto.createCipheriv("aes-256-gcm", secret, nonce)
      const body = Buffer.concat([cipher.update(plainText, "utf8"), cipher.final()])
      return Buffer.concat([Buffer.from("v10"), nonce, cipher.getAuthTag(), body])
    },
    decryptString(bytes) {
      if (!Buffer.isBuffer(bytes)) throw new Error("Expected the first argument of decryptString() to be a buffer")
      if (!state.available) {
        throw new Error("Error while decrypting the ciphertext provided to safeStorage.decryptString. Decryption is not available.")
      }
      try {
        if (bytes.subarray(0, 3).toString() !== "v10") throw new Error("no prefix")
        const decipher = NodeCrypto.createDecipheriv("aes-256-gcm", secret, bytes.subarray(3, 15))
        decipher.setAuthTag(bytes.subarray(15, 31))
        return Buffer.concat([decipher.update(bytes.subarray(31)), decipher.final()]).toString("utf8")
      } catch {
        throw new Error("Error while decrypting the ciphertext provided to safeStorage.decryptString.")
      }
    }
  }
  return { storage, state, encrypted }
}

