/**
 * Runs a benchmark's main as its script's entry point: a failure is printed
 * and sets the exit code, so that `npm run bench` stops at it.
 *
 * @example runBench(main);
 */
export function runBench(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
