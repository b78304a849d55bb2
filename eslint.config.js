// Lint: typescript-eslint's recommended rules, plus the house rules in ../shared/STYLE.md.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'test/fixtures/', 'bench/results/', 'test/scratch/'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      // Type information for the rules below: each .ts file is typed by tsconfig.json, as tsc sees it.
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      'no-console': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          // node:test runs a test it is handed; the promise test() returns is only for awaiting subtests.
          allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] }],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/require-await': 'error',
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportAllDeclaration', message: 'No export * barrels.' },
        { selector: 'PrivateIdentifier', message: 'Use TypeScript `private` members, as the rest of the code does, not #private.' },
      ],
    },
  },
  // Layering: src/ is grouped by when the code loads (../shared/STYLE.md, "Layout"). Each block
  // sets the whole rule for its files, so every src/ folder below matches exactly one block.
  // The rule checks static imports and `export … from`, not import(): start.ts's
  // `import('../sdk/sdk.js')`, the one way into the SDK, is not reported.
  {
    files: ['register.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^(?!node:|\\./src/preload/[^/]+$)', message: 'register.ts imports only ./src/preload/* and node: builtins.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/preload/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./',
              message:
                "src/preload/ runs in every process, DSN or not: it imports only ./ files (the SDK comes through start.ts's import()).",
            },
            {
              regex: '^(?!node:|\\.)',
              // Types only: a value import of a package would load it into every process, with or without a DSN.
              allowTypeImports: true,
              message: 'src/preload/ runs in every process, DSN or not: from packages it imports types only.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/sdk/**/*.ts', 'src/requests/**/*.ts', 'src/events/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^\\.\\./(cli|testing)/', message: 'The runtime does not import the CLI or the test helpers.' }] },
      ],
    },
  },
  {
    files: ['src/api/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^\\.\\./(cli|testing)/', message: 'The runtime does not import the CLI or the test helpers.' },
            {
              regex: '^\\.\\./(sdk|requests)/',
              message: 'src/api/ loads without the SDK (the app imports it whether or not the preload runs): no src/sdk/ or src/requests/.',
            },
            {
              group: ['@sentry/*', '@opentelemetry/sdk-*'],
              allowTypeImports: true,
              message: 'src/api/ loads without the SDK: types only (`import type`) from Sentry and the OTel SDK.',
            },
          ],
        },
      ],
    },
  },
  {
    // Tests and their support code talk to the terminal on purpose.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
);
