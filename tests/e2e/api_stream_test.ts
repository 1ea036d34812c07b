/**
 * `pilotcli api` streams: a large download to stdout and a large upload
 * from standard input pass through in bounded memory (under 150 MB, the
 * CLI's peak RSS measured), on Deno from source, bundled, and on Node.
 *
 * The bytes are made on the fly (the resource server generates the
 * download, `head -c` the upload) and counted on the way out, never held.
 * STREAM_MB sets the size in MiB (default 1024: about 4 s a runtime here,
 * 2 cores; figures in docs/reliability.md).
 */

import assert from "node:assert/strict";
import { startResourceServer } from "../idp/resource_server.ts";
import { METER, RUNTIMES } from "./cli.ts";
import { apiKeyLogin, withWorld } from "./harness.ts";

/** Bytes sent each way. */
const BYTES = Number(Deno.env.get("STREAM_MB") ?? "1024") * 1024 * 1024;

/** The peak memory of a run measured into `meter`, in MB. */
async function peakMb(meter: string): Promise<number> {
  // ru_maxrss is in KiB on Linux.
  return Number(await Deno.readTextFile(meter)) / 1024;
}

for (const runtime of RUNTIMES) {
  Deno.test(`pilotcli api streams ${BYTES / 1024 / 1024} MiB both ways on ${runtime} in under 150 MB`, async () => {
    await withWorld({ runtime }, async (world) => {
      const api = await startResourceServer(world.idp.issuer);
      const meter = await Deno.makeTempFile({ prefix: "pilotcli-rss-" });
      try {
        await apiKeyLogin(world);
        const down = await world.cli(["api", `/v1/download?bytes=${BYTES}`], {
          apiUrl: api.url,
          wrapper: [
            ...METER,
            meter,
            "bash",
            "-c",
            'set -o pipefail; "$@" | wc -c',
            "bash",
          ],
        });
        assert.deepEqual(
          { code: down.code, stdout: down.stdout, stderr: down.stderr },
          { code: 0, stdout: `${BYTES}\n`, stderr: "" },
        );
        const downMb = await peakMb(meter);
        assert.ok(downMb > 0 && downMb < 150, `download: peak ${downMb} MB`);
        const up = await world.cli(["api", "/v1/count", "--input", "-"], {
          apiUrl: api.url,
          wrapper: [
            ...METER,
            meter,
            "bash",
            "-c",
            `set -o pipefail; head -c ${BYTES} /dev/zero | "$@"`,
            "bash",
          ],
        });
        assert.deepEqual(
          { code: up.code, stdout: up.stdout, stderr: up.stderr },
          { code: 0, stdout: JSON.stringify({ bytes: BYTES }), stderr: "" },
        );
        const upMb = await peakMb(meter);
        assert.ok(upMb > 0 && upMb < 150, `upload: peak ${upMb} MB`);
        console.log(
          `${runtime}: peak memory ${downMb.toFixed(0)} MB down, ${
            upMb.toFixed(0)
          } MB up (${down.ms + up.ms} ms)`,
        );
      } finally {
        await Deno.remove(meter);
        await api.close();
      }
    });
  });
}
