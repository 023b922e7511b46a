// The deployment's settings, written next to the page as /config.js (window.RETAKE_CONFIG).

export const config = window.RETAKE_CONFIG || {};

export function configured() {
  return Boolean(config.apiUrl && config.cognitoEndpoint && config.clientId);
}
