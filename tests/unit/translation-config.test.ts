/** Config `translation` (issue 11) through the one door: default none, the backends' required fields, the key. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, envVariables, loadConfig } from '../../src/config/load.js';
import { createTranslator } from '../../src/translate/index.js';
import { ROOT } from '../helpers/cli.js';

const load = (env: Record<string, string>) => loadConfig({ dir: join(ROOT, 'config'), env });

function issuesOf(env: Record<string, string>): ConfigError['issues'] {
  try {
    load(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  throw new Error('no ConfigError');
}

describe('config translation', () => {
  it('defaults to no backend: no translator, nothing translated', () => {
    const t = load({}).app.translation;
    expect(t).toMatchObject({ backend: 'none', target: 'zh', timeoutMs: 30_000, maxChars: 2_000 });
    expect(createTranslator(t)).toBeNull();
    expect(envVariables().map((v) => v.name)).toEqual(
      expect.arrayContaining(['GEOINTEL_TRANSLATION_BACKEND', 'GEOINTEL_TRANSLATION_API_KEY_ENV']),
    );
  });

  it('a backend needs its url, and openai its model', () => {
    expect(issuesOf({ GEOINTEL_TRANSLATION_BACKEND: 'libretranslate' })).toEqual([
      expect.objectContaining({ path: 'translation.url', message: 'backend libretranslate needs url' }),
    ]);
    expect(
      issuesOf({
        GEOINTEL_TRANSLATION_BACKEND: 'openai',
        GEOINTEL_TRANSLATION_URL: 'http://127.0.0.1:11434/v1',
      }),
    ).toEqual([
      expect.objectContaining({ path: 'translation.model', message: 'backend openai needs model' }),
    ]);
  });

  it('reads the key from the variable apiKeyEnv names, once, at the door', () => {
    const cfg = load({
      GEOINTEL_TRANSLATION_BACKEND: 'openai',
      GEOINTEL_TRANSLATION_URL: 'https://llm.example.org/v1',
      GEOINTEL_TRANSLATION_MODEL: 'qwen2.5-7b-instruct',
      GEOINTEL_TRANSLATION_API_KEY_ENV: 'LLM_KEY',
      LLM_KEY: 'sk-from-env',
    });
    expect(cfg.app.translation.apiKey).toBe('sk-from-env');
    expect(Object.isFrozen(cfg.app.translation)).toBe(true);
    expect(createTranslator(cfg.app.translation)).toMatchObject({
      backend: 'openai',
      model: 'qwen2.5-7b-instruct',
    });
  });

  it('a named key variable that is unset is an error naming the variable, never a value', () => {
    const issues = issuesOf({
      GEOINTEL_TRANSLATION_BACKEND: 'libretranslate',
      GEOINTEL_TRANSLATION_URL: 'http://10.0.0.5:5000',
      GEOINTEL_TRANSLATION_API_KEY_ENV: 'LT_KEY',
    });
    expect(issues).toEqual([
      expect.objectContaining({
        path: 'translation.apiKeyEnv',
        message: expect.stringContaining('the environment variable LT_KEY named here holds no API key'),
      }),
    ]);
    // Without a backend the variable is not needed.
    expect(load({ GEOINTEL_TRANSLATION_API_KEY_ENV: 'LT_KEY' }).app.translation.apiKey).toBeUndefined();
  });

  it('GEOINTEL_TRANSLATION_API_KEY sets the key directly', () => {
    const t = load({
      GEOINTEL_TRANSLATION_BACKEND: 'libretranslate',
      GEOINTEL_TRANSLATION_URL: 'http://10.0.0.5:5000',
      GEOINTEL_TRANSLATION_API_KEY: 'lt-direct',
    }).app.translation;
    expect(t.apiKey).toBe('lt-direct');
    expect(createTranslator(t)).toMatchObject({ backend: 'libretranslate' });
  });
});
