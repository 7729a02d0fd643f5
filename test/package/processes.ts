import { spawn, type SpawnOptions } from 'node:child_process';

/** What a process printed and how it ended. */
export interface Run { code: number | null; stdout: string; stderr: string }

/** Runs `command` to its end (no shell, stdin closed) and resolves with its exit code and output. */
export function run(command: string, args: readonly string[], options: SpawnOptions = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `run`, failing with the command and its output unless it exits 0. */
export async function ok(command: string, args: readonly string[], options: SpawnOptions = {}): Promise<Run> {
  const result = await run(command, args, options);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.code}\n${result.stdout}\n${result.stderr}`);
  return result;
}
