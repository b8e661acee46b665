// Types of build-page.mjs, for the browser tests that build the page into a folder of their own.

/** What Tailwind scans and how it themes (darkMode "class"). */
export declare const tailwindConfig: {
  readonly content: ReadonlyArray<string>
  readonly darkMode: "class"
  readonly theme: { readonly extend: Record<string, never> }
  readonly plugins: ReadonlyArray<never>
}

/** Builds the page into `out` (emptied first); resolves with each file's size in bytes. */
export declare const buildPage: (out?: string) => Promise<Readonly<Record<string, number>>>
