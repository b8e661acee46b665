/**
 * The OTLP/HTTP span exporter of `@effect/opentelemetry` (it needs only Effect and
 * `@effect/platform`). The build bundles it into `dist/vendor` (scripts/bundle.mjs), so an app
 * does not install `@effect/opentelemetry`, whose required peers are the whole OpenTelemetry SDK.
 *
 * @since 0.1.0
 * @internal
 */
export * as OtlpSerialization from "@effect/opentelemetry/OtlpSerialization"
export * as OtlpTracer from "@effect/opentelemetry/OtlpTracer"
