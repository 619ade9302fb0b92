/** Child process of `bench v1`: one size per process (see v1.ts). */
import { v1BenchChild } from './v1.js';

await v1BenchChild(process.argv.slice(2));
