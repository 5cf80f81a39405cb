/**
 * What a file-system error code means, in an operator's words. Node's own text
 * (`EACCES: permission denied, mkdir '/srv/data'`) comes with a stack trace the operator does not
 * need; start-up failures and config loaders say what happened to which path with this.
 */
const FILE_MEANING: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is exhausted',
  EEXIST: 'something else already exists there',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the path is too long',
};

export interface FileErrorInfo {
  readonly code: string;
  readonly path: string;
  readonly syscall: string | undefined;
  readonly meaning: string;
}

/** The file-system failure `err` describes (a Node errno error with a path), or undefined. */
export function fileErrorOf(err: unknown): FileErrorInfo | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { code, path, syscall } = err as { code?: unknown; path?: unknown; syscall?: unknown };
  if (typeof code !== 'string' || typeof path !== 'string') return undefined;
  const meaning = FILE_MEANING[code];
  if (!meaning) return undefined;
  return { code, path, syscall: typeof syscall === 'string' ? syscall : undefined, meaning };
}
