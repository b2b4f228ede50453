/** Public surface of @kindling/text. */
export const VERSION = '0.0.0';
