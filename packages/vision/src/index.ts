/** Public surface of @kindling/vision. */
export const VERSION = '0.0.0';
