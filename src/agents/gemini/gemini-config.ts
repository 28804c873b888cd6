/**
 * The settings Gemini CLI finds in its own home (`GEMINI_CLI_HOME`, under the state dir)
 * when corral launches it. With `GOOGLE_GEMINI_BASE_URL` set, which a fenced instance
 * always has (the gateway's address), Gemini CLI 0.61 infers an auth type it then refuses
 * ("Invalid auth method selected."); naming the API-key method keeps the key in the
 * environment (the placeholder, when fenced) in charge. Auto-updates and usage statistics
 * are switched off: the sandbox has no way to the update server or Google's collector,
 * and each try would only be a denied connection in the egress log.
 *
 * Written before every launch; conversations live beside it in `.gemini/tmp/`, which is
 * left alone, so `--resume` still finds them.
 */

/** Relative to the state dir; Gemini CLI keeps `.gemini/` inside it. */
export const geminiHomeDir = 'gemini-home';

export function renderGeminiSettings(): string {
  const settings = {
    security: { auth: { selectedType: 'gemini-api-key' } },
    general: { enableAutoUpdate: false, enableAutoUpdateNotification: false },
    privacy: { usageStatisticsEnabled: false },
  };
  return `${JSON.stringify(settings, null, 2)}\n`;
}
