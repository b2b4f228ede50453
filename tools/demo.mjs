// The main demo: run after `pnpm build`. Later issues make it train a model.
import { arange, tensor } from '@kindling/core';

const x = tensor([
  [1, 2, 3],
  [4, 5, 6],
]);
console.log('x =', String(x));
console.log('x.t() =', String(x.t()));
console.log('x + [10, 20, 30] =', String(x.add(tensor([10, 20, 30]))));
console.log('arange(6).reshape(2, 3).sigmoid() =', String(arange(6).reshape(2, 3).sigmoid()));
