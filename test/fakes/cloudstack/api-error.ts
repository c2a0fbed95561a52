/** @module Errors the fake answers with, in CloudStack's words and codes (ApiErrorCode, CSExceptionErrorCode). */

/** CloudStack's internal exception codes for the common cases, as real answers carry them. */
const CS_CODES: Record<number, number> = { 401: 0, 429: 4380, 431: 4350, 432: 4360, 530: 4250, 531: 4365, 533: 4505, 535: 4370, 536: 4375 };

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly text: string,
  ) {
    super(text);
  }
  get csCode(): number {
    return CS_CODES[this.code] ?? 9999;
  }
}

export const missingParam = (command: string, param: string) =>
  new ApiError(431, `Unable to execute API command ${command.toLowerCase()} due to missing parameter ${param}`);

/** How dispatch (ParamProcessWorker) reports an id that resolves to no entity. */
export const unknownEntity = (command: string, param: string, value: string) =>
  new ApiError(
    431,
    `Unable to execute API command ${command.toLowerCase()} due to invalid value. Invalid parameter ${param} value=${value} due to incorrect long value format, or entity does not exist or due to incorrect parameter annotation for the field in api cmd class.`,
  );
