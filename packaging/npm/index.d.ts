/** The extension's path, for db.loadExtension(path) or any other loader. */
export function getLoadablePath(): string;
/** Loads pat into a database: a better-sqlite3 Database, or anything with loadExtension(path). */
export function load(db: { loadExtension(path: string): unknown }): void;
