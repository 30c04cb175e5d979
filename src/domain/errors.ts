/** Base of the errors the domain throws on purpose; edges map them to a reply or a status. */
export class DomainError extends Error {
  override name = 'DomainError';
}

/** Input that breaks a rule. `field` names the input; `code` keys a translated message. */
export class InvalidInputError extends DomainError {
  override name = 'InvalidInputError';
  constructor(
    readonly field: string,
    readonly code: string,
    message?: string,
  ) {
    super(message ?? `${field}: ${code}`);
  }
}

export class NotFoundError extends DomainError {
  override name = 'NotFoundError';
  constructor(readonly entity: string) {
    super(`${entity} not found`);
  }
}

export class ConflictError extends DomainError {
  override name = 'ConflictError';
  constructor(
    readonly field: string,
    readonly code: string,
  ) {
    super(`${field}: ${code}`);
  }
}
