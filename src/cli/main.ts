#!/usr/bin/env node
/**
 * The `dbtk-ai` executable: runs the CLI on the process's arguments and exits with its code
 * (0 done, 1 unexpected, 2 user error, 3 provider failure).
 *
 * @since 0.1.0
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Cause, Effect, Exit } from "effect"
import * as Cli from "./Cli.js"
import * as Output from "./Output.js"

Cli.run(process.argv.slice(2)).pipe(
  Effect.provide([NodeContext.layer, Output.layer]),
  NodeRuntime.runMain({
    disableErrorReporting: true,
    // The CLI logs to stderr itself (Cli.run); runMain's pretty logger would add each line to stdout.
    disablePrettyLogger: true,
    teardown: (exit, onExit) => {
      // Stopped by a signal (Ctrl+C on `ui` or `emulate`): a clean end.
      const code = Exit.isSuccess(exit)
        ? typeof exit.value === "number" ? exit.value : 1
        : Cause.isInterruptedOnly(exit.cause) ? 0 : 1
      process.exitCode = code
      onExit(code)
    }
  })
)
