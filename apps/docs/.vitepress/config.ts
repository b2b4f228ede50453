import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type DefaultTheme, defineConfig } from 'vitepress';

/** The API sidebar written by typedoc-vitepress-theme (absent in the quick build without the API). */
function apiSidebar(): DefaultTheme.SidebarItem[] {
  const file = fileURLToPath(new URL('../api/typedoc-sidebar.json', import.meta.url));
  if (!existsSync(file)) return [];
  return JSON.parse(readFileSync(file, 'utf8')) as DefaultTheme.SidebarItem[];
}

const guide: DefaultTheme.SidebarItem[] = [
  {
    text: 'Introduction',
    items: [
      { text: 'Getting started', link: '/guide/getting-started' },
      { text: 'From PyTorch', link: '/guide/from-pytorch' },
      { text: 'Live demo', link: '/demo' },
    ],
  },
  {
    text: 'Core concepts',
    items: [
      { text: 'Tensors and broadcasting', link: '/guide/tensors' },
      { text: 'Autograd', link: '/guide/autograd' },
      { text: 'Building models', link: '/guide/models' },
      { text: 'Training loops and data', link: '/guide/training' },
      { text: 'Checkpoints and PyTorch weights', link: '/guide/checkpoints' },
      { text: 'Devices and WebGPU', link: '/guide/devices' },
      { text: 'Memory management', link: '/guide/memory' },
    ],
  },
  {
    text: 'Domain packages',
    items: [
      { text: 'Vision', link: '/guide/vision' },
      { text: 'Text', link: '/guide/text' },
      { text: 'Reinforcement learning', link: '/guide/rl' },
      { text: 'Hub', link: '/guide/hub' },
    ],
  },
  {
    text: 'Contributing',
    items: [{ text: 'Contributing a domain module', link: '/guide/contributing' }],
  },
];

export default defineConfig({
  title: 'Kindling',
  description: 'A PyTorch-grade deep-learning framework in TypeScript, for Node and the browser.',
  cleanUrls: true,
  srcExclude: ['test/**', 'scripts/**', 'README.md', ...(process.env.KINDLING_DOCS_NO_API ? ['api/**'] : [])],
  head: [['link', { rel: 'icon', type: 'image/svg+xml', href: '/favicon.svg' }]],
  lastUpdated: false,
  // Dead links fail the build. The quick build of the end-to-end test (KINDLING_DOCS_NO_API=1)
  // skips the API reference, so links into it are expected to dangle there.
  ignoreDeadLinks: process.env.KINDLING_DOCS_NO_API ? [/^\/api\//] : false,
  themeConfig: {
    logo: '/favicon.svg',
    nav: [
      { text: 'Guide', link: '/guide/getting-started' },
      { text: 'From PyTorch', link: '/guide/from-pytorch' },
      { text: 'API', link: '/api/' },
      { text: 'Demo', link: '/demo' },
    ],
    sidebar: {
      '/guide/': guide,
      '/demo': guide,
      '/api/': [{ text: 'API reference', link: '/api/', items: apiSidebar() }],
    },
    search: { provider: 'local' },
    outline: { level: [2, 3] },
  },
  vite: {
    // Workspace packages resolve to their TypeScript sources, as in the tests: the site needs no
    // prior build of the packages, and `pnpm docs:dev` picks up edits at once.
    resolve: { conditions: ['@kindling/source'] },
    ssr: { resolve: { conditions: ['@kindling/source'] } },
    build: { chunkSizeWarningLimit: 2000 },
  },
});
