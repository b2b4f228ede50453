/** Public surface of @kindling/hub. */
export const VERSION = '0.0.0';
