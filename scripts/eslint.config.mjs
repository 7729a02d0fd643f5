// The lint rules npm test applies (`npm run lint`: eslint -c scripts/eslint.config.mjs .). Patterns are
// relative to the directory eslint runs in, the project root. Editors need this path set (VS Code:
// "eslint.options": { "overrideConfigFile": "scripts/eslint.config.mjs" }).
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['scripts/eslint.config.mjs', 'node_modules/**', 'dist/**', '.build/**', 'imports/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      'no-restricted-syntax': ['error', { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // CommonJS modules that a tool loads with require() (jest's runtime option): require is their import.
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Tests read rendered manifests, which are untyped JSON by nature.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
