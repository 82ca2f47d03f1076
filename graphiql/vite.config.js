// Build config for the self-hosted GraphiQL page (no CDN, no Node needed at runtime).
// `npm run build` writes index.html + assets/ into ../api/static/graphiql, which the
// API serves at /graphiql/ (hence base "/graphiql/"). Rebuild with scripts/build-graphiql.sh.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const outDir = fileURLToPath(new URL('../api/static/graphiql', import.meta.url));

export default defineConfig({
  base: '/graphiql/',
  // Plain JSX via Vite's built-in transformer (no @vitejs/plugin-react needed).
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  define: { 'process.env.NODE_ENV': JSON.stringify('production') },
  build: {
    outDir,
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    minify: true,
    cssMinify: true,
    reportCompressedSize: true,
    chunkSizeWarningLimit: 6000,
    rolldownOptions: {
      onwarn(warning, warn) {
        // React libraries' "use client" directives are meaningless in a client bundle.
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
    },
  },
  worker: { format: 'es' },
});
