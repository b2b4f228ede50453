import type { Kernel } from './backend.js';
import { getBackend } from './backend.js';
import type { TypedArray } from './dtype.js';
import { DeviceError } from './errors.js';
import type { DeviceName } from './storage.js';
import { Tensor } from './tensor.js';

/**
 * Cross-device primitives. They run from the dispatcher like views (their input is on another
 * device than their output, so no backend owns them), and through it autograd records them:
 *
 * - `toDevice`: input `[x]` (contiguous), attrs `{ device, from, host? }`; a copy of `x` on
 *   `device`. `from` is `x`'s device (its derivative moves the gradient back there). `host`, when
 *   given, is `x`'s data already read back (asynchronously, by `toDeviceAsync`); otherwise the
 *   source device must read synchronously.
 */
export const transferKernels: Record<string, Kernel> = {
  toDevice: ([x], attrs) => {
    if (x.storage.disposed) throw new DeviceError('to: tensor was used after dispose()');
    // Same device (only a direct dispatch gets here): a plain copy.
    if (attrs.device === x.device) return getBackend(x.device).kernels.cast([x], { dtype: x.dtype });
    let host = attrs.host as TypedArray | undefined;
    if (!host) {
      const from = getBackend(x.device);
      if (!from.readSync) {
        throw new DeviceError(
          `to: cannot move a ${x.device} tensor synchronously; use await x.data() or toAsync('${String(attrs.device)}')`,
        );
      }
      host = from
        .readSync(x.storage)
        .subarray(x.offset, x.offset + x.numel)
        .slice();
    }
    const storage = getBackend(attrs.device as DeviceName).fromHost(host, x.dtype);
    return [new Tensor(storage, [...x.shape])];
  },
};
