import { defineConfig } from "vite";

// No React plugin: the automatic JSX runtime of the built-in transform is enough
// (no fast refresh in dev, which we do not need).
export default defineConfig({
  base: "/",
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 400 },
  esbuild: { jsx: "automatic" },
  server: { proxy: { "/api": "http://127.0.0.1:8480" } },
});
