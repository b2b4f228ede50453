import type { Theme } from 'vitepress';
import DefaultTheme from 'vitepress/theme';
import DigitsDemo from './DigitsDemo.vue';

/** The default theme plus the live demo component (used by demo.md). */
const theme: Theme = {
  extends: DefaultTheme,
  enhanceApp({ app }) {
    app.component('DigitsDemo', DigitsDemo);
  },
};

export default theme;
