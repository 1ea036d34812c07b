/**
 * The file attacks of file_attacks_test.ts: what each does to a valid
 * session, and exactly the line every command must answer with. Shared with
 * docs_test.ts, which checks that docs/reliability.md shows these lines.
 *
 * @module
 */

/** The uid of `nobody` on Debian, the owner of "someone else's" files. */
export const NOBODY = 65534;

/** An attack on a fresh, valid session in `dir`. */
export interface Attack {
  name: string;
  needsRoot?: boolean;
  /** Does the harm. */
  apply(dir: string, file: string): Promise<void>;
  /** The one line every command must print. */
  line(dir: string, file: string): string;
  /** After the fix: is there still a session? */
  sessionAfterFix: boolean;
}

const modeAttack = (kind: "dir" | "file", mode: number): Attack => {
  const octal = mode.toString(8).padStart(4, "0");
  return {
    name: `session ${kind} with mode ${octal}`,
    apply: (dir, file) => Deno.chmod(kind === "dir" ? dir : file, mode),
    line: (dir, file) => {
      if (kind === "dir") {
        return `Session directory ${dir} is open to other users (mode ${octal}): run \`chmod 700 ${dir}\` and try again.`;
      }
      const access = mode & 0o044
        ? "readable by"
        : mode & 0o022
        ? "writable by"
        : "open to";
      return `Session file ${file} is ${access} other users (mode ${octal}): run \`chmod 600 ${file}\` and try again.`;
    },
    sessionAfterFix: true,
  };
};

const ownerAttack = (kind: "dir" | "file"): Attack => ({
  name: `session ${kind} owned by uid ${NOBODY} (nobody)`,
  needsRoot: true,
  apply: (dir, file) => Deno.chown(kind === "dir" ? dir : file, NOBODY, NOBODY),
  line: (dir, file) =>
    kind === "dir"
      ? `Session directory ${dir} is owned by another user (uid ${NOBODY}): run \`sudo chown $(id -u) ${dir}\` or delete it, and try again.`
      : `Session file ${file} is owned by another user (uid ${NOBODY}): run \`sudo chown $(id -u) ${file}\` or delete it, and try again.`,
  sessionAfterFix: true,
});

const symlinkAttack = (dangling: boolean): Attack => ({
  name: dangling
    ? "session file a dangling symbolic link"
    : "session file a symbolic link to another session file",
  async apply(dir, file) {
    const target = `${dir}.elsewhere`;
    await Deno.mkdir(target, { mode: 0o700 });
    if (!dangling) await Deno.rename(file, `${target}/session.json`);
    else await Deno.remove(file);
    await Deno.symlink(`${target}/session.json`, file);
  },
  line: (_dir, file) =>
    `Session file ${file} is a symbolic link: run \`rm ${file}\` and log in again.`,
  sessionAfterFix: false,
});

/** Every attack, in the order of the documentation. */
export const ATTACKS: Attack[] = [
  modeAttack("dir", 0o750),
  modeAttack("dir", 0o705),
  modeAttack("dir", 0o777),
  modeAttack("file", 0o640),
  modeAttack("file", 0o620),
  modeAttack("file", 0o604),
  modeAttack("file", 0o666),
  // Neither readable nor writable by others, yet open to them.
  modeAttack("file", 0o610),
  ownerAttack("dir"),
  ownerAttack("file"),
  symlinkAttack(false),
  symlinkAttack(true),
];
