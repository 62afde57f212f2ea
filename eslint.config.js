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
    // The screen's stores hold state and the calls that change it; features draw it. Features
    // import stores, never the other way: what both need (wording, parsing) lives in stores/.
    files: ['renderer/src/stores/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '(^|/)features(/|$)', message: 'stores/ never imports from features/: move what both need into stores/.' }] }],
    },
  },
  {
    files: ['**/*.{js,mjs,cjs}'],
    rules: { '@typescript-eslint/consistent-type-imports': 'off' },
  },
);
