/**
 * Thrown by `Store.rotateEpoch` while another process (a hub serving the database, another
 * `livehub epoch`) has the database open: rotating under it would void positions it is serving.
 */
export class DatabaseInUseError extends Error {
  /** `what` names the database: a file path, or a PostgreSQL schema and where it lives. */
  constructor(what: string) {
    super(`database ${what} is in use by another process (a hub serving it?): stop it first`);
    this.name = 'DatabaseInUseError';
  }
}
