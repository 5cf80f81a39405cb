// typescript-eslint over the TypeScript sources; compiled output and vendored data are ignored.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * DESIGN §2's room table as bans: room → rooms it must not import. `server` is the composition
 * root (src/server.ts), which only the CLI may import.
 */
/** The rooms added for the 2026 stack: only the composition root and http may reach into them. */
const NEW_ROOMS = ['rekor-v2', 'tsa', 'witness', 'tuf'];
const ROOM_BANS = {
  merkle: ['storage', 'log', 'ct', 'ca', 'oidc', 'trust', 'http', 'entries', 'workers', 'server', ...NEW_ROOMS],
  workers: ['storage', 'log', 'ct', 'ca', 'oidc', 'trust', 'http', 'entries', 'merkle', 'server', ...NEW_ROOMS],
  entries: ['storage', 'log', 'ct', 'ca', 'oidc', 'trust', 'http', 'server', ...NEW_ROOMS],
  storage: ['log', 'ct', 'ca', 'oidc', 'trust', 'http', 'entries', 'workers', 'server', ...NEW_ROOMS],
  log: ['ct', 'ca', 'oidc', 'trust', 'http', 'server', ...NEW_ROOMS],
  ct: ['log', 'ca', 'oidc', 'trust', 'http', 'server', ...NEW_ROOMS],
  ca: ['log', 'trust', 'http', 'server', ...NEW_ROOMS],
  oidc: ['ca', 'log', 'ct', 'storage', 'trust', 'http', 'server', ...NEW_ROOMS],
  trust: ['storage', 'log', 'ct', 'ca', 'oidc', 'http', 'server', ...NEW_ROOMS],
  http: ['storage', 'merkle', 'server'],
  // The auditor's side: it reads a log over HTTP and checks it with core, never the server's rooms.
  monitor: ['storage', 'log', 'ct', 'ca', 'oidc', 'trust', 'http', 'entries', 'workers', 'server', ...NEW_ROOMS],
  note: ['storage', 'log', 'ct', 'ca', 'oidc', 'trust', 'http', 'entries', 'workers', 'server', ...NEW_ROOMS],
  // The Rekor v2 log writes through log/'s Sequencer and storage/'s trees; witnesses reach it only through the hook it exposes.
  'rekor-v2': ['ct', 'ca', 'oidc', 'trust', 'http', 'server', 'tsa', 'witness'],
  // The timestamp authority signs with ca/'s key parsing and core's DER writer; it keeps no state in the database.
  tsa: ['storage', 'log', 'ct', 'oidc', 'trust', 'http', 'entries', 'server', 'rekor-v2', 'witness'],
  // TUF metadata signs bytes it is given: the trust documents come in from the composition root.
  tuf: ['storage', 'log', 'ct', 'ca', 'oidc', 'trust', 'http', 'entries', 'workers', 'server', 'rekor-v2', 'tsa', 'witness'],
  witness: ['log', 'ct', 'ca', 'oidc', 'trust', 'http', 'entries', 'workers', 'server', 'rekor-v2', 'tsa'],
};

/** What src/core may never import, wherever in core the file is (DESIGN §2). */
const CORE_PURITY = [
  { group: ['node:*'], message: 'src/core is isomorphic: no Node built-ins (DESIGN §2).' },
  { group: ['@noble/*', 'pkijs', 'asn1js', 'jose'], message: 'src/core takes its crypto as a CoreCrypto argument and parses with its own DER reader.' },
];

export default tseslint.config(
  { ignores: ['dist/**', 'dist-*/**', 'node_modules/**', 'data/**', 'test/vectors/**', 'public/build/**', 'native/build/**'] },
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
          patterns: [...CORE_PURITY, { group: ['../*', '!../core/*'], message: 'src/core imports nothing but itself.' }],
        },
      ],
      'no-restricted-globals': ['error', { name: 'Buffer', message: 'src/core is isomorphic: use Uint8Array.' }, { name: 'process', message: 'src/core is isomorphic.' }],
    },
  },
  {
    // A folder inside src/core (src/core/bundle/) imports core's files one level up, and nothing above.
    files: ['src/core/*/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [...CORE_PURITY, { group: ['../../*'], message: 'src/core imports nothing but itself.' }] }],
    },
  },
  // The room table of DESIGN §2: which room may not import which. One block per room; the
  // patterns match the import specifier, so both '../storage/x.js' and '../../storage/x.js' count.
  ...Object.entries(ROOM_BANS).map(([room, banned]) => ({
    files: [`src/${room}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: banned.map((other) => ({ group: [`../${other}/*`, `../../${other}/*`, `../${other}.js`, `../../${other}.js`], message: `src/${room} must not import src/${other} (the room table, DESIGN §2).` })) },
      ],
    },
  })),
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', Buffer: 'readonly' } },
  },
);
