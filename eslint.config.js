// Lint rules that encode house rules: no JS RegExp built at run time (user patterns go through RE2),
// no console outside the CLI (the pino logger redacts secrets), plus typescript-eslint's recommended set.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'dist-*/**', 'node_modules/**', 'bench/results/**', 'certs-dev/**', 'kms-mock/state/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'preserve-caught-error': 'off',
      'no-restricted-syntax': ['error', { selector: "NewExpression[callee.name='RegExp']", message: 'User patterns run on RE2: use the re2 package, never a JS RegExp built at run time.' }],
    },
  },
  {
    files: ['src/**/*.ts', 'kms-mock/**/*.ts'],
    ignores: ['src/cli/**'],
    rules: { 'no-console': 'error' },
  },
  {
    files: ['**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly' } },
  },
);
