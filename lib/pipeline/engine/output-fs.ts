import * as nodeFs from 'node:fs';
import type { Problem } from '../../core/errors';

/**
 * The file-system calls that writing `dist/` makes, all synchronous. The writer takes them as a
 * parameter so tests can make any one of them fail (a permission error, a full disk) or stop the
 * "process" at any point (every later call throws, as if it had been killed there), without
 * root-only tricks; production passes node:fs itself.
 */
export type OutputFs = Pick<typeof nodeFs,
  'accessSync' | 'linkSync' | 'lstatSync' | 'mkdirSync' | 'readdirSync' | 'readFileSync' | 'readlinkSync'
  | 'renameSync' | 'rmdirSync' | 'statSync' | 'unlinkSync' | 'writeFileSync'>;

/** node:fs, for the writer. */
export const NODE_FS: OutputFs = nodeFs;

/** Whether `error` is an error of a system call (it has an errno code such as EACCES). */
export function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  // Not `instanceof Error`: errors made in another realm (a vm context, jest's sandbox) are not.
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) && typeof (error as { message?: unknown }).message === 'string';
}

/**
 * A failed file-system call while reading or writing the output, as a problem for the user: the
 * path, what was being done, the errno code, and the fix for the usual causes. None of these is a
 * bug in synth: the directory's owner, its attributes, the mount or the disk decide them.
 *
 * `show` turns an absolute path into the one to print (relative to the project).
 */
export function fileSystemProblem(error: NodeJS.ErrnoException, doing: string, show: (path: string) => string): Problem {
  const path = error.path ? show(error.path) : '(output directory)';
  const code = error.code ?? 'error';
  return { where: path, message: `cannot ${doing} (${code}: ${error.syscall ?? 'file system'} failed)`, hint: fixFor(code, path) };
}

function fixFor(code: string, path: string): string {
  switch (code) {
    case 'EACCES':
      return `you (uid ${process.getuid?.() ?? '?'}) may not write there: run synth as the owner of the output directory, or give it to yourself (\`sudo chown -R "$(id -u):$(id -g)" ${path}\`)`;
    case 'EPERM':
      return `the file system refuses the change even to its owner: usually the immutable or append-only attribute (see \`lsattr -d ${path}\`, remove it with \`sudo chattr -i ${path}\`), or a sticky directory owned by someone else`;
    case 'EROFS':
      return `the file system is mounted read-only: remount it read-write, or write elsewhere with --out DIR`;
    case 'ENOSPC':
    case 'EDQUOT':
      return 'the disk (or your quota) is full: free some space and run synth again';
    case 'EBUSY':
      return 'it is in use or a mount point, which cannot be swapped atomically: point dist (or its link) at a directory inside the volume instead of the mount point itself';
    case 'EXDEV':
      return 'the new tree and the output are on different file systems, so it cannot be swapped in atomically: link dist to a directory whose parent is on the same file system';
    case 'ELOOP':
      return 'a loop of symbolic links: point the link at a real directory';
    case 'ENOTDIR':
    case 'EISDIR':
    case 'EEXIST':
      return 'a file is where a directory is expected (or the other way round): move it away and run synth again';
    default:
      return 'fix the file system problem named here and run synth again; nothing in your input is wrong';
  }
}
