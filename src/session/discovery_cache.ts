/**
 * The discovery document cache, `discovery.json` beside the session: no
 * secret, but it decides where tokens are sent, so it gets the same 0600
 * file in the same 0700 directory, written atomically.
 *
 * @module
 */

import type { DiscoveryCache } from "../auth/discovery.ts";
import { isNotFound, joinPath, writeFileAtomic } from "./_fs.ts";

/** The discovery cache in config dir `dir`. */
export function fileDiscoveryCache(dir: string): DiscoveryCache {
  const path = joinPath(dir, "discovery.json");
  return {
    read() {
      try {
        return Promise.resolve(Deno.readTextFileSync(path));
      } catch (err) {
        if (isNotFound(err)) return Promise.resolve(undefined);
        return Promise.reject(err);
      }
    },
    write(text) {
      try {
        Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
        writeFileAtomic(path, text);
        return Promise.resolve();
      } catch (err) {
        return Promise.reject(err);
      }
    },
  };
}
