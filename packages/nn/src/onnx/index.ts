/** ONNX import (`loadOnnx`) and export (`exportOnnx`). */
export {
  loadOnnx,
  OnnxModule,
  UnsupportedOnnxError,
  type LoadOnnxOptions,
  MIN_OPSET,
  MAX_OPSET,
} from './import.js';
export { supportedOnnxOps } from './ops/index.js';
export { exportOnnx, type ExportOnnxOptions } from './export.js';
