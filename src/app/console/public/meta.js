import { get } from './api.js';

/** Accounts and flags in use, for the filters; read once per sign-in and page load. */
let cached;

export async function loadMeta() {
  if (!cached) {
    const overview = await get('/admin/overview');
    cached = { accounts: overview.accounts, flags: overview.flags };
  }
  return cached;
}
