import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"

/** The HttpClient an app would use (undici), for tests that go over real loopback HTTP. */
export const HttpLive = NodeHttpClient.layerUndici

/** A key that must never show up in an error, a log or a span. */
export const SECRET_KEY = "sk-test-SECRETKEY-0123456789abcdefWXYZ"

/** A schema in DB Toolkit's chat-panel shape. */
export const shopSchema = {
  tables: {
    customers: { columns: [{ name: "id", type: "integer" }, { name: "email", type: "text" }, { name: "name", type: "text" }], sample_data: [] },
    orders: { columns: [{ name: "id", type: "integer" }, { name: "customer_id", type: "integer" }, { name: "total", type: "numeric" }], sample_data: [] }
  }
}

/** Returns what failed, or throws when the effect succeeded. */
export const expectFailure = <E>(exit: { _tag: "Success" } | { _tag: "Failure"; cause: unknown }): E => {
  if (exit._tag === "Success") throw new Error("expected a failure")
  const cause = exit.cause as { _tag: string; error?: E }
  if (cause._tag !== "Fail") throw new Error(`expected a typed failure, got ${cause._tag}`)
  return cause.error as E
}
