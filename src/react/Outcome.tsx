/**
 * The result of the last action of a form, shown in place and announced politely.
 *
 * @since 0.1.0
 */
import { CircleAlert, CircleCheck } from "lucide-react"
import * as styles from "./styles.js"

/**
 * What an action came to.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Outcome {
  readonly ok: boolean
  readonly message: string
}

/**
 * A live region holding the outcome, if any (present before it, so screen readers announce it).
 *
 * @since 0.1.0
 * @category Components
 */
export const OutcomeMessage = ({ outcome }: { readonly outcome: Outcome | undefined }) => (
  <div role="status" aria-live="polite" className="mb-4 empty:hidden">
    {outcome === undefined
      ? null
      : outcome.ok
      ? <p className={styles.success}><CircleCheck size={16} aria-hidden />{outcome.message}</p>
      : <p className={styles.alert}><CircleAlert size={16} aria-hidden />{outcome.message}</p>}
  </div>
)
