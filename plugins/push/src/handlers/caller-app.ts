/** @module The app a push call acts for. Every row is stored and filtered by it, so apps never see each other's data. */
import type { Caller } from '@switchboard/sdk';

/** With ACCESS_CONTROL=off (local experiments only) every call is anonymous: they share one pseudo-app. */
export const appOf = (caller: Caller): string => caller.appId ?? 'anonymous';
