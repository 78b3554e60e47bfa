import type { Store } from "../store/types.js";

const keys = new WeakMap<Store, Promise<Buffer>>();

/**
 * The HMAC secret that signs cursors and viewer tokens. It lives in the database
 * (`settings`, written once by migrate) so every replica accepts the others' cursors.
 */
export function hmacSecret(store: Store): Promise<Buffer> {
  let key = keys.get(store);
  if (!key) {
    key = store
      .query<{ value: string }>("SELECT value FROM settings WHERE name = 'hmac_secret'")
      .then((rows) => {
        const value = rows[0]?.value;
        if (!value) throw new Error("The database is not migrated: run `chronicle migrate`");
        return Buffer.from(value, "base64url");
      });
    key.catch(() => keys.delete(store));
    keys.set(store, key);
  }
  return key;
}
