// Typed errors: every error topiary throws on bad input says what is wrong and what to do.
// `code` is stable for programs; the message is for people.

export class TopiaryError<Code extends string = string> extends Error {
  declare readonly code: Code; // set below: no field declaration in the runtime's bundle
  // a subclass narrows Code through the type parameter, so it needs no constructor of its own in the bundle
  constructor(code: Code, message: string) {
    super(message);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A dataset file is missing, truncated, or does not match its pair. */
export class DataError extends TopiaryError {}

/** A tensor or input has a shape that does not fit the model or op. */
export class ShapeError extends TopiaryError {}

/** A setting is out of range or contradicts another (a bad schedule, a bad flag). */
export class ConfigError extends TopiaryError {}
