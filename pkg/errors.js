/** Error classes of bedrock-connect, shared by every runtime (Node, browsers, Workers). */

/**
 * Base class: a stable `code`, a one-sentence `hint`, the JS option path at fault (`field`),
 * the HTTP `status` and AWS `requestId` when AWS answered, and whether a retry may help.
 */
export class BedrockConnectError extends Error {
  constructor(message, { code, hint = '', field = null, status = null, requestId = null, retryable = false } = {}) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.hint = hint;
    this.field = field;
    this.status = status;
    this.requestId = requestId;
    this.retryable = retryable;
  }

  toJSON() {
    const { name, code, message, hint, field, status, requestId, retryable } = this;
    return { name, code, message, hint, field, status, requestId, retryable };
  }
}

/** Bad input, found before any request was sent. */
export class ConfigError extends BedrockConnectError {}
/** AWS answered with an error. */
export class AwsError extends BedrockConnectError {}
/** No answer: connection failed, aborted or timed out. */
export class NetworkError extends BedrockConnectError {}
/** A stream broke mid-way. */
export class StreamError extends BedrockConnectError {}
