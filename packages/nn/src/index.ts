/** Public surface of @kindling/nn. */
export const VERSION = '0.0.0';
