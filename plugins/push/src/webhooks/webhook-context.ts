/** @module The AAD under which an app's webhook secret is sealed. */
export const webhookContext = (appId: string): string => `push:${appId}:webhook`;
