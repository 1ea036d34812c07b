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
  /** Whether a person reads it on a terminal; absent: no. */
  isTerminal?(): boolean;
}

/** A writer on a Deno file (stdout, stderr) that never writes partially. */
export function fileWriter(
  file: { writeSync(p: Uint8Array): number; isTerminal?(): boolean },
): TextWriter {
  const encoder = new TextEncoder();
  return {
    write(text) {
      let bytes = encoder.encode(text);
      while (bytes.length > 0) bytes = bytes.subarray(file.writeSync(bytes));
    },
    isTerminal: () => file.isTerminal?.() ?? false,
  };
}

/** The terminal side of standard input, as `Deno.stdin` offers it. */
export interface Terminal {
  /** Whether standard input is a terminal. */
  isTerminal(): boolean;
  /** Switches the terminal's raw mode (no echo, no line editing, no signals). */
  setRaw(on: boolean): void;
}

/** Ctrl-C typed while the terminal is raw, where it raises no signal. */
export class TypedInterrupt extends Error {
  constructor() {
    super("interrupted at the keyboard");
    this.name = "TypedInterrupt";
  }
}

/** Reads lines from a byte stream, one at a time, keeping what follows. */
export class LineReader {
  #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  #open: () => ReadableStream<Uint8Array>;
  #terminal: Terminal | undefined;
  #decoder = new TextDecoder();
  #buffer = "";
  #done = false;

  /**
   * @param open gives the stream on first use, so an unused stdin is never touched
   * @param terminal the terminal behind the stream, if it may be one
   */
  constructor(open: () => ReadableStream<Uint8Array>, terminal?: Terminal) {
    this.#open = open;
    this.#terminal = terminal;
  }

  /** Whether the lines come from a person at a terminal. */
  isTerminal(): boolean {
    return this.#terminal?.isTerminal() ?? false;
  }

  /**
   * Opens the stream now, before a question is shown, so that the wait for
   * the answer has begun when the person sees it (in the CLI, opening
   * standard input starts listening for Ctrl-C: src/cli/interrupt.ts).
   */
  open(): void {
    this.#opened();
  }

  #opened(): ReadableStreamDefaultReader<Uint8Array> {
    return this.#reader ??= this.#open().getReader();
  }

  /**
   * A line typed without echo, for secrets: on a terminal in raw mode (with
   * backspace, Ctrl-C and Ctrl-D handled here, since raw mode disables
   * them), elsewhere as readLine. Null at end of input.
   */
  async readSecret(signal?: AbortSignal): Promise<string | null> {
    const terminal = this.#terminal;
    if (!terminal?.isTerminal()) return await this.readLine(signal);
    const reader = this.#opened();
    terminal.setRaw(true);
    try {
      let secret = "";
      for (;;) {
        const { value, done } = await abortable(reader.read(), signal);
        if (done) return secret === "" ? null : secret;
        for (const char of this.#decoder.decode(value, { stream: true })) {
          if (char === "\r" || char === "\n") return secret;
          if (char === "\x03") throw new TypedInterrupt();
          if (char === "\x04" && secret === "") return null;
          if (char === "\x7f" || char === "\b") secret = secret.slice(0, -1);
          else if (char >= " ") secret += char;
        }
      }
    } finally {
      terminal.setRaw(false);
    }
  }

  /**
   * The next line without its line ending, or null at end of input.
   * Rejects with the signal's reason when it aborts (Ctrl-C).
   */
  async readLine(signal?: AbortSignal): Promise<string | null> {
    const reader = this.#opened();
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
      const { value, done } = await abortable(reader.read(), signal);
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

/**
 * `writer`, for stdout: once the reader has gone away (a pipe closed:
 * `| head -1`), this and later writes are dropped instead of failing. The
 * reader has all it wanted, so the command ends as if its output had been
 * read: exit 0, as ripgrep or fd do. GNU tools and git die of SIGPIPE
 * (141), which Deno ignores and which `set -o pipefail` takes for a
 * failure. Not for stderr: a message that cannot be shown is a failure.
 */
export function quietWhenClosed(writer: TextWriter): TextWriter {
  let closed = false;
  return {
    ...writer,
    write(text) {
      if (closed) return;
      try {
        writer.write(text);
      } catch (error) {
        // On Node the shim throws the same class for EPIPE.
        if (!(error instanceof Deno.errors.BrokenPipe)) throw error;
        closed = true;
      }
    },
  };
}
