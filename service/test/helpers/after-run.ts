// Run by the test runner once every test file has finished (package.json, tap "after"): drops
// the template databases of this run, so a run leaves nothing behind.
import { dropTemplates, LOCAL_URL } from './database.ts';

await dropTemplates(process.env.DATABASE_URL ?? LOCAL_URL, process.ppid).catch(() => {
  // No PostgreSQL to clean up (the tests ran on the embedded database or a container).
});
