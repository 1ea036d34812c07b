/**
 * The terminal as small interfaces: text out, lines in. Commands get these
 * injected, so tests can drive them without a terminal.
 *
 * @module
 */

/** Something lines of text are written to. */
export interface TextWriter {
  /** Writes `text` as it is. */
  write(text: string): void;
}

/** A writer on a Deno file (stdout, stderr) that never writes partially. */
export function fileWriter(
  file: { writeSync(p: Uint8Array): number },
): TextWriter {
  const encoder = new TextEncoder();
  return {
    write(text) {
      let bytes = encoder.encode(text);
      while (bytes.length > 0) bytes = bytes.subarray(file.writeSync(bytes));
    },
  };
}

/** Reads lines from a byte stream, one at a time, keeping what follows. */
export class LineReader {
  #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  #open: () => ReadableStream<Uint8Array>;
  #decoder = new TextDecoder();
  #buffer = "";
  #done = false;

  /** @param open gives the stream on first use, so an unused stdin is never touched */
  constructor(open: () => ReadableStream<Uint8Array>) {
    this.#open = open;
  }

  /**
   * The next line without its line ending, or null at end of input.
   * Rejects with the signal's reason when it aborts (Ctrl-C).
   */
  async readLine(signal?: AbortSignal): Promise<string | null> {
    this.#reader ??= this.#open().getReader();
    for (;;) {
      const newline = this.#buffer.indexOf("\n");
      if (newline >= 0) {
        const line = this.#buffer.slice(0, newline);
        this.#buffer = this.#buffer.slice(newline + 1);
        return line.replace(/\r$/, "");
      }
      if (this.#done) {
        if (this.#buffer === "") return null;
        const last = this.#buffer;
        this.#buffer = "";
        return last.replace(/\r$/, "");
      }
      const { value, done } = await abortable(this.#reader.read(), signal);
      if (done) {
        this.#done = true;
        this.#buffer += this.#decoder.decode();
      } else {
        this.#buffer += this.#decoder.decode(value, { stream: true });
      }
    }
  }

  /** Lets go of the stream, so the process can exit while stdin stays open. */
  release(): void {
    this.#reader?.releaseLock();
  }
}

function abortable<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() =>
      signal.removeEventListener("abort", onAbort)
    );
  });
}
