import { chooseTestServer } from './helpers/test-server.js';

/** Runs once before all test files: chooses the PostgreSQL server and shares it by env. */
export default async function setup(): Promise<() => Promise<void>> {
  const { url, embedded } = await chooseTestServer();
  process.env.TEST_DATABASE_URL = url;
  return async () => {
    await embedded?.stop();
  };
}
