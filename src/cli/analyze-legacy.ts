import type { ResultWriter } from './analyze-output.js';
export async function legacyWriter(_dir: string): Promise<ResultWriter> {
  throw new Error('legacy output not wired yet');
}
