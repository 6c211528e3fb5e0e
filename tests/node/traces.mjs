// The service's answers the Node tests read (written and kept current by test_traces.py).
import { readFileSync } from 'node:fs';

/** trace('fanout') -> the POST /api/graph answer for that request (a fresh copy each call). */
export function trace(name) {
  const file = new URL(`./traces/${name}.json`, import.meta.url);
  return JSON.parse(readFileSync(file, 'utf-8')).response;
}

/** The node a learner calls `name`. */
export function named(t, name) {
  return t.nodes.find((n) => n.name === name);
}
