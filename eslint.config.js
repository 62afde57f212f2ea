import tseslint from 'typescript-eslint';
import layers from './tools/lint/layers.js';

export default tseslint.config(
  { ignores: ['node_modules/', '.tools/', '.scratch/', 'dist/', 'out/', 'test-results/', 'bench-results/', '.data/'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx,js,mjs,cjs}'],
    plugins: { crisis: layers },
    rules: {
      'crisis/layers': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['**/*.{js,mjs,cjs}'],
    rules: { '@typescript-eslint/consistent-type-imports': 'off' },
  },
);
