/**
 * One problem with a user's input, written for the person who has to fix it.
 */
export interface Problem {
  /** Where: an overlay file with line and field path, or a construct path. */
  readonly where: string;
  /** What is wrong, in one sentence. */
  readonly message: string;
  /** What is allowed instead, when that is not obvious from the message. */
  readonly allowed?: string;
  /** How to fix it, when there is more than one reasonable way. */
  readonly hint?: string;
}

/**
 * The one error type for user-facing failures: bad overlays, invalid construct props,
 * objects the upstream schemas reject. The CLI prints it without a stack trace and
 * exits with code 2; any other error is a bug in the library (exit 70).
 */
export class UserError extends Error {
  /** Every problem found, in the order found; the message is their formatted list. */
  public readonly problems: readonly Problem[];

  constructor(problems: Problem | readonly Problem[]) {
    const list = Array.isArray(problems) ? (problems as readonly Problem[]) : [problems as Problem];
    super(formatProblems(list));
    this.name = 'UserError';
    this.problems = list;
  }
}

/** Renders problems as the CLI prints them: one block each, most useful line first. */
export function formatProblems(problems: readonly Problem[]): string {
  return problems.map(formatProblem).join('\n');
}

function formatProblem(problem: Problem): string {
  const lines = [`${problem.where}: ${problem.message}`];
  if (problem.allowed) lines.push(`  allowed: ${problem.allowed}`);
  if (problem.hint) lines.push(`  fix: ${problem.hint}`);
  return lines.join('\n');
}

/**
 * Where a bug in the library is reported; the CLI prints it with the stack of an internal error
 * (exit 70). The library has one home, the platform team's repository it is built from.
 */
export const REPORT_BUGS = 'the maintainers of @platform/cdk8s-constructs (an issue in the repository the library is built from)';

/**
 * What the CLIs print for a fault inside the library (exit 70): that it is the library's, where
 * to report it, and the stack. The first line is the headline the caller may colour.
 */
export function internalErrorLines(error: unknown): string[] {
  return [
    'internal error: a bug in the library, not in your input or your app code',
    `Please report it to ${REPORT_BUGS}, with the command you ran, this message and the stack below:`,
    error instanceof Error ? error.stack ?? error.message : String(error),
  ];
}
