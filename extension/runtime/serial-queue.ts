/**
 * Runs async tasks one at a time, in the order they were asked for; a task
 * that fails does not stop the ones after it.
 *
 * @example
 * const queue = new SerialQueue();
 * await queue.run(() => replan()); // waits for any replan already running
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
