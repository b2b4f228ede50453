/** Public surface of @kindling/rl. */
export const VERSION = '0.0.0';
