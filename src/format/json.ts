/**
 * `--format json`: `{ "results": [ … ], "summary": { … } }`, one result per line, written as results
 * arrive so `audit` never holds a log's results in memory. Respects backpressure on the output.
 */
import { once } from 'node:events';
import type { ScanResult, Summary } from './result.js';

export async function writeChunk(out: NodeJS.WritableStream, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

export class JsonResultsWriter {
  private first = true;

  constructor(private readonly out: NodeJS.WritableStream) {}

  async write(result: ScanResult): Promise<void> {
    const prefix = this.first ? '{"results":[\n' : ',\n';
    this.first = false;
    await writeChunk(this.out, prefix + JSON.stringify(result));
  }

  async end(summary: Summary): Promise<void> {
    const head = this.first ? '{"results":[' : '\n';
    await writeChunk(this.out, `${head}],\n"summary":${JSON.stringify(summary)}}\n`);
  }
}
