/**
 * @kindling/nn: modules, layers, losses, init, optimizers, schedulers, data loading and checkpoints.
 * @packageDocumentation
 */
export { Parameter } from './parameter.js';
export { Module, StateDictError, type StateDict, type ForwardHook, type ForwardPreHook } from './module.js';
export { Sequential, ModuleList, ModuleDict, ParameterList } from './containers.js';
