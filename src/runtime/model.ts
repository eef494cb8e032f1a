/**
 * The learned model in a running process: the baseline file of config `model.baseline`, replaced by the
 * promoted version in Redis (`model:active`) from the next job after a promotion or a restore.
 */
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config/load.js';
import { GeoError } from '../errors.js';
import type { Logger } from '../log.js';
import { createScorer, type ModelScorer } from '../pipeline/model/scorer.js';
import { followActiveModel, type ModelStore, readModelFile } from '../store/models.js';

/** The package's folder (where `models/` ships). */
const PACKAGE_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A model path of the configuration: absolute as is, relative to the package folder. */
export function resolveModelPath(path: string): string {
  return isAbsolute(path) ? path : join(PACKAGE_ROOT, path);
}

/** The configured baseline model (CONFIG_INVALID naming `model.baseline` when it cannot be read). */
export function loadBaseline(config: Config): ModelScorer {
  const path = resolveModelPath(config.app.model.baseline);
  try {
    return createScorer(readModelFile(path));
  } catch (err) {
    throw new GeoError(
      'CONFIG_INVALID',
      `model.baseline (GEOINTEL_MODEL_BASELINE): ${(err as Error).message}; set model.enabled: false to run on the lexicons alone`,
    );
  }
}

/** What a process worker asks once per job: the scorer of the active version, else the baseline's. */
export function activeModel(
  store: ModelStore,
  config: Config,
  log: Logger,
): () => Promise<ModelScorer | undefined> {
  const baseline = loadBaseline(config);
  const follower = followActiveModel({
    store,
    baseline,
    onChange: (version) => log.info({ model: version ?? baseline.version }, 'model version in use'),
    onError: (err, version) =>
      log.warn({ model: version, err: err.message }, 'cannot load the promoted model; the one in use stays'),
  });
  return () => follower.current();
}

/** The model of a batch command (`--model FILE|none`; default: the baseline while model.enabled). */
export function cliModel(flag: string | undefined, config: Config): ModelScorer | undefined {
  if (flag === 'none') return undefined;
  if (flag !== undefined) return createScorer(readModelFile(flag));
  return config.app.model.enabled ? loadBaseline(config) : undefined;
}
