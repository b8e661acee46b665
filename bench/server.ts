/**
 * The benchmark's server: the OpenAI emulator in its own process, recording off, zero latency,
 * answering every chat call with the fixture's fixed reply (a short completion, or a stream of
 * about 50 deltas). Prints `{"port": N}` on its first stdout line; answers `"stats"` on the IPC
 * channel with its own CPU and memory, so the orchestrator can tell whether it was the bottleneck.
 */
import * as Fs from "node:fs"
import * as OpenAiEmulator from "../src/testing/emulators/OpenAiEmulator.js"
import { type Fixture, parseArgs } from "./harness.js"

const args = parseArgs(process.argv.slice(2))
if (args.fixture === undefined) throw new Error("--fixture is required")
const fixture = JSON.parse(Fs.readFileSync(args.fixture, "utf8")) as Fixture

// Every client must send the same prompt; the orchestrator warns about any that did not.
let chats = 0
let promptMismatches = 0
const emulator = await OpenAiEmulator.start({
  record: false,
  apiKey: fixture.apiKey,
  defaults: {
    reply: (input) => {
      chats++
      if (input.model !== fixture.model || input.system !== fixture.system || input.user !== fixture.user) promptMismatches++
      return input.stream ? fixture.streamReply : fixture.reply
    }
  }
})

process.on("message", (message) => {
  if (message === "stats") process.send?.({ cpu: process.cpuUsage(), memory: process.memoryUsage(), chats, promptMismatches })
})
const stop = () => void emulator.close().then(() => process.exit(0))
process.on("SIGTERM", stop)
process.on("SIGINT", stop)
// Orphaned (the orchestrator died): stop too.
process.on("disconnect", stop)

process.stdout.write(`${JSON.stringify({ port: emulator.port })}\n`)
