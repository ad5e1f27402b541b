/**
 * Calls `onGone` once, when the process that started this one has exited.
 *
 * Why the CLI needs it: `npx livehub serve` and `npm start` run the hub as npm → `sh -c` → node.
 * A supervisor's SIGTERM goes to npm; npm 11 (@npmcli/run-script's signal manager) forwards it to
 * its child, the shell, and dash (Debian's sh) dies of it without passing it on (it does not
 * `exec` the command). npm then exits, and the hub would keep running, orphaned, its clients never
 * told 1001. So under npm the hub follows its parent: when the shell (or npm, when the shell did
 * exec) is gone, it shuts down as on SIGTERM.
 *
 * Why polling: no event reaches this process when npm or the shell dies. npm gives a script no
 * IPC channel, and the script's stdio is npm's own, inherited from the supervisor, so no pipe
 * closes; Linux's PR_SET_PDEATHSIG needs native code. The kernel re-parents an orphan (to init or
 * a subreaper), so a changed `process.ppid` (one getppid(2) call) says the parent is gone.
 */
export function watchParent(onGone: () => void, intervalMs = 250): () => void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, intervalMs);
  // Never what keeps the process alive.
  timer.unref();
  return () => clearInterval(timer);
}
