/** @module Raised while shaping a payload the provider would refuse anyway, so it is never sent. */

export class PayloadRejected extends Error {
  constructor(
    /** A stable reason for the delivery report, e.g. `PAYLOAD_TOO_LARGE`. */
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'PayloadRejected';
  }
}
