/**
 * Test setup: property tests (fast-check) run with a fixed seed so that a CI run is reproducible;
 * set FC_SEED to another number, or to "random", to explore other inputs.
 */
import fc from 'fast-check';

const env = process.env.FC_SEED;
if (env !== 'random') {
  const seed = env === undefined ? 20261122 : Number(env);
  if (!Number.isInteger(seed)) throw new Error(`FC_SEED must be an integer or "random", not '${env}'`);
  fc.configureGlobal({ seed });
}
