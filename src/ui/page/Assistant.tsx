/**
 * The page's stand-in for DB Toolkit's AI assistant (components/query/AiAssistant.js): a question,
 * the SQL and explanation that come back, and under each answer the {@link AiAnswerBadge}.
 *
 * @since 0.1.0
 */
import { CircleAlert, LoaderCircle, Send } from "lucide-react"
import { type FormEvent, useEffect, useId, useRef, useState } from "react"
import type { GenerateQueryReply } from "../../preload/types.js"
import { AiAnswerBadge } from "../../react/AiAnswerBadge.js"
import { AiSqlFindings } from "../../react/AiSqlFindings.js"
import type { HttpBridge } from "../../react/httpBridge.js"
import * as styles from "../../react/styles.js"
import { sampleSchema } from "./sampleSchema.js"

interface Exchange {
  readonly id: number
  readonly question: string
  readonly reply: GenerateQueryReply | undefined
}

const maxQuestion = 2_000
const kept = 10

/**
 * The assistant panel: asks `generateSql` about the sample schema.
 *
 * @since 0.1.0
 * @category Components
 */
export const Assistant = ({ bridge }: { readonly bridge: Pick<HttpBridge, "generateSql"> }) => {
  const inputId = useId()
  const [question, setQuestion] = useState("")
  const [exchanges, setExchanges] = useState<ReadonlyArray<Exchange>>([])
  const busy = exchanges.some((e) => e.reply === undefined)
  const conversation = useRef<HTMLOListElement>(null)

  // The newest exchange in view, as a chat does.
  useEffect(() => {
    const list = conversation.current
    if (list !== null) list.scrollTop = list.scrollHeight
  }, [exchanges])

  const ask = async (e: FormEvent) => {
    e.preventDefault()
    const text = question.trim()
    if (text === "" || busy) return
    const id = Date.now()
    setQuestion("")
    setExchanges((all) => [...all.slice(1 - kept), { id, question: text, reply: undefined }])
    const reply = await bridge.generateSql(text, sampleSchema, "postgresql")
    setExchanges((all) => all.map((x) => (x.id === id ? { ...x, reply } : x)))
  }

  return (
    <section aria-labelledby={`${inputId}-title`} className="flex h-full flex-col gap-4">
      <div>
        <h2 id={`${inputId}-title`} className="text-lg font-semibold">AI Assistant</h2>
        <p className="text-sm text-gray-500 dark:text-gray-400">
          PostgreSQL, on a sample schema: {Object.keys(sampleSchema.tables).join(", ")}.
        </p>
      </div>
      <ol ref={conversation} aria-label="Conversation" className="flex-1 space-y-4 overflow-y-auto">
        {exchanges.map((x) => (
          <li key={x.id} className="space-y-2">
            <p className="ml-auto max-w-[80%] rounded-lg bg-blue-600 px-3 py-2 text-sm text-white">{x.question}</p>
            <Answer reply={x.reply} />
          </li>
        ))}
      </ol>
      <form onSubmit={(e) => void ask(e)} className="flex items-end gap-2">
        <div className="flex-1">
          <label htmlFor={inputId} className={styles.label}>Ask AI</label>
          <textarea
            id={inputId}
            rows={2}
            maxLength={maxQuestion}
            className={`${styles.input(false)} mt-1 resize-none`}
            placeholder="Top 5 customers by total order value"
            value={question}
            onChange={(e) => setQuestion(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter" && !e.shiftKey) {
                e.preventDefault()
                e.currentTarget.form?.requestSubmit()
              }
            }}
          />
        </div>
        <button type="submit" className={styles.buttons.primary} disabled={busy || question.trim() === ""}>
          {busy ? <LoaderCircle size={16} className="animate-spin" aria-hidden /> : <Send size={16} aria-hidden />}
          Generate SQL
        </button>
      </form>
    </section>
  )
}

const Answer = ({ reply }: { readonly reply: GenerateQueryReply | undefined }) => {
  if (reply === undefined) {
    return <p className="flex items-center gap-2 text-sm text-gray-500 dark:text-gray-400"><LoaderCircle size={16} className="animate-spin" aria-hidden />Thinking…</p>
  }
  if (!reply.success) {
    return <p role="alert" className={`${styles.alert} max-w-[80%]`}><CircleAlert size={16} aria-hidden />{reply.error}</p>
  }
  return (
    <article aria-label="Answer" className={`${styles.card} max-w-[80%]`}>
      <pre className="overflow-x-auto whitespace-pre-wrap rounded bg-gray-100 p-2 font-mono text-xs text-gray-900 dark:bg-gray-900 dark:text-gray-100"><code>{reply.sql}</code></pre>
      {reply.explanation !== "" ? <p className="mt-2 text-sm text-gray-700 dark:text-gray-300">{reply.explanation}</p> : null}
      <AiSqlFindings answer={reply} />
      <AiAnswerBadge answer={reply} />
    </article>
  )
}
