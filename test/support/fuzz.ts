/**
 * How many cases a property test runs: a few thousand in `npm test`, many more under
 * `npm run fuzz` (which sets FUZZ_SCALE).
 */
export const runs = (base: number): number => {
  const scale = Number(process.env.FUZZ_SCALE ?? "1")
  return Math.max(1, Math.round(base * (Number.isFinite(scale) && scale > 0 ? scale : 1)))
}

/** A longer per-test time limit when the fuzz run is scaled up. */
export const timeout = (baseMs: number): number => {
  const scale = Number(process.env.FUZZ_SCALE ?? "1")
  return Math.round(baseMs * (Number.isFinite(scale) && scale > 1 ? scale : 1))
}
