// typescript-eslint over the TypeScript sources; compiled output and vendored data are ignored.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'test/vectors/**', 'public/build/**', 'native/build/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'Use named exports only (DESIGN §7).' },
      ],
    },
  },
  {
    // src/core runs in the server, the CLI and the browser: no Node built-ins, no Buffer, and
    // no crypto library of its own (CoreCrypto is passed in). DESIGN §2.
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'src/core is isomorphic: no Node built-ins (DESIGN §2).' },
            { group: ['@noble/*', 'pkijs', 'asn1js', 'jose'], message: 'src/core takes its crypto as a CoreCrypto argument and parses with its own DER reader.' },
            { group: ['../*', '!../core/*'], message: 'src/core imports nothing but itself.' },
          ],
        },
      ],
      'no-restricted-globals': ['error', { name: 'Buffer', message: 'src/core is isomorphic: use Uint8Array.' }, { name: 'process', message: 'src/core is isomorphic.' }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', Buffer: 'readonly' } },
  },
);
