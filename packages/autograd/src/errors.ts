import { KindlingError } from '@kindling/core';

/**
 * An autograd misuse: backward through a freed graph, a saved tensor modified in place, an in-place
 * op on a leaf that requires grad, a gradient of the wrong shape or dtype...
 */
export class AutogradError extends KindlingError {}
