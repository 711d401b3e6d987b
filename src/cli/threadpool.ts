// Frame decoding (sharp), the native analysis and file writes all run on libuv's thread pool,
// whose default of 4 threads would cap them. Size it before anything uses it.
import { availableParallelism } from 'node:os';

if (process.env.UV_THREADPOOL_SIZE === undefined) {
  process.env.UV_THREADPOOL_SIZE = String(Math.max(4, availableParallelism() + 2));
}
