/** Public surface of @kindling/autograd. */
export const VERSION = '0.0.0';
