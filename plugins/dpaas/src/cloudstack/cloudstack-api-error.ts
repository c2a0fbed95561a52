/** @module An error answer from the CloudStack API, kept raw until the driver maps it to a neutral error. */

export class CloudStackApiError extends Error {
  constructor(
    readonly command: string,
    /** CloudStack's `errorcode` (431, 530, ...), also the HTTP status of a direct error. */
    readonly errorCode: number,
    readonly errorText: string,
    readonly csErrorCode?: number,
  ) {
    super(`CloudStack ${command} failed (${errorCode}): ${errorText}`);
    this.name = 'CloudStackApiError';
  }
}
