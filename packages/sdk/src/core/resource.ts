/** The base of every resource (`limner.images`, `limner.models`, …), as in openai-node. @module */
import type { Transport } from "./transport";

export class APIResource {
  protected readonly _transport: Transport;

  constructor(transport: Transport) {
    this._transport = transport;
  }
}
